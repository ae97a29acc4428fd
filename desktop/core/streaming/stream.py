"""One blob being streamed: readers wait for bytes, the fetcher fills them in, a condition joins the two."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Literal

from desktop.core.streaming.sparse import SparseFile

log = logging.getLogger(__name__)
State = Literal["open", "complete", "failed", "closed"]
Hold = Callable[[int], bool]
"""A test hook: while it returns True for an offset, the fetcher does not fetch from there."""


class StreamEnded(Exception):
    """The stream failed or was closed before the bytes asked for arrived; ``str()`` says why."""


class Stream:
    """The bytes of ``sha256`` as far as they arrived, for readers that may wait for more.

    Readers (the loopback endpoint) ask for bytes at an offset and wait until the fetcher has
    put them there. What readers wait for is fetched first, newest wish first (a seek ahead);
    otherwise the fetcher goes on from where reading goes (``cursor``), then fills the holes
    before it. Every method is thread-safe.
    """

    def __init__(self, sha256: str, sparse: SparseFile) -> None:
        self.sha256 = sha256
        self.sparse = sparse
        self.cond = threading.Condition()
        self.state: State = "open"  # even with every byte here: the fetcher verifies and files them
        self.reason = ""
        self.cursor = 0
        self.hold: Hold | None = None
        self._wants: dict[object, int] = {}

    # -- what the fetcher sees ---------------------------------------------------------------------
    @property
    def size(self) -> int | None:
        return self.sparse.size

    def present(self) -> int:
        with self.cond:
            return self.sparse.ranges.total()

    def waiting(self) -> bool:
        """Whether a reader is waiting for bytes that haven't arrived."""
        with self.cond:
            return bool(self._wants)

    def plan(self) -> int | None:
        """Where to fetch next, or None when every byte is here (call with ``cond`` held)."""
        size, ranges = self.sparse.size, self.sparse.ranges
        if size is None:
            return 0
        for offset in reversed(self._wants.values()):
            if offset < size and ranges.present_from(offset) == offset:
                return offset
        after = ranges.first_missing(self.cursor, size)
        return after if after is not None else ranges.first_missing(0, size)

    def held(self, offset: int) -> bool:
        return self.hold is not None and self.hold(offset)

    def put(self, offset: int, data: bytes) -> None:
        """Bytes arrived: keep them and wake the readers. Raises ValueError past the end, OSError."""
        with self.cond:
            if self.state != "open":
                return
            self.sparse.write(offset, data)
            self.cond.notify_all()

    def end(self, state: State, reason: str = "") -> None:
        """Complete, fail or close the stream; every reader that waits is told."""
        with self.cond:
            if self.state in ("open", "complete"):
                self.state, self.reason = state, reason
            self.cond.notify_all()

    def close(self) -> None:
        """Nobody watches any more: end the stream and let go of its file (what arrived stays)."""
        with self.cond:
            self.end("closed")
            if self.sparse.size is not None and self.sparse.path.exists():  # not filed, not thrown away
                try:
                    self.sparse.save()
                except OSError as exc:  # the next stream fetches those bytes again
                    log.warning("could not keep the map of %s: %s", self.sha256[:12], exc)
            self.sparse.close()

    def kick(self) -> None:
        """Wake the fetcher to think again (a hold changed, the network is back)."""
        with self.cond:
            self.cond.notify_all()

    # -- what readers see ------------------------------------------------------------------------
    def wait_size(self, timeout: float) -> int:
        """The blob's size once the server said it; raises StreamEnded, TimeoutError."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                self._check_readable()
                if self.sparse.size is not None:
                    return self.sparse.size
                if not self.cond.wait(max(0.0, deadline - time.monotonic())):
                    raise TimeoutError(f"no answer about {self.sha256[:12]} in {timeout:.0f} s")

    def read(self, offset: int, n: int, *, timeout: float, gone: Callable[[], bool] = lambda: False) -> bytes:
        """Up to ``n`` bytes at ``offset``, waiting until at least one is here; empty at the end.

        ``gone`` is asked at each wake-up whether the reader still wants them (its peer hung up).
        Raises StreamEnded (failed, closed, or ``gone``), TimeoutError after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        token = object()
        with self.cond:
            try:
                while True:
                    self._check_readable()
                    size = self.sparse.size
                    if size is not None:
                        if offset >= size:
                            return b""
                        data = self.sparse.read(offset, n)
                        if data:
                            self.cursor = offset + len(data)
                            return data
                        self._wants.pop(token, None)
                        self._wants[token] = offset  # the newest wish goes last
                        self.cond.notify_all()
                    if gone():
                        raise StreamEnded("the reader went away")
                    if not self.cond.wait(max(0.0, deadline - time.monotonic())):
                        raise TimeoutError(f"{self.sha256[:12]}: nothing at {offset} in {timeout:.0f} s")
            finally:
                self._wants.pop(token, None)

    def _check_readable(self) -> None:
        if self.state not in ("open", "complete"):
            raise StreamEnded(self.reason or f"the stream {self.state}")
