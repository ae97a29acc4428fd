"""Fills a stream from the server with ranged GETs: what a reader waits for first, then onwards from there."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from desktop.core.errors import CorruptDownload
from desktop.core.events import BlobReady, TransferFinished, TransferProgress
from desktop.core.streaming.body import Body, BodyRefused
from desktop.core.streaming.stream import Stream
from sync.client import ApiError, CertificateError, Offline

if TYPE_CHECKING:
    from desktop.core.engine import Engine

log = logging.getLogger(__name__)

BLOCK = 1 << 20
"""The fetcher re-plans at least at every block: a seek waits for at most one block of another range."""
CHUNK = 64 << 10
SAVE_EVERY = 8 << 20
MAX_VERIFICATIONS = 3
KEPT_ARRIVING_DAMAGED = ("This file kept arriving damaged from the server, so Envelope stopped downloading "
                         "it; try again later.")
OUR_BUG = "Something went wrong inside Envelope while downloading this file; it has been logged."


class _Stop(Exception):
    """The stream was closed, the user cancelled, or the engine stops."""


class Fetcher:
    """One thread per stream: fetches until every byte is here, then files the blob in the cache.

    It reports like any download (TransferProgress, TransferFinished, BlobReady), retries with
    the engine's backoff while offline, and stops when the stream closes, when the user cancels
    the transfer (``Engine.cancel_transfer``) or when the engine stops.
    """

    def __init__(self, engine: Engine, stream: Stream) -> None:
        self.engine = engine
        self.stream = stream
        self.sha256 = stream.sha256
        self._thread = threading.Thread(target=self._run, name=f"envelope-stream-{self.sha256[:8]}", daemon=True)
        self._body: Body | None = None
        self._failures = 0
        self._verifications = 0
        self._unsaved = 0
        self._reported = -1

    def start(self) -> None:
        self.engine.downloads.uncancel(self.sha256)
        self._thread.start()

    def join(self, timeout: float) -> bool:
        """Wait for the thread to end; False if it is still running after ``timeout`` seconds."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _stopping(self) -> bool:
        return self.stream.state != "open" or self.engine.downloads.is_cancelled(self.sha256)

    # -- the loop ------------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            while not self._step():
                pass
        except _Stop:
            self._stopped()
        except Exception:
            log.exception("streaming %s failed", self.sha256[:12])
            self._fail(OUR_BUG)
        finally:
            self._drop_body()

    def _step(self) -> bool:
        """Fetch one block, or file the blob; True when there is nothing more to do."""
        at = self._next()
        if at is None:
            return self._file()
        try:
            self._fetch_block(at)
        except (Offline, CertificateError) as exc:
            self._drop_body()
            if isinstance(exc, CertificateError):
                self.engine.certificate_refused(exc)
            else:
                self.engine.went_offline(str(exc))
            self._pause(str(exc))
        except ApiError as exc:
            self._drop_body()
            if not exc.is_retryable:
                self._fail(exc.message)
                return True
            self._pause(exc.message)
        except BodyRefused as exc:
            self._drop_body()
            self._fail(str(exc))
            return True
        return False

    def _next(self) -> int | None:
        """Where to fetch now (None: every byte is here), waiting while a test holds that offset."""
        with self.stream.cond:
            while True:
                if self._stopping():
                    raise _Stop()
                at = self.stream.plan()
                if at is None or not self.stream.held(at):
                    return at
                self._drop_body()  # no answer is left half read while held
                self.stream.cond.wait()

    def _fetch_block(self, at: int) -> None:
        body = self._body_at(at)
        end = min((at // BLOCK + 1) * BLOCK, body.end)
        position = at
        while position < end:
            if self._stopping():
                raise _Stop()
            data = body.read(min(CHUNK, end - position))
            self.stream.put(position, data)
            position += len(data)
            self._arrived(len(data))
            with self.stream.cond:
                if self.stream.plan() != position:  # a reader wants another range now
                    return

    def _body_at(self, at: int) -> Body:
        if self._body is not None and self._body.position == at:
            return self._body
        self._drop_body()
        client = self.engine.client
        if client is None:
            raise Offline("You're signed out, so nothing can be downloaded.")
        with self.stream.cond:
            size = self.stream.size
            end = self.stream.sparse.ranges.missing_until(at, size) if size is not None else None
        self._body = Body.open(client, self.sha256, at, end)
        with self.stream.cond:
            if self._body.size != self.stream.size:
                self.stream.sparse.set_size(self._body.size)
                self.stream.cond.notify_all()
        if self._failures:
            self._failures = 0
            self.engine.went_online()  # we reached the server: say so before the feed does
        return self._body

    def _drop_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    # -- reporting -----------------------------------------------------------------------------------
    def _arrived(self, n: int) -> None:
        present, size = self.stream.present(), self.stream.size or 0
        if present - self._reported >= BLOCK or present == size:
            self._reported = present
            self.engine.emit(TransferProgress(self.sha256, "down", present, size))
        self._unsaved += n
        if self._unsaved >= SAVE_EVERY:
            self._save()

    def _save(self) -> None:
        self._unsaved = 0
        with self.stream.cond:
            if self.stream.state != "open":
                return
            self.stream.sparse.save()
            present = self.stream.sparse.ranges.total()
        self.engine.db.blobs.set_state(self.sha256, "partial", bytes_have=present)

    def _pause(self, error: str) -> None:
        """Wait the engine's backoff (woken early when the network is back), then try again."""
        self._failures += 1
        self.engine.emit(TransferFinished(self.sha256, "down", error=error))
        delay = self.engine.backoff.delay(self._failures)
        with self.stream.cond:
            if not self._stopping():
                self.stream.cond.wait(delay)

    def _fail(self, sentence: str) -> None:
        self.stream.end("failed", sentence)
        if not self.engine.downloads.stopping:
            self.engine.emit(TransferFinished(self.sha256, "down", error=sentence))

    def _stopped(self) -> None:
        engine = self.engine
        if engine.downloads.stopping:
            return  # the engine stops: its database may already be closed
        cancelled = engine.downloads.is_cancelled(self.sha256)
        if cancelled:
            self.stream.end("failed", "The download was cancelled.")
        engine.emit(TransferFinished(self.sha256, "down", error="Cancelled.", cancelled=True))

    # -- the end -------------------------------------------------------------------------------------
    def _file(self) -> bool:
        """Every byte is here: verify and file it as the cached blob (True), or start over (False)."""
        engine, stream = self.engine, self.stream
        with stream.cond:
            if self._stopping():
                raise _Stop()
            stream.sparse.save()
        try:
            engine.cache.complete_download(self.sha256, stream.sparse.path)
        except CorruptDownload as exc:
            self._verifications += 1
            with stream.cond:
                if self._verifications >= MAX_VERIFICATIONS:
                    stream.sparse.discard()
                else:
                    stream.sparse.reset()
                    stream.cursor = 0
            if self._verifications >= MAX_VERIFICATIONS:
                self._fail(KEPT_ARRIVING_DAMAGED)
                return True
            engine.emit(TransferFinished(self.sha256, "down", error=str(exc)))
            return False
        with stream.cond:
            stream.sparse.filed()
            stream.end("complete")
        engine.emit(TransferFinished(self.sha256, "down"))
        engine.emit(BlobReady(self.sha256))
        engine.cache.evict()  # keep within the cache limit, as any download does
        return True
