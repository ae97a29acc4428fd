"""The download queue: thumbnails first, then full media by policy or on request; resumable and verified."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from typing import TYPE_CHECKING

from desktop.core.db.records import Message
from desktop.core.errors import CorruptDownload
from desktop.core.events import BlobReady, TransferFinished, TransferProgress
from desktop.core.worker import Worker
from sync.client import ApiError, Cancelled, Offline

if TYPE_CHECKING:
    from desktop.core.engine import Engine

log = logging.getLogger(__name__)

THUMBNAIL, WANTED, BACKGROUND = 0, 1, 2  # priorities: lower runs first


class Downloads(Worker):
    """One download at a time, by priority; a failed one waits with backoff and comes back."""

    name = "envelope-download"

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self._heap: list[tuple[int, int, str]] = []
        self._queued: dict[str, int] = {}
        self._order = itertools.count()
        self._failures: dict[str, int] = {}
        self._timers: set[threading.Timer] = set()

    def _on_stop(self) -> None:
        with self._lock:
            timers, self._timers = self._timers, set()
        for timer in timers:
            timer.cancel()

    # -- asking --------------------------------------------------------------------------------------
    def request(self, sha256: str, *, priority: int = WANTED) -> None:
        """Fetch a blob unless it is cached or queued with at least this priority."""
        if self.engine.cache.path(sha256) is not None:
            self.engine.emit(BlobReady(sha256))
            return
        self.uncancel(sha256)
        with self._lock:
            if self._queued.get(sha256, BACKGROUND + 1) <= priority:
                return
            self._queued[sha256] = priority
            heapq.heappush(self._heap, (priority, next(self._order), sha256))
        if self.engine.db.blobs.get(sha256) is None:
            self.engine.db.blobs.record(sha256, None, "missing")
        self.kick()

    def cancel(self, sha256: str) -> None:
        super().cancel(sha256)
        with self._lock:
            self._queued.pop(sha256, None)

    def want_message(self, message: Message) -> None:
        """A new message arrived: its thumbnails now, its media if the policy says so."""
        engine = self.engine
        pinned = self._pinned(message.conversation_id)
        limit = int(engine.db.settings.get("auto_download_max_bytes"))
        for a in message.attachments:
            if a.thumbnail:
                self.request(a.thumbnail, priority=THUMBNAIL)
            if pinned or (a.kind == "image" and a.size <= limit):
                self.request(a.blob, priority=BACKGROUND)

    def _pinned(self, conversation_id: str) -> bool:
        conversation = self.engine.db.conversations.get(conversation_id)
        return conversation is not None and conversation.pinned_offline

    # -- working -------------------------------------------------------------------------------------
    def _next(self) -> str | None:
        with self._lock:
            while self._heap:
                priority, _, sha = heapq.heappop(self._heap)
                if self._queued.get(sha) == priority:
                    del self._queued[sha]
                    return sha
            return None

    def step(self) -> float | None:
        engine = self.engine
        if engine.client is None:
            return None
        sha = self._next()
        if sha is None:
            return None
        if engine.cache.path(sha) is not None:
            engine.emit(BlobReady(sha))
            return 0
        partial = engine.cache.partial_path(sha)
        try:
            engine.db.blobs.set_state(sha, "partial", bytes_have=engine.cache.partial_size(sha))
            engine.client.download(
                sha,
                partial,
                progress=lambda done, total: engine.emit(TransferProgress(sha, "down", done, total)),
                cancelled=lambda: self.is_cancelled(sha),
            )
            engine.cache.complete_partial(sha)
            engine.cache.evict()  # keep within the cache limit (never thumbnails, pins or pending sends)
        except Cancelled:
            engine.db.blobs.set_state(sha, "partial", bytes_have=engine.cache.partial_size(sha))
            engine.emit(TransferFinished(sha, "down", error="Cancelled.", cancelled=True))
            return 0
        except Offline as exc:
            engine.went_offline(str(exc))
            return self._retry(sha, str(exc))
        except CorruptDownload as exc:
            return self._retry(sha, str(exc))
        except ApiError as exc:
            if exc.is_retryable:
                return self._retry(sha, exc.message)
            engine.db.blobs.set_state(sha, "missing")
            engine.emit(TransferFinished(sha, "down", error=exc.message))
            return 0
        self._failures.pop(sha, None)
        engine.emit(TransferFinished(sha, "down"))
        engine.emit(BlobReady(sha))
        return 0

    def _retry(self, sha: str, error: str) -> float:
        attempts = self._failures.get(sha, 0) + 1
        self._failures[sha] = attempts
        self.engine.emit(TransferFinished(sha, "down", error=error))
        delay = self.engine.backoff.delay(attempts)

        def again() -> None:
            with self._lock:
                self._timers.discard(timer)
            if not self.is_cancelled(sha):
                self.request(sha, priority=WANTED)

        timer = threading.Timer(delay, again)
        timer.daemon = True
        with self._lock:
            if self.stopping:
                return 0
            self._timers.add(timer)
        timer.start()
        return 0
