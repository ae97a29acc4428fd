"""The spec at /openapi.json, made to tell the truth about what the server answers.

FastAPI's own spec knows only the success answers and a 422 in a shape we never send. Here every
operation gets its security (bearer, or none, or a signed link), every error status it can answer
(each with the one error schema, ``{"error": {"code", "message"}}``), and what its marks add
(``sync.server.spec_marks``). The error statuses come from the route's shape (``derived_errors``)
plus the errors its endpoint and dependencies are marked to raise, so a new route is documented
by what it is, and by one mark for what only it does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

from sync.server import errors as e
from sync.server.limits import STREAMED_PREFIXES
from sync.server.routes import served
from sync.server.spec_marks import ERRORS_ATTR, EXTRA_ATTR, SECURITY_ATTR

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "A token from POST /v1/tokens."},
    "signedLink": {"type": "apiKey", "in": "query", "name": "sig",
                   "description": "A signed media link from POST /v1/media/{sha256}/link: its query carries "
                                  "user, expires and sig."},
}
HEADERS = {  # what an error answer at this status carries besides its body
    401: {"WWW-Authenticate": "Bearer"},
    412: {"Tus-Version": "The tus versions the server speaks: 1.0.0."},
    416: {"Content-Range": "bytes */<size>"},
    429: {"Retry-After": "Seconds until the limit lifts."},
}


class ErrorDetail(BaseModel):
    code: str
    message: str


class Error(BaseModel):
    """Every error answer's body."""

    error: ErrorDetail


def install(app: FastAPI) -> None:
    """Serve the truthful spec at the app's openapi_url (computed once, on first use)."""

    def openapi() -> dict[str, Any]:
        if not app.openapi_schema:
            app.openapi_schema = truthful_spec(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def truthful_spec(app: FastAPI) -> dict[str, Any]:
    spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for name, schema in Error.model_json_schema(ref_template="#/components/schemas/{model}").pop("$defs").items():
        schemas[name] = schema
    schemas["Error"] = Error.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["Error"].pop("$defs", None)
    spec["components"]["securitySchemes"] = SCHEMES
    for route in served(app.routes):
        if isinstance(route.route, APIRoute) and route.route.include_in_schema:
            for method in route.methods:
                document(spec["paths"][route.path][method.lower()], route.route, method)
    return spec


def document(op: dict[str, Any], route: APIRoute, method: str) -> None:
    """Security, error answers and marks onto one operation of the spec."""
    op["parameters"] = [p for p in op.get("parameters", []) if p["name"].lower() != "authorization"]
    op["security"] = [{scheme: []} for scheme in security_of(route)]
    responses = op.setdefault("responses", {})
    for status in [s for s in responses if int(s) >= 400]:
        del responses[status]  # FastAPI's 422 is not the shape we send
    for status, codes in sorted(errors_of(route, method).items()):
        responses[str(status)] = error_response(status, codes)
    extra = getattr(route.endpoint, EXTRA_ATTR, {})
    marked = extra.get("parameters", [])
    replaced = {(p["name"].lower(), p["in"]) for p in marked}
    op["parameters"] = [p for p in op["parameters"] if (p["name"].lower(), p["in"]) not in replaced] + marked
    responses.update(extra.get("responses", {}))
    for key, value in extra.items():
        if key not in ("parameters", "responses"):
            op[key] = value
    if not op["parameters"]:
        del op["parameters"]
    if method == "HEAD":  # the headers of a GET, never a body
        for answer in responses.values():
            answer.pop("content", None)


def error_response(status: int, codes: set[str]) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": "Error: " + ", ".join(f"`{code}`" for code in sorted(codes)) + ".",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if status in HEADERS:
        answer["headers"] = {name: {"description": text, "schema": {"type": "string"}}
                             for name, text in HEADERS[status].items()}
    return answer


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def security_of(route: APIRoute) -> tuple[str, ...]:
    """The schemes any one of which the route takes; () when it needs no credentials."""
    from sync.server.accounts import current_user

    for call in _calls(route.dependant):
        if schemes := getattr(call, SECURITY_ATTR, ()):
            return tuple(schemes)
        if call is current_user:
            return ("bearer",)
    return ()


def derived_errors(route: APIRoute, method: str) -> list[type[e.APIError]]:
    """The errors a route's shape implies."""
    d = route.dependant
    found: list[type[e.APIError]] = [_InternalError]
    found += [e.Unauthorized] if security_of(route) else []
    found += [e.NotFound] if d.path_params else []
    found += [e.APIError] if d.query_params else []  # numbers and cursors are parsed from text: 400
    if d.body_params:  # 400: bytes that are not UTF-8 (FastAPI cannot read them as JSON)
        found += [e.APIError, e.Invalid] + ([] if route.path.startswith(STREAMED_PREFIXES) else [e.PayloadTooLarge])
    found += [e.InsufficientStorage, e.TooManyRequests] if method in WRITES else []  # the write rate (rate_limit)
    return found


def errors_of(route: APIRoute, method: str) -> dict[int, set[str]]:
    """Every error status the operation can answer, with its codes."""
    marked = [*getattr(route.endpoint, ERRORS_ATTR, ())]
    for call in _calls(route.dependant):
        marked += getattr(call, ERRORS_ATTR, ())
    codes: dict[int, set[str]] = defaultdict(set)
    for error in [*derived_errors(route, method), *marked]:
        codes[error.status].add(error.code)
    return dict(codes)


class _InternalError(e.APIError):
    status, code = 500, "internal_error"
