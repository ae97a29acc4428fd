"""Starting the disk write of a large file's bytes while more are still being written (Linux).

Left alone, the kernel keeps a file's new bytes in memory until the ``fsync`` at commit, which then waits for
all of them, after the last byte arrived: about 0.3 s per GiB here, with nothing else to do meanwhile
(BENCHMARKS.md, issue 15). ``sync_file_range(SYNC_FILE_RANGE_WRITE)`` on each stretch already written
starts its write-out at once and returns, so by the commit little is left. Durability does not change: the
commit still fsyncs. Elsewhere (no such call) this does nothing.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable

EVERY = 8 * 1024 * 1024  # bytes between two calls
SYNC_FILE_RANGE_WRITE = 2

Kick = Callable[[int, int, int], object]  # (fd, offset, length)


def _sync_file_range() -> Kick | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        call = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    call.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    call.restype = ctypes.c_int

    def kick(fd: int, offset: int, length: int) -> object:
        return call(fd, offset, length, SYNC_FILE_RANGE_WRITE)  # an error only means no head start

    return kick


_KICK = _sync_file_range()


class Writeback:
    """Follows one file descriptor written sequentially from ``offset``; every EVERY bytes, starts their write-out."""

    def __init__(self, fd: int, offset: int, kick: Kick | None = _KICK) -> None:
        self._fd, self._kick = fd, kick
        self._from = self._at = offset

    def wrote(self, count: int) -> None:
        self._at += count
        if self._kick is not None and self._at - self._from >= EVERY:
            self._kick(self._fd, self._from, self._at - self._from)
            self._from = self._at
