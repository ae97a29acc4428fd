"""parse_range: one byte range of a blob, ASCII digits only; malformed is 400, past the end 416, other units ignored."""

from __future__ import annotations

import pytest

from sync.server.errors import APIError, RangeNotSatisfiable
from sync.server.ranges import parse_range


@pytest.mark.parametrize(("header", "expected"), [
    (None, None), ("bytes=0-9", (0, 10)), ("bytes=5-", (5, 100)), ("bytes=-3", (97, 100)),
    ("bytes=90-1000", (90, 100)), ("bytes=-1000", (0, 100)), ("bytes=0-1,5-6", None),
    ("bytes=9223372036854775807-", "416"), ("bytes=100-", "416"), ("bytes=-0", "416"), ("bytes=9-3", "416"),
])
def test_ranges(header: str | None, expected: tuple[int, int] | str | None) -> None:
    if expected == "416":
        with pytest.raises(RangeNotSatisfiable):
            parse_range(header, 100)
    else:
        assert parse_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=²-", "bytes=-²", "bytes=0-²", "bytes=٣-", "bytes=1_0-", "bytes=+1-2",
                                    "bytes=9223372036854775808-", "bytes=-" + "9" * 5000, "bytes=-", "bytes=5",
                                    "bytes", "BYTES="])
def test_malformed_ranges_are_400(header: str) -> None:
    with pytest.raises(APIError) as caught:
        parse_range(header, 100)
    assert caught.value.status == 400 and "Range" in caught.value.message


@pytest.mark.parametrize("header", ["items=0-1", "pages=-5", "none", "0-9", "=0-9", "bytesx=0-1", "Items=oops"])
def test_other_units_are_ignored(header: str) -> None:
    """RFC 9110 (14.2): a Range in a unit the server does not know is ignored, so the whole blob is served."""
    assert parse_range(header, 100) is None


def test_the_unit_is_case_insensitive() -> None:
    assert parse_range("Bytes=0-1", 100) == (0, 2)
