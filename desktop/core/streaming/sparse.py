"""A blob's bytes arriving out of order: a file with holes, and a map of which ranges are present."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from desktop.core.streaming.ranges import Ranges

log = logging.getLogger(__name__)
MAP_SUFFIX = ".ranges"


class SparseFile:
    """``path`` holds the bytes at their offsets; ``<path>.ranges`` says which ones arrived.

    Not thread-safe: ``Stream`` serialises every call. The map is written only after the bytes it
    names were fsynced, so after a crash it may name less than the file holds, never more.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.map_path = self.path.with_name(self.path.name + MAP_SUFFIX)
        self.size: int | None = None
        self.ranges = Ranges()
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        self._load()

    def _load(self) -> None:
        """Take the saved map when it fits the file; anything odd starts over (it is only a cache)."""
        try:
            saved = json.loads(self.map_path.read_text())
            size = saved["size"]
            spans = [(int(a), int(b)) for a, b in saved["ranges"]]
            if not isinstance(size, int) or size < 0 or os.fstat(self._fd).st_size != size \
                    or any(not 0 <= a < b <= size for a, b in spans):
                raise ValueError("the map does not fit the file")
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.info("starting %s over: %s", self.path.name, exc)
            return
        self.size, self.ranges = size, Ranges(spans)

    # -- writing -------------------------------------------------------------------------------------
    def set_size(self, size: int) -> None:
        """The blob's size, as the server says; a different size than the saved one starts over."""
        if size == self.size:
            return
        self.size, self.ranges = size, Ranges()
        os.ftruncate(self._fd, size)

    def write(self, offset: int, data: bytes) -> None:
        """Put bytes at ``offset`` and mark them present; raises ValueError past the end, OSError."""
        if self.size is None or offset + len(data) > self.size:
            raise ValueError(f"{len(data)} bytes at {offset} do not fit a blob of {self.size} bytes")
        view = memoryview(data)
        while view:
            written = os.pwrite(self._fd, view, offset)
            view, offset = view[written:], offset + written
        self.ranges.add(offset - len(data), offset)

    def save(self) -> None:
        """Make what arrived durable, then the map that names it (atomically). Raises OSError."""
        os.fsync(self._fd)
        temp = self.map_path.with_name(self.map_path.name + ".tmp")
        temp.write_text(json.dumps({"size": self.size, "ranges": [list(span) for span in self.ranges]}))
        os.replace(temp, self.map_path)

    def reset(self) -> None:
        """Forget every byte (a verification failed): the map is emptied, holes refilled later."""
        self.ranges = Ranges()
        self.map_path.unlink(missing_ok=True)

    # -- reading -------------------------------------------------------------------------------------
    def read(self, offset: int, n: int) -> bytes:
        """Up to ``n`` present bytes from ``offset``; empty when the byte at ``offset`` is missing."""
        n = min(n, self.ranges.present_from(offset) - offset)
        return os.pread(self._fd, n, offset) if n > 0 else b""

    # -- ending --------------------------------------------------------------------------------------
    def filed(self) -> None:
        """The file became a cached blob (renamed away): only its map is left to remove."""
        self.map_path.unlink(missing_ok=True)

    def discard(self) -> None:
        """Remove the file and its map (still readable through the open descriptor until ``close``)."""
        self.path.unlink(missing_ok=True)
        self.map_path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
