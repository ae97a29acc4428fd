"""The download queue: thumbnails first, then full media by policy or on request; resumable and verified.

Downloads run in two lanes (``desktop.core.lanes``): thumbnails and small media never wait behind
a large video. The queue, its order and what the user paused are kept in ``LocalDB.downloads`` and
come back at start. Saving a copy out is ``desktop.core.saving``.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.core import saving
from desktop.core.db.records import Message
from desktop.core.errors import CorruptDownload
from desktop.core.events import BlobReady, TransferFinished, TransferProgress, TransfersChanged
from desktop.core.lanes import LARGE_THREADS, SMALL_THREADS, lane_of
from desktop.core.units import size_text
from desktop.core.worker import Worker
from sync.client import ApiError, Cancelled, CertificateError, Offline

if TYPE_CHECKING:
    from desktop.core.engine import Engine

log = logging.getLogger(__name__)

THUMBNAIL, WANTED, BACKGROUND = 0, 1, 2  # priorities: lower runs first
REQUEST_SENTENCE = "Accept this conversation request to download its files."
PAUSED = "Paused."


def too_large_sentence(size: int, limit: int) -> str:
    return (f"This file ({size_text(size)}) is larger than the cache limit ({size_text(limit)}), so "
            "Envelope doesn't keep a copy; use Save as… to download it, or raise the limit in Settings.")


class Downloads(Worker):
    """Downloads by lane and priority, several at once; a failed one waits with backoff and comes back."""

    name = "envelope-download"
    lanes = ("small",) * SMALL_THREADS + ("large",) * LARGE_THREADS

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self._heaps: dict[str, list[tuple[int, int, int, str]]] = {"small": [], "large": []}
        self._queued: dict[str, tuple[int, int]] = {}  # sha -> (priority, rank) of its live heap entry
        self._running: set[str] = set()
        self._order = itertools.count()
        self._failures: dict[str, int] = {}
        self.errors: dict[str, str] = {}  # the last error of a download that is waiting or gave up
        self._timers: set[threading.Timer] = set()

    def start(self) -> None:
        """Queue again what was queued when the app last ran (what was paused stays paused)."""
        for row in self.engine.db.downloads.all():
            if not row.paused:
                self._push(row.sha256, row.priority, row.rank)
        super().start()

    def _on_stop(self) -> None:
        with self._lock:
            timers, self._timers = self._timers, set()
        for timer in timers:
            timer.cancel()

    # -- asking --------------------------------------------------------------------------------------
    def request(self, sha256: str, *, priority: int = WANTED) -> None:
        """Fetch a blob unless it is cached or queued with at least this priority (a paused one resumes).

        A blob larger than the cache limit is not fetched into the cache unless it is held (on
        screen) or kept offline: it would be evicted at once. TransferFinished says so instead.
        """
        cache = self.engine.cache
        if cache.path(sha256) is not None:
            self.engine.emit(BlobReady(sha256))
            return
        if self.engine.db.conversations.only_in_requests(sha256):
            self.engine.emit(TransferFinished(sha256, "down", error=REQUEST_SENTENCE))
            return
        if not cache.would_keep(sha256):
            record = self.engine.db.blobs.get(sha256)
            size = record.size or 0 if record is not None else 0
            self.engine.emit(TransferFinished(sha256, "down", error=too_large_sentence(size, cache.limit())))
            return
        self.uncancel(sha256)
        with self._lock:
            current = self._queued.get(sha256)
            if sha256 in self._running or (current is not None and current[0] <= priority):
                return
        if self.engine.db.blobs.get(sha256) is None:
            self.engine.db.blobs.record(sha256, None, "missing")
        row = self.engine.db.downloads.put(sha256, priority)
        self._push(sha256, row.priority, row.rank)
        if row.priority != THUMBNAIL:  # thumbnails are not in the transfers list: no news for it
            self.engine.emit(TransfersChanged())

    def _push(self, sha256: str, priority: int, rank: int) -> None:
        record = self.engine.db.blobs.get(sha256)
        lane = lane_of(record.size if record else None, thumbnail=bool(record and record.is_thumbnail))
        with self._lock:
            self._queued[sha256] = (priority, rank)
            heapq.heappush(self._heaps[lane], (-rank, priority, next(self._order), sha256))
        self.kick()

    def queued(self, sha256: str) -> bool:
        """Whether the blob waits in the queue (or is being fetched)."""
        with self._lock:
            return sha256 in self._queued or sha256 in self._running

    def running(self, sha256: str) -> bool:
        with self._lock:
            return sha256 in self._running

    def cancel(self, sha256: str) -> None:
        """Stop a download and take it out of the queue; its bytes so far stay for another time."""
        super().cancel(sha256)
        with self._lock:
            self._queued.pop(sha256, None)
        self.engine.db.downloads.remove(sha256)
        self.errors.pop(sha256, None)
        self.engine.emit(TransfersChanged())

    def pause(self, sha256: str) -> None:
        """Keep a download queued but not running (it stops where it is) until ``resume``."""
        if not self.engine.db.downloads.set_paused(sha256, True):
            return
        with self._lock:
            self._queued.pop(sha256, None)
            running = sha256 in self._running
        if running:
            super().cancel(sha256)
        self.engine.emit(TransfersChanged())

    def resume(self, sha256: str) -> None:
        row = self.engine.db.downloads.get(sha256)
        if row is None or not row.paused:
            return
        self.request(sha256, priority=row.priority)

    def to_front(self, sha256: str) -> None:
        """Run a queued download next in its lane (a paused one resumes)."""
        row = self.engine.db.downloads.to_front(sha256)
        if row is None:
            return
        with self._lock:
            running = sha256 in self._running
        if not running:
            self.uncancel(sha256)
            self._push(sha256, row.priority, row.rank)
        self.engine.emit(TransfersChanged())

    def want_message(self, message: Message) -> None:
        """A new message arrived: see ``want_messages``."""
        self.want_messages([message])

    def want_messages(self, messages: Sequence[Message]) -> None:
        """New messages arrived (a feed or history page): their thumbnails now, their media if the
        policy says so; nothing while their conversation is a request (a thumbnail is bytes a stranger
        chose too). Text-only messages cost nothing; the rest reads each conversation and the policy once."""
        with_files = [m for m in messages if m.attachments]
        if not with_files:
            return
        engine = self.engine
        conversations = {cid: engine.db.conversations.get(cid) for cid in {m.conversation_id for m in with_files}}
        limit = min(int(engine.db.settings.get("auto_download_max_bytes")), engine.cache.limit())
        for message in with_files:
            conversation = conversations[message.conversation_id]
            if conversation is None or conversation.is_request:
                continue
            for a in message.attachments:
                if a.thumbnail:
                    self.request(a.thumbnail, priority=THUMBNAIL)
                if conversation.pinned_offline or (a.kind == "image" and a.size <= limit):
                    self.request(a.blob, priority=BACKGROUND)

    def save(self, sha256: str, target: Path, *, private: bool = False) -> Path:
        """See ``desktop.core.saving.save``."""
        return saving.save(self, sha256, target, private=private)

    # -- working -------------------------------------------------------------------------------------
    def _next(self, lane: str) -> tuple[str, int] | None:
        """The next blob of ``lane`` and its priority, now counted as running."""
        heap = self._heaps[lane]
        with self._lock:
            while heap:
                minus_rank, priority, _, sha = heapq.heappop(heap)
                if self._queued.get(sha) == (priority, -minus_rank) and sha not in self._running:
                    del self._queued[sha]
                    self._running.add(sha)
                    return sha, priority
            return None

    def step_in(self, lane: str) -> float | None:
        if self.engine.client is None:
            return None
        taken = self._next(lane)
        if taken is None:
            return None
        sha, priority = taken
        listed = priority != THUMBNAIL  # thumbnails are not in the transfers list: no news for it
        try:
            if listed:
                self.engine.emit(TransfersChanged())
            self._fetch(sha)
        finally:
            with self._lock:
                self._running.discard(sha)
            if listed:
                self.engine.emit(TransfersChanged())
        return 0

    def _fetch(self, sha: str) -> None:
        engine = self.engine
        if engine.cache.path(sha) is not None:
            self._done(sha)
            engine.emit(BlobReady(sha))
            return
        partial = engine.cache.partial_path(sha)
        try:
            engine.db.blobs.set_state(sha, "partial", bytes_have=engine.cache.partial_size(sha))
            assert engine.client is not None
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
            self.uncancel(sha)
            row = engine.db.downloads.get(sha)
            paused = row is not None and row.paused
            engine.emit(TransferFinished(sha, "down", error=PAUSED if paused else "Cancelled.", cancelled=True))
            return
        except Offline as exc:
            engine.went_offline(str(exc))
            self._retry(sha, str(exc))
            return
        except CertificateError as exc:
            engine.certificate_refused(exc)
            self._retry(sha, str(exc))
            return
        except CorruptDownload as exc:
            self._retry(sha, str(exc))
            return
        except ApiError as exc:
            if exc.is_retryable:
                self._retry(sha, exc.message)
                return
            engine.db.blobs.set_state(sha, "missing")
            self._done(sha, error=exc.message)
            engine.emit(TransferFinished(sha, "down", error=exc.message))
            return
        self._done(sha)
        engine.emit(TransferFinished(sha, "down"))
        engine.emit(BlobReady(sha))

    def _done(self, sha: str, *, error: str | None = None) -> None:
        """Out of the queue for good: fetched, or refused by the server (``error``)."""
        self._failures.pop(sha, None)
        if error is None:
            self.errors.pop(sha, None)
        else:
            self.errors[sha] = error
        self.engine.db.downloads.remove(sha)

    def _retry(self, sha: str, error: str) -> None:
        attempts = self._failures.get(sha, 0) + 1
        self._failures[sha] = attempts
        self.errors[sha] = error
        self.engine.emit(TransferFinished(sha, "down", error=error))
        delay = self.engine.backoff.delay(attempts)

        def again() -> None:
            with self._lock:
                self._timers.discard(timer)
            row = self.engine.db.downloads.get(sha)
            if row is not None and not row.paused and not self.is_cancelled(sha):
                self._push(sha, row.priority, row.rank)

        timer = threading.Timer(delay, again)
        timer.daemon = True
        with self._lock:
            if self.stopping:
                return
            self._timers.add(timer)
        timer.start()
