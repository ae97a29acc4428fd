"""Which byte ranges of a blob are present: sorted, disjoint, half-open intervals."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator


class Ranges:
    """A set of byte offsets kept as sorted, disjoint, non-touching ``[start, end)`` intervals."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        for start, end in spans:
            self.add(start, end)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(zip(self._starts, self._ends, strict=True))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ranges) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"Ranges({list(self)!r})"

    def total(self) -> int:
        """How many bytes are present."""
        return sum(end - start for start, end in self)

    def add(self, start: int, end: int) -> None:
        """Mark ``[start, end)`` present, merging with what it overlaps or touches; raises ValueError
        for a negative or reversed interval."""
        if start < 0 or end < start:
            raise ValueError(f"bad interval {start}-{end}")
        if start == end:
            return
        first = bisect.bisect_left(self._ends, start)  # the first interval that ends at or after start
        last = bisect.bisect_right(self._starts, end)  # one past the last that starts at or before end
        if first < last:
            start = min(start, self._starts[first])
            end = max(end, self._ends[last - 1])
        self._starts[first:last] = [start]
        self._ends[first:last] = [end]

    def present_from(self, offset: int) -> int:
        """The end of the present run that holds ``offset`` (``offset`` itself when it is missing)."""
        i = bisect.bisect_right(self._starts, offset) - 1
        if i >= 0 and self._ends[i] > offset:
            return self._ends[i]
        return offset

    def covers(self, start: int, end: int) -> bool:
        return start >= end or self.present_from(start) >= end

    def first_missing(self, offset: int, size: int) -> int | None:
        """The first missing offset at or after ``offset`` and before ``size``, or None."""
        at = self.present_from(offset)
        return at if at < size else None

    def missing_until(self, offset: int, size: int) -> int:
        """The end of the missing run that starts at the missing ``offset`` (at most ``size``)."""
        i = bisect.bisect_right(self._starts, offset)
        return min(self._starts[i], size) if i < len(self._starts) else size
