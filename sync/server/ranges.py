"""HTTP Range and conditional-request parsing for blob downloads."""

from __future__ import annotations

from sync.server.errors import APIError, RangeNotSatisfiable
from sync.server.numbers import MAX_INTEGER, parse_count


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one byte range asked for as ``(start, end_exclusive)``; None for the whole blob.

    Several ranges, and a unit other than ``bytes``, are answered with the whole blob (RFC 9110 lets a
    server ignore Range, and says to ignore a unit it does not know).
    Raises APIError (400) for a malformed byte range, RangeNotSatisfiable (416) past the end.
    """
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes":
        return None
    if not spec.strip():
        raise APIError("The Range header is malformed; use bytes=START-END.")
    if "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash or not (first or last):
        raise APIError("The Range header is malformed; use bytes=START-END.")
    start = parse_count(first, name="first byte of the Range header", maximum=MAX_INTEGER) if first else None
    stop = parse_count(last, name="last byte of the Range header", maximum=MAX_INTEGER) if last else None
    unsatisfiable = RangeNotSatisfiable(
        f"The range {spec} lies outside the blob's {size} bytes.", headers={"Content-Range": f"bytes */{size}"}
    )
    if start is None:  # suffix: the last N bytes
        assert stop is not None
        if stop == 0 or size == 0:
            raise unsatisfiable
        return max(0, size - stop), size
    if start >= size or (stop is not None and stop < start):
        raise unsatisfiable
    return start, size if stop is None else min(stop + 1, size)


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether an If-None-Match / If-Range list names ``etag`` (weak comparison)."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return etag in tags
