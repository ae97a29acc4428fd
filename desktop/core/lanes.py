"""The transfer lanes: what runs beside what, so small things never wait behind large ones.

Posting messages has a lane of its own; thumbnails and media up to ``SMALL_BYTES`` have one; larger
transfers share a lane of ``LARGE_THREADS`` at a time. Within a lane the user's "move to front"
comes first, then the conversation served longest ago (``Fair``), then the oldest.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

SMALL_BYTES = 8 * 1024 * 1024
LARGE_THREADS = 2
SMALL_THREADS = 2

T = TypeVar("T")


def lane_of(size: int | None, *, thumbnail: bool = False) -> str:
    """``small`` or ``large``: a thumbnail, an unknown size and up to SMALL_BYTES are small."""
    return "small" if thumbnail or size is None or size <= SMALL_BYTES else "large"


class Fair(Generic[T]):
    """Round-robin between conversations: of the candidates (in queue order, the front first), the
    first one of the highest rank whose conversation was served longest ago; thread-safe."""

    def __init__(self, conversation: Callable[[T], str | None], rank: Callable[[T], int]) -> None:
        self._conversation = conversation
        self._rank = rank
        self._served: dict[str | None, int] = {}
        self._turn = itertools.count()
        self._lock = threading.Lock()

    def choose(self, candidates: Sequence[T]) -> T:
        top = max(self._rank(c) for c in candidates)
        with self._lock:
            best = min((c for c in candidates if self._rank(c) == top),
                       key=lambda c: self._served.get(self._conversation(c), -1))
            self._served[self._conversation(best)] = next(self._turn)
        return best
