"""HTTP Range and conditional-request parsing for blob downloads."""

from __future__ import annotations

from sync.server.errors import APIError, RangeNotSatisfiable


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one byte range asked for as ``(start, end_exclusive)``; None for the whole blob.

    Several ranges are answered with the whole blob (RFC 9110 lets a server ignore Range).
    Raises APIError (400) for a malformed header, RangeNotSatisfiable (416) past the end.
    """
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or not spec.strip():
        raise APIError("The Range header is malformed; use bytes=START-END.")
    if "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash or not (first.isdigit() or last.isdigit()) or (first and not first.isdigit()) or (
        last and not last.isdigit()
    ):
        raise APIError("The Range header is malformed; use bytes=START-END.")
    unsatisfiable = RangeNotSatisfiable(
        f"The range {spec} lies outside the blob's {size} bytes.", headers={"Content-Range": f"bytes */{size}"}
    )
    if not first:  # suffix: the last N bytes
        n = int(last)
        if n == 0 or size == 0:
            raise unsatisfiable
        return max(0, size - n), size
    start = int(first)
    end = min(int(last) + 1, size) if last else size
    if start >= size or (last and int(last) < start):
        raise unsatisfiable
    return start, end


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether an If-None-Match / If-Range list names ``etag`` (weak comparison)."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return etag in tags
