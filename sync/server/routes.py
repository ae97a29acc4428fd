"""The app's routes as they are served (path, methods, the route), however FastAPI nests included routers."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from fastapi import routing
from starlette.routing import BaseRoute, compile_path


@dataclass(frozen=True)
class Served:
    path: str
    """The path template, as in the spec: ``/v1/conversations/{conversation_id}``."""
    methods: frozenset[str]
    route: BaseRoute
    """The route as declared: an ``APIRoute`` (with ``endpoint`` and ``dependant``) or a plain Starlette one."""
    regex: re.Pattern[str]
    """What it matches, convertors included (``{sha256:sha256}`` matches 64 hex digits only)."""


def served(routes: Sequence[BaseRoute]) -> Iterator[Served]:
    """Every HTTP route, included routers flattened (FastAPI ≥ 0.135 nests them; older ones list them flat)."""
    iterate = getattr(routing, "iter_route_contexts", None)
    if iterate is None:  # pragma: no cover - older FastAPI
        for route in routes:
            path, methods = getattr(route, "path_format", None), getattr(route, "methods", None)
            if path and methods:
                yield Served(path, frozenset(methods), route, getattr(route, "path_regex", compile_path(path)[0]))
        return
    for context in iterate(routes):
        if context.path_format and context.methods:
            yield Served(context.path_format, frozenset(context.methods), context.original_route,
                         context.path_regex)


def allowed_methods(routes: Sequence[BaseRoute], path: str) -> list[str]:
    """Every method some route serves on ``path`` (a concrete path), sorted: for ``Allow``."""
    return sorted({m for s in served(routes) if s.regex.match(path) for m in s.methods})
