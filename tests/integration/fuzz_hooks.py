"""schemathesis hooks for fuzzing this API (loaded by ``tests.integration.fuzzing``): tus PATCH bodies are bytes;
``ast.parse`` runs one call at a time."""

from __future__ import annotations

import ast
import threading
from typing import Any

import schemathesis

schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")

# CPython before 3.11.8 / 3.12.1 (gh-106905) shares the AST converter's recursion-depth counter between threads:
# two threads in ast.parse at once can fail with "SystemError: AST constructor recursion depth mismatch".
# Hypothesis parses a source file to describe a filter's lambda, and schemathesis's two workers are threads, so
# a run could end in a "Runtime Error" of the tool's own (seen on 3.11.7). One parse at a time avoids it.
_parse = ast.parse
_parsing = threading.Lock()


def _one_at_a_time(*args: Any, **kwargs: Any) -> Any:
    with _parsing:
        return _parse(*args, **kwargs)


ast.parse = _one_at_a_time
