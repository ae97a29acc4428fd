"""The outbox worker: uploads each pending message's blobs (tus, resumable), then posts the message.

It runs in lanes (``desktop.core.lanes``): posts, small uploads, and a few large uploads at once, so
a text never waits behind a video and one conversation's uploads never starve another's.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

from desktop.core.db.outbox import Lane
from desktop.core.db.records import Message, OutboxItem
from desktop.core.events import MessageUpdated, TransferFinished, TransferProgress, TransfersChanged
from desktop.core.lanes import LARGE_THREADS, SMALL_BYTES, SMALL_THREADS, Fair
from desktop.core.worker import Worker
from sync.client import ApiError, Cancelled, CertificateError, Offline
from sync.protocol import Attachment as WireAttachment
from sync.protocol import MessageCreate

if TYPE_CHECKING:
    from desktop.core.engine import Engine

log = logging.getLogger(__name__)
LEASE_MS = 10 * 60 * 1000
MAX_REUPLOADS = 3  # a post that still names missing blobs after this many re-uploads fails
PAUSED = "Paused."


class OutboxWorker(Worker):
    """Runs due outbox steps by lane; posts keep each conversation's order, except that a message
    still uploading something large does not hold back the ones written after it."""

    name = "envelope-outbox"
    lanes = ("posts",) + ("small",) * SMALL_THREADS + ("large",) * LARGE_THREADS

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self._fair: Fair[OutboxItem] = Fair(lambda i: i.conversation_id, lambda i: i.rank)
        self._running: set[str] = set()
        self._sent: dict[str, int] = {}  # bytes of each running upload handed to the server so far

    def running(self, sha256: str) -> bool:
        with self._lock:
            return sha256 in self._running

    def step_in(self, lane: str) -> float | None:
        engine = self.engine
        if engine.client is None:
            return None
        item = engine.db.outbox.next_due(lease_ms=LEASE_MS, lane=cast(Lane, lane), large_bytes=SMALL_BYTES,
                                         choose=self._fair.choose)
        if item is None:
            wake = engine.db.outbox.next_wakeup()
            if wake is None:
                return None
            return max(0.05, min(60.0, (wake - engine.db.clock()) / 1000))
        if item.blob is not None:
            with self._lock:
                self._running.add(item.blob)
            engine.emit(TransfersChanged())
        try:
            self._run_step(item)
        finally:
            if item.blob is not None:
                with self._lock:
                    self._running.discard(item.blob)
                    self._sent.pop(item.blob, None)
                engine.emit(TransfersChanged())
            self.kick()  # a finished upload may free its message's post, in the posts lane
        return 0

    def _run_step(self, item: OutboxItem) -> None:
        engine = self.engine
        try:
            if item.kind == "upload":
                self._upload(item)
            else:
                self._post(item)
        except Offline as exc:
            engine.went_offline(str(exc))
            self._retry_later(item, str(exc))
        except CertificateError as exc:  # nothing was sent; the message waits until the server is trusted
            engine.certificate_refused(exc)
            self._retry_later(item, str(exc))
        except Cancelled:
            if self.stopping:
                return  # the app is quitting: the step resumes at the next start
            if engine.db.outbox.get(item.id).paused:
                self._pause(item)
            else:
                self._give_up(item, "Cancelled.", cancelled=True)
        except ApiError as exc:
            if exc.status == 401:
                engine.signed_out()
                self._retry_later(item, exc.message)
            elif exc.is_retryable or exc.status == 409:
                self._retry_later(item, exc.message)
            else:
                self._give_up(item, exc.message)

    # -- steps -------------------------------------------------------------------------------------
    def _upload(self, item: OutboxItem) -> None:
        engine, client = self.engine, self.engine.client
        assert client is not None and item.blob is not None
        sha = item.blob
        if sha in client.readable([sha]):  # already there (forwarded, re-sent): zero bytes move
            engine.db.outbox.complete(item.id)
            engine.emit(TransferFinished(sha, "up"))
            return
        path = engine.cache.store.path_for(sha)
        size = path.stat().st_size
        url, offset = item.upload_url, 0
        if url:
            try:
                offset = client.upload_offset(url)
            except ApiError as exc:
                if exc.status not in (404, 410):
                    raise
                url = None  # expired or finished elsewhere: start again
        if not url:
            message = engine.db.messages.get(item.message_id)
            name = next((a.name for a in message.attachments if a.blob == sha), "") if message else ""
            url = client.create_upload(size, sha, filename=name)
            offset = 0
        engine.db.outbox.update_upload(item.id, offset=offset, upload_url=url)
        engine.emit(TransferProgress(sha, "up", offset, size))
        client.upload(
            url,
            path,
            offset=offset,
            progress=lambda done, total: self._progress(sha, done, total),
            on_offset=lambda o: engine.db.outbox.update_upload(item.id, offset=o),
            cancelled=lambda: self.is_cancelled(sha),
        )
        engine.db.outbox.complete(item.id)
        engine.went_online()
        engine.emit(TransferFinished(sha, "up"))

    def _post(self, item: OutboxItem) -> None:
        engine, client = self.engine, self.engine.client
        assert client is not None
        message = engine.db.messages.get(item.message_id)
        if message is None:
            engine.db.outbox.complete(item.id)
            return
        if engine.db.outbox.waits_for_earlier(item, large_bytes=SMALL_BYTES):
            # an earlier message of this conversation is still on its way: keep the order
            engine.db.outbox.reschedule(item.id, error="waiting for an earlier message",
                                        next_attempt_at=engine.db.clock() + 200)
            return
        try:
            sent = client.post_message(
                message.conversation_id,
                MessageCreate(
                    client_id=message.client_id,
                    body=message.body,
                    attachments=[WireAttachment.model_validate(a.to_wire()) for a in message.attachments],
                ),
            )
        except ApiError as exc:
            if exc.code == "blob_not_uploaded" and item.attempts < MAX_REUPLOADS and self._reupload(item, message):
                return
            raise
        updated = engine.db.messages.mark_sent(message.client_id, server_id=sent.id, seq=sent.seq)
        engine.db.outbox.complete(item.id)
        engine.went_online()
        engine.emit(MessageUpdated(updated.id, updated.conversation_id))
        engine.conversations_changed()

    def _reupload(self, item: OutboxItem, message: Message) -> bool:
        """Queue uploads of the message's blobs the server cannot give back (say, it lost an
        upload in a crash) and that are still here; False when there are none."""
        engine, client = self.engine, self.engine.client
        assert client is not None
        shas = sorted({sha for a in message.attachments for sha in (a.blob, a.thumbnail) if sha})
        missing = [sha for sha in shas if sha not in client.readable(shas) and engine.cache.path(sha) is not None]
        if not missing:
            return False
        log.info("message %s: the server lacks %d blob(s); uploading them again", item.client_id, len(missing))
        engine.db.outbox.requeue_uploads(item.id, missing, error="uploading again what the server lacks")
        return True

    # -- the transfers panel's controls ---------------------------------------------------------------
    def pause(self, sha256: str) -> None:
        """Hold a blob's upload where it is (the offset is kept) until ``resume``; its message waits."""
        if self.engine.db.outbox.set_paused(sha256, True) and self.running(sha256):
            self.cancel(sha256)  # the running PATCH stops; the step sees it paused, not cancelled
        self.engine.emit(TransfersChanged())

    def resume(self, sha256: str) -> None:
        self.uncancel(sha256)
        self.engine.db.outbox.set_paused(sha256, False)
        self.engine.emit(TransfersChanged())
        self.kick()

    def to_front(self, sha256: str) -> None:
        self.uncancel(sha256)
        self.engine.db.outbox.to_front(sha256)
        self.engine.emit(TransfersChanged())
        self.kick()

    def cancel_upload(self, sha256: str) -> None:
        """Stop a blob's upload: a running one at once, a queued or paused one now; its message
        shows as failed, with Retry."""
        self.cancel(sha256)  # a running one stops at once; one not queued yet stops when it starts
        if self.running(sha256):
            return
        for item in self.engine.db.outbox.set_paused(sha256, False):
            if item.kind == "upload" and self.engine.db.messages.get(item.message_id) is not None:
                self._give_up(item, "Cancelled.", cancelled=True)
        self.engine.emit(TransfersChanged())

    def _progress(self, sha256: str, done: int, total: int) -> None:
        self._sent[sha256] = done
        self.engine.emit(TransferProgress(sha256, "up", done, total))

    def _pause(self, item: OutboxItem) -> None:
        assert item.blob is not None
        self.uncancel(item.blob)
        if item.blob in self._sent:  # the list shows how far it got, after a restart too (resuming asks the server)
            self.engine.db.outbox.update_upload(item.id, offset=self._sent[item.blob])
        self.engine.emit(TransferFinished(item.blob, "up", error=PAUSED, cancelled=True))

    # -- failure -----------------------------------------------------------------------------------
    def _retry_later(self, item: OutboxItem, error: str) -> None:
        delay = self.engine.backoff.delay(item.attempts)
        self.engine.db.outbox.reschedule(
            item.id, error=error, next_attempt_at=self.engine.db.clock() + int(delay * 1000)
        )
        if item.kind == "upload" and item.blob:
            self.engine.emit(TransferFinished(item.blob, "up", error=error))

    def _give_up(self, item: OutboxItem, error: str, *, cancelled: bool = False) -> None:
        """The server refused (or the user cancelled): the message shows as failed, with retry."""
        engine = self.engine
        engine.db.outbox.reschedule(item.id, error=error, next_attempt_at=engine.db.clock())
        message = engine.db.messages.get(item.message_id)
        if message is not None:
            engine.db.messages.mark_failed(message.client_id, error)
            engine.emit(MessageUpdated(message.id, message.conversation_id))
        if item.blob:
            self.uncancel(item.blob)
            engine.emit(TransferFinished(item.blob, "up", error=error, cancelled=cancelled))
        log.info("message %s failed: %s", item.client_id, error)
