"""How far a transfer has got, as a person reads it: bytes done of the total, speed, time left."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from desktop.core.units import size_text

RATE_WINDOW_S = 4.0
"""The speed is what moved over about the last this many seconds: steady, yet quick to follow a change."""
MIN_SPAN_S = 0.75
"""No speed is shown before this much history (the first chunk says little about the next ones)."""


class TransferMeter:
    """The speed of one transfer, worked out from its progress reports over a sliding window.

    ``clock`` gives seconds (``time.monotonic``; tests pass a fake one). A report that goes
    backwards (the transfer started over) starts the history again.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, *, window_s: float = RATE_WINDOW_S) -> None:
        self._clock = clock
        self._window_s = window_s
        self._samples: deque[tuple[float, int]] = deque()

    def add(self, done: int) -> None:
        now = self._clock()
        if self._samples and done < self._samples[-1][1]:
            self._samples.clear()
        self._samples.append((now, done))
        self._prune(now)

    def rate(self) -> float | None:
        """Bytes per second now (0.0 when nothing moved lately), or None while too early to tell."""
        if not self._samples:
            return None
        now = self._clock()
        self._prune(now)
        first_t, first_done = self._samples[0]
        span = now - first_t
        if span < MIN_SPAN_S:
            return None
        return max(0.0, (self._samples[-1][1] - first_done) / span)

    def _prune(self, now: float) -> None:
        """Drop reports older than the window, keeping the last one before it as the starting point."""
        while len(self._samples) >= 2 and self._samples[1][0] <= now - self._window_s:
            self._samples.popleft()


def seconds_left(done: int, total: int, rate: float | None) -> float | None:
    """How long the rest takes at ``rate``; None when that cannot be said."""
    if rate is None or rate <= 0 or total <= 0:
        return None
    return max(0.0, (total - done) / rate)


def bytes_text(done: int, total: int) -> str:
    """ "12.5 MB of 200.0 MB" """
    return f"{size_text(max(0, done))} of {size_text(max(0, total))}"


def time_left_text(seconds: float) -> str:
    """ "8 s left", "3 min left", "1 h 5 min left" (rounded up: a promise kept rather than broken)."""
    s = max(1, math.ceil(seconds))
    if s < 60:
        return f"{s} s left"
    minutes = math.ceil(s / 60)
    if minutes < 60:
        return f"{minutes} min left"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min left" if minutes else f"{hours} h left"


def rate_text(rate: float | None, left: float | None) -> str:
    """ "4.2 MB/s · 45 s left"; "Starting…" before the speed is known; "Waiting…" while nothing moves."""
    if rate is None:
        return "Starting…"
    if rate <= 0 or left is None:
        return "Waiting…"
    return f"{size_text(round(rate))}/s · {time_left_text(left)}"
