"""Numbers that come from outside (query strings, headers, signed links): ASCII digits, bounded, else 400.

``str.isdigit()`` and ``int()`` take far more than a client should send: '²' passes ``isdigit`` and then
fails ``int``; ``int`` takes '٣', '1_000' and ' 7 '; pydantic takes '5.0' and '+5'; and a number past
2**63 - 1 overflows an SQLite column. Every number a request carries is read here instead.
"""

from __future__ import annotations

import re
from typing import Any

from sync.server.errors import APIError

MAX_INTEGER = 2**63 - 1  # the largest value an SQLite INTEGER (a signed 64-bit number) holds
_WHOLE = re.compile(r"[0-9]{1,19}")
_SECONDS = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,9})?")
_SHOWN = 40


class BadNumber(APIError):
    """A number in the request is missing, not plain ASCII digits, or out of bounds."""

    status, code = 400, "bad_request"


def parse_count(text: str | None, *, name: str, maximum: int, minimum: int = 0, default: int | None = None) -> int:
    """``text`` as a whole number from ``minimum`` to ``maximum``; ``default`` when it is None and one is given.

    Raises BadNumber (400, a sentence naming ``name``) when it is missing, anything but ASCII
    digits, or out of bounds. ``maximum`` is at most MAX_INTEGER.
    """
    assert 0 <= minimum <= maximum <= MAX_INTEGER, (minimum, maximum)
    if text is None and default is not None:
        return default
    if text is not None and _WHOLE.fullmatch(text):
        value = int(text)
        if minimum <= value <= maximum:
            return value
    raise BadNumber(f"The {name} must be a whole number from {minimum} to {maximum}; {_shown(text)}.")


def count_schema(*, maximum: int, minimum: int = 0) -> dict[str, Any]:
    """The spec's schema of what ``parse_count`` takes with these bounds: an integer (sent as its digits)."""
    return {"type": "integer", "minimum": minimum, "maximum": maximum}


def digits_pattern(maximum: int) -> str:
    """A pattern for exactly the text ``parse_count`` takes from 0 to ``maximum``, or the empty string: for a
    parameter that reads both (an absent-or-empty cursor), where an ``anyOf`` would do but trips fuzzers."""
    top = str(maximum)
    width = len(top)  # parse_count reads up to 19 digits, leading zeros too; fewer than ``width`` are always below
    assert width <= 19, maximum
    branches = [f"[0-9]{{0,{width - 1}}}"]
    for i, digit in enumerate(top):
        if digit != "0":
            branches.append(f"{top[:i]}[0-{int(digit) - 1}][0-9]{{{width - 1 - i}}}")
    branches.append(top)
    return "^(" + "|".join(branches) + ")$"


def parse_seconds(text: str | None, *, name: str, maximum: float, default: float | None = None) -> float:
    """``text`` as seconds from 0 to ``maximum``, like ``25`` or ``0.5`` (``default`` when None and given).

    Raises BadNumber (400, a sentence naming ``name``) otherwise.
    """
    if text is None and default is not None:
        return default
    if text is not None and _SECONDS.fullmatch(text):
        value = float(text)
        if value <= maximum:
            return value
    raise BadNumber(f"The {name} must be a number of seconds from 0 to {maximum:g}, like 25 or 0.5; "
                    f"{_shown(text)}.")


def _shown(text: str | None) -> str:
    if text is None:
        return "it is missing"
    if len(text) > _SHOWN:
        return f"got {text[:_SHOWN]!r}… ({len(text)} characters)"
    return f"got {text!r}"
