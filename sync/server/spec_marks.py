"""Marks a route (or a dependency) carries for the spec: the errors it raises beyond those its shape implies,
more of its operation (headers, bodies), and which credentials it takes. Read by ``sync.server.openapi``.

Put them right under the route's decorator::

    @router.post("/v1/accounts", status_code=201, response_model=Account)
    @raises(Conflict)
    def create_account(...): ...

What a route's shape implies needs no mark (``sync.server.openapi.derived_errors``): a bearer token →
401, a path id → 404, a JSON body → 400, 422 and 413, a query parameter → 400, any write → 507 and 429,
anything → 500.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

ERRORS_ATTR = "__api_errors__"
EXTRA_ATTR = "__openapi_extra__"
SECURITY_ATTR = "__api_security__"


def raises(*errors: type[Exception]) -> Callable[[F], F]:
    """The API errors (``APIError`` classes) this route or dependency may answer with."""

    def mark(func: F) -> F:
        setattr(func, ERRORS_ATTR, (*getattr(func, ERRORS_ATTR, ()), *errors))
        return func

    return mark


def operation(extra: dict[str, Any]) -> Callable[[F], F]:
    """More of the operation's spec: ``parameters`` are added (one with the name and place of a parameter
    FastAPI documents replaces it); each status in ``responses`` is replaced whole."""

    def mark(func: F) -> F:
        setattr(func, EXTRA_ATTR, extra)
        return func

    return mark


def query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """An optional query parameter for ``operation``: to document what the route really takes (a number read
    from text by ``sync.server.numbers`` is an integer in the spec, with the bounds the route enforces)."""
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def credentials(*schemes: str) -> Callable[[F], F]:
    """A dependency that authenticates with any one of these security schemes (``bearer``, ``signedLink``)."""

    def mark(func: F) -> F:
        setattr(func, SECURITY_ATTR, schemes)
        return func

    return mark
