"""The map of present byte ranges agrees with a plain set of offsets, whatever order bytes arrive in."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.core.streaming.ranges import Ranges

SIZE = 200
spans = st.lists(st.tuples(st.integers(0, SIZE), st.integers(0, 40)).map(lambda t: (t[0], min(SIZE, t[0] + t[1]))),
                 max_size=25)


@given(spans, st.integers(0, SIZE))
def test_ranges_agree_with_a_set_of_offsets(added: list[tuple[int, int]], offset: int) -> None:
    ranges = Ranges(added)
    present = {i for start, end in added for i in range(start, end)}
    assert ranges.total() == len(present)
    listed = list(ranges)
    assert all(a < b for a, b in listed) and all(b < c for (_, b), (c, _) in itertools.pairwise(listed))  # merged
    run_end = offset
    while run_end in present:
        run_end += 1
    assert ranges.present_from(offset) == run_end
    missing = next((i for i in range(offset, SIZE) if i not in present), None)
    assert ranges.first_missing(offset, SIZE) == missing
    if missing is not None:
        gap_end = missing
        while gap_end < SIZE and gap_end not in present:
            gap_end += 1
        assert ranges.missing_until(missing, SIZE) == gap_end
    assert ranges.covers(0, SIZE) == (len(present) == SIZE)


def test_touching_ranges_merge_and_bad_ones_are_refused() -> None:
    ranges = Ranges([(10, 20), (30, 40)])
    ranges.add(20, 30)
    assert list(ranges) == [(10, 40)]
    ranges.add(5, 5)
    assert list(ranges) == [(10, 40)]
    for bad in ((-1, 3), (9, 8)):
        with pytest.raises(ValueError):
            ranges.add(*bad)
