"""The download queue: thumbnails first, then full media by policy or on request; resumable and verified.

Saving a copy out (``Downloads.save``) copies from the cache, or streams from the server straight
into the target when the blob is not cached: what does not fit the cache never passes through it.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import logging
import os
import secrets
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.core.db.records import Message
from desktop.core.errors import CorruptDownload, NotSignedIn, UserFacingError
from desktop.core.events import BlobReady, TransferFinished, TransferProgress
from desktop.core.units import size_text
from desktop.core.worker import Worker
from sync.client import ApiError, Cancelled, CertificateError, Offline

if TYPE_CHECKING:
    from desktop.core.engine import Engine

log = logging.getLogger(__name__)

THUMBNAIL, WANTED, BACKGROUND = 0, 1, 2  # priorities: lower runs first
HASH_BLOCK = 1 << 20


class SaveFailed(UserFacingError):
    """A copy of a blob could not be written out (offline, cancelled, refused); nothing was left behind."""


REQUEST_SENTENCE = "Accept this conversation request to download its files."


def too_large_sentence(size: int, limit: int) -> str:
    return (f"This file ({size_text(size)}) is larger than the cache limit ({size_text(limit)}), so "
            "Envelope doesn't keep a copy; use Save as… to download it, or raise the limit in Settings.")


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
        """Fetch a blob unless it is cached or queued with at least this priority.

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
            if self._queued.get(sha256, BACKGROUND + 1) <= priority:
                return
            self._queued[sha256] = priority
            heapq.heappush(self._heap, (priority, next(self._order), sha256))
        if self.engine.db.blobs.get(sha256) is None:
            self.engine.db.blobs.record(sha256, None, "missing")
        self.kick()

    def queued(self, sha256: str) -> bool:
        """Whether the blob waits in the queue (or is being fetched)."""
        with self._lock:
            return sha256 in self._queued

    def cancel(self, sha256: str) -> None:
        super().cancel(sha256)
        with self._lock:
            self._queued.pop(sha256, None)

    def want_message(self, message: Message) -> None:
        """A new message arrived: its thumbnails now, its media if the policy says so; nothing while
        its conversation is a request (a thumbnail is bytes a stranger chose too)."""
        engine = self.engine
        conversation = engine.db.conversations.get(message.conversation_id)
        if conversation is None or conversation.is_request:
            return
        pinned = self._pinned(message.conversation_id)
        limit = min(int(engine.db.settings.get("auto_download_max_bytes")), engine.cache.limit())
        for a in message.attachments:
            if a.thumbnail:
                self.request(a.thumbnail, priority=THUMBNAIL)
            if pinned or (a.kind == "image" and a.size <= limit):
                self.request(a.blob, priority=BACKGROUND)

    # -- saving a copy out ----------------------------------------------------------------------------
    def save(self, sha256: str, target: Path, *, private: bool = False) -> Path:
        """Write the blob's bytes to ``target`` and return it; blocking, so call it off the GUI thread.

        A cached blob is copied, held meanwhile so eviction cannot take it halfway. Otherwise it is
        streamed from the server into ``target``'s folder, with TransferProgress/TransferFinished as
        for any download (``cancel_transfer`` stops it), checked against its name, and never enters
        the cache. The file appears whole or not at all: a temp file beside it, renamed; ``private``
        makes it owner-only (0600). Raises SaveFailed, NotSignedIn, CorruptDownload, OSError.
        """
        target = Path(target)
        temp = target.with_name(f".{target.name[:80]}.{secrets.token_hex(4)}.part")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o666)
        os.close(fd)
        try:
            with self.engine.cache.held(sha256):
                cached = self.engine.cache.path(sha256)
                if cached is not None:
                    _copy(cached, temp)
                else:
                    self._stream(sha256, temp)
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return target

    def _stream(self, sha: str, dest: Path) -> None:
        engine = self.engine
        if engine.client is None:
            raise NotSignedIn()
        self.uncancel(sha)
        try:
            engine.client.download(sha, dest, cancelled=lambda: self.is_cancelled(sha),
                                   progress=lambda done, total: engine.emit(TransferProgress(sha, "down", done, total)))
            actual = _sha256_of(dest)
            if actual != sha:
                raise CorruptDownload(sha, actual)
        except Cancelled as exc:
            engine.emit(TransferFinished(sha, "down", error="Cancelled.", cancelled=True))
            raise SaveFailed("The download was cancelled; nothing was saved.") from exc
        except Offline as exc:
            engine.emit(TransferFinished(sha, "down", error=str(exc)))
            engine.went_offline(str(exc))
            raise SaveFailed("The server can't be reached, so the file couldn't be downloaded; "
                             "try again when you're online.") from exc
        except CertificateError as exc:
            engine.emit(TransferFinished(sha, "down", error=str(exc)))
            engine.certificate_refused(exc)
            raise SaveFailed(str(exc)) from exc
        except ApiError as exc:
            engine.emit(TransferFinished(sha, "down", error=exc.message))
            raise
        except CorruptDownload as exc:
            engine.emit(TransferFinished(sha, "down", error=str(exc)))
            raise
        engine.emit(TransferFinished(sha, "down"))

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
        except CertificateError as exc:
            engine.certificate_refused(exc)
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


def _copy(source: Path, dest: Path) -> None:
    with open(source, "rb") as src, open(dest, "wb") as out:
        shutil.copyfileobj(src, out, HASH_BLOCK)
        out.flush()
        os.fsync(out.fileno())


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()
