"""parse_count and parse_seconds: ASCII digits within bounds, or a 400 that names the field."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.server.errors import APIError
from sync.server.numbers import MAX_INTEGER, BadNumber, parse_count, parse_seconds

HOSTILE = ["²", "٣", "１", "1_000", " 5", "5 ", "+5", "-1", "5.0", "0x10", "", "1e3", "5\n",
           "9223372036854775808", "1" * 5000, "٣" * 30]


@pytest.mark.parametrize("text", HOSTILE)
def test_anything_but_plain_digits_in_bounds_is_a_400_naming_the_field(text: str) -> None:
    with pytest.raises(BadNumber) as caught:
        parse_count(text, name="'before' parameter", maximum=MAX_INTEGER)
    assert caught.value.status == 400 and isinstance(caught.value, APIError)
    assert "'before' parameter" in caught.value.message
    assert len(caught.value.message) < 200  # a 5000-digit number is not echoed back


def test_bounds_and_missing() -> None:
    assert parse_count("0", name="n", maximum=10) == 0
    assert parse_count("007", name="n", maximum=10) == 7
    assert parse_count(str(MAX_INTEGER), name="n", maximum=MAX_INTEGER) == MAX_INTEGER
    with pytest.raises(BadNumber, match="from 1 to 200"):
        parse_count("0", name="limit", minimum=1, maximum=200)
    with pytest.raises(BadNumber, match="from 1 to 200"):
        parse_count("201", name="limit", minimum=1, maximum=200)
    with pytest.raises(BadNumber, match=r"The Upload-Length header .* missing"):
        parse_count(None, name="Upload-Length header", maximum=10)


@settings(max_examples=500, deadline=None, database=None)
@given(text=st.text(max_size=25))
def test_any_text_is_a_number_in_bounds_or_bad_number(text: str) -> None:
    try:
        value = parse_count(text, name="n", minimum=3, maximum=10**12)
    except BadNumber:
        assert not (text.isascii() and text.isdigit() and 3 <= int(text) <= 10**12)
    else:
        assert text.isascii() and text.isdigit() and value == int(text) and 3 <= value <= 10**12


@settings(max_examples=300, deadline=None, database=None)
@given(value=st.integers(min_value=0, max_value=MAX_INTEGER))
def test_every_number_in_bounds_round_trips(value: int) -> None:
    assert parse_count(str(value), name="n", maximum=MAX_INTEGER) == value


@settings(max_examples=300, deadline=None, database=None)
@given(text=st.text(max_size=25))
def test_any_text_is_seconds_in_bounds_or_bad_number(text: str) -> None:
    try:
        value = parse_seconds(text, name="wait", maximum=60)
    except BadNumber:
        return
    assert text.isascii() and 0 <= value <= 60


@pytest.mark.parametrize(("text", "seconds"), [("0", 0.0), ("25", 25.0), ("25.0", 25.0), ("0.5", 0.5), ("60", 60.0)])
def test_seconds_as_the_client_sends_them(text: str, seconds: float) -> None:
    assert parse_seconds(text, name="wait", maximum=60) == seconds


@pytest.mark.parametrize("text", ["nan", "inf", "1e1", "60.5", "-1", ".5", "5.", "²", "1_0", None])
def test_seconds_refuse_everything_else(text: str | None) -> None:
    with pytest.raises(BadNumber, match="wait"):
        parse_seconds(text, name="wait", maximum=60)


def test_a_default_stands_in_only_for_absence() -> None:
    assert parse_count(None, name="limit", minimum=1, maximum=200, default=50) == 50
    assert parse_seconds(None, name="wait", maximum=60, default=0) == 0
    with pytest.raises(BadNumber):
        parse_count("", name="limit", minimum=1, maximum=200, default=50)
