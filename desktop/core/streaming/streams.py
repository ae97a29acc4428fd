"""The blobs of one engine being played while they download, and the loopback endpoint serving them."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from desktop.core.errors import NotSignedIn
from desktop.core.events import ConnectionChanged, EngineEvent, TransfersChanged
from desktop.core.streaming.endpoint import Endpoint
from desktop.core.streaming.fetcher import Fetcher
from desktop.core.streaming.sparse import SparseFile
from desktop.core.streaming.stream import Hold, Stream

if TYPE_CHECKING:
    from desktop.core.engine import Engine


@dataclass
class _Entry:
    stream: Stream
    fetcher: Fetcher
    handles: int = 0


class StreamHandle:
    """One watcher's hold on a stream: ``url`` for the player, ``stream`` to follow it; ``close()`` it."""

    def __init__(self, owner: Streams, stream: Stream, url: str) -> None:
        self._owner = owner
        self.stream = stream
        self.url = url
        self._closed = False

    @property
    def sha256(self) -> str:
        return self.stream.sha256

    def close(self) -> None:
        """Let go (once); the last handle of a stream ends it, keeping what arrived for another time."""
        if not self._closed:
            self._closed = True
            self._owner._release(self.stream.sha256)


class Streams:
    """Blobs played while they download: ``Streams.of(engine).open(sha256)`` gives a URL to play.

    A stream fetches (see ``Fetcher``) while any handle on it is open, and the endpoint runs while
    any stream does; both start on first use. A stream whose every byte arrived is verified and
    becomes the cached blob, and keeps being served from the same file until its handles close.
    """

    _of: ClassVar[weakref.WeakKeyDictionary[Engine, Streams]] = weakref.WeakKeyDictionary()
    _of_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._open: dict[str, _Entry] = {}
        self._endpoint: Endpoint | None = None
        self.hold: Hold | None = None
        """A test hook given to each new stream (see ``Stream.hold``)."""

    @classmethod
    def of(cls, engine: Engine) -> Streams:
        """The engine's streams, made on first use."""
        with cls._of_lock:
            streams = cls._of.get(engine)
            if streams is None:
                streams = cls._of[engine] = cls(engine)
            return streams

    @classmethod
    def stop_for(cls, engine: Engine) -> None:
        """Stop the engine's streams, if it ever had any (for when the engine stops)."""
        with cls._of_lock:
            streams = cls._of.pop(engine, None)
        if streams is not None:
            streams.stop()

    def open(self, sha256: str) -> StreamHandle:
        """Start (or join) streaming a blob. Raises NotSignedIn, InvalidBlobName, OSError (the file)."""
        if self.engine.client is None:
            raise NotSignedIn()
        with self._lock:
            entry = self._open.get(sha256)
            if entry is None:
                stream = Stream(sha256, SparseFile(self.engine.cache.stream_path(sha256)))
                stream.hold = self.hold
                entry = self._open[sha256] = _Entry(stream, Fetcher(self.engine, stream))
                entry.fetcher.start()
            if self._endpoint is None:
                self._endpoint = Endpoint(self._lookup).start()
                self.engine.add_listener(self._on_event)
            entry.handles += 1
            return StreamHandle(self, entry.stream, self._endpoint.url_for(sha256))

    def stream(self, sha256: str) -> Stream | None:
        """The open stream of a blob, if any."""
        with self._lock:
            entry = self._open.get(sha256)
            return entry.stream if entry is not None else None

    def fetcher(self, sha256: str) -> Fetcher | None:
        with self._lock:
            entry = self._open.get(sha256)
            return entry.fetcher if entry is not None else None

    _lookup = stream

    def stop(self, timeout: float = 10.0) -> None:
        """End every stream and the endpoint now, waiting up to ``timeout`` s for their threads."""
        with self._lock:
            entries, self._open = list(self._open.values()), {}
            endpoint, self._endpoint = self._endpoint, None
        for entry in entries:
            entry.stream.close()
        for entry in entries:
            entry.fetcher.join(timeout)
        self._stop_endpoint(endpoint)

    def _release(self, sha256: str) -> None:
        endpoint = None
        with self._lock:
            entry = self._open.get(sha256)
            if entry is None:
                return
            entry.handles -= 1
            if entry.handles > 0:
                return
            del self._open[sha256]
            if not self._open:
                endpoint, self._endpoint = self._endpoint, None
        entry.stream.close()
        if endpoint is not None:  # off the caller's thread: shutting a server down waits for its loop
            threading.Thread(target=self._stop_endpoint, args=(endpoint,), daemon=True).start()

    def _stop_endpoint(self, endpoint: Endpoint | None) -> None:
        if endpoint is not None:
            self.engine.remove_listener(self._on_event)
            endpoint.stop()

    def _on_event(self, event: EngineEvent) -> None:
        """Back online: retry now rather than at the end of the backoff. A transfer cancelled (or
        paused): the fetcher of that blob stops now rather than at its next block."""
        if (isinstance(event, ConnectionChanged) and event.state == "online") or isinstance(event, TransfersChanged):
            with self._lock:
                streams = [entry.stream for entry in self._open.values()]
            for stream in streams:
                stream.kick()
