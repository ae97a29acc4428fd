"""Every upload and download in one list, and the controls of the transfers panel (no Qt).

The queues themselves are the outbox (``db.outbox``) and the download queue (``db.downloads``);
this reads them together with what is running now and how far each got. Thumbnails are left out:
they are small, quick and not something a person manages.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from desktop.core.db.records import Attachment
from desktop.core.downloads import WANTED
from desktop.core.events import Direction, EngineEvent, TransferFinished, TransferProgress

if TYPE_CHECKING:
    from desktop.core.engine import Engine

State = Literal["running", "waiting", "queued", "paused", "failed"]
_ORDER: dict[State, int] = {"running": 0, "waiting": 1, "queued": 2, "paused": 3, "failed": 4}


@dataclass(frozen=True)
class Transfer:
    """One row of the panel. ``waiting``: it failed for now and tries again by itself (``error``
    says why); ``failed``: it stopped for good until Retry (a refused or cancelled upload)."""

    sha256: str
    direction: Direction
    name: str
    kind: str
    size: int | None
    done: int
    state: State
    error: str | None = None
    message_id: int | None = None
    conversation_id: str | None = None


class Transfers:
    """Reached as ``Engine.transfers``; thread-safe. Controls act on a blob in one direction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._done: dict[tuple[str, Direction], int] = {}
        self._lock = threading.Lock()
        engine.add_listener(self._on_event)

    def _on_event(self, event: EngineEvent) -> None:
        if isinstance(event, TransferProgress):
            with self._lock:
                self._done[(event.sha256, event.direction)] = event.done
        elif isinstance(event, TransferFinished) and not event.error:
            with self._lock:
                self._done.pop((event.sha256, event.direction), None)

    def _progress(self, sha: str, direction: Direction, fallback: int) -> int:
        with self._lock:
            return self._done.get((sha, direction), fallback)

    # -- the list ------------------------------------------------------------------------------------
    def current(self) -> list[Transfer]:
        """Running first, then waiting, queued (in the order they will run), paused, failed."""
        rows = self._uploads() + self._downloads()
        return sorted(rows, key=lambda t: _ORDER[t.state])  # stable: queue order within a state

    def _uploads(self) -> list[Transfer]:
        db, outbox = self.engine.db, self.engine.outbox
        now = db.clock()
        rows: list[Transfer] = []
        for item in db.outbox.uploads():
            message = db.messages.get(item.message_id)
            attachment = _attachment(message.attachments if message else (), item.blob)
            if message is None or attachment is None or item.blob is None:
                continue  # a thumbnail's upload, or a message being discarded
            state: State
            error = item.last_error
            if message.state == "failed":
                state, error = "failed", message.error
            elif item.paused:
                state = "paused"
            elif outbox.running(item.blob):
                state = "running"
            elif item.last_error and item.next_attempt_at > now:
                state = "waiting"
            else:
                state = "queued"
            rows.append(Transfer(item.blob, "up", attachment.name, attachment.kind, attachment.size,
                                 self._progress(item.blob, "up", item.upload_offset), state,
                                 error if state in ("waiting", "failed") else None,
                                 message.id, message.conversation_id))
        return rows

    def _downloads(self) -> list[Transfer]:
        engine = self.engine
        downloads = engine.downloads
        queued = {row.sha256: row for row in engine.db.downloads.all()}
        shas = list(queued) + [sha for sha in list(downloads.errors) if sha not in queued]
        rows: list[Transfer] = []
        for sha in shas:
            attachment = engine.db.messages.attachment_of_blob(sha)
            if attachment is None:
                continue  # a thumbnail
            row = queued.get(sha)
            error = downloads.errors.get(sha)
            state: State
            if row is None:
                state = "failed"
            elif row.paused:
                state = "paused"
            elif downloads.running(sha):
                state = "running"
            elif error:
                state = "waiting"
            else:
                state = "queued"
            done = self._progress(sha, "down", engine.cache.partial_size(sha))
            rows.append(Transfer(sha, "down", attachment.name, attachment.kind, attachment.size, done, state,
                                 error if state in ("waiting", "failed") else None))
        return rows

    # -- controls: each returns at once; the engine's commands thread does it, then TransfersChanged --
    def pause(self, sha256: str, direction: Direction) -> None:
        worker = self.engine.outbox if direction == "up" else self.engine.downloads
        self.engine.later(lambda: worker.pause(sha256))

    def resume(self, sha256: str, direction: Direction) -> None:
        worker = self.engine.outbox if direction == "up" else self.engine.downloads
        self.engine.later(lambda: worker.resume(sha256))

    def to_front(self, sha256: str, direction: Direction) -> None:
        """Run it next in its lane (a paused one resumes)."""
        worker = self.engine.outbox if direction == "up" else self.engine.downloads
        self.engine.later(lambda: worker.to_front(sha256))

    def cancel(self, sha256: str, direction: Direction) -> None:
        """Stop it; an upload's message shows as failed (Retry or Discard), a download's bytes so far stay."""
        if direction == "up":
            self.engine.outbox.cancel(sha256)  # a running one stops now
            self.engine.later(lambda: self.engine.outbox.cancel_upload(sha256))
        else:
            self.engine.later(lambda: self.engine.downloads.cancel(sha256))

    def retry(self, sha256: str, direction: Direction) -> None:
        """Try a failed one again now (an upload: its whole message)."""
        self.engine.later(lambda: self._retry(sha256, direction))

    def _retry(self, sha256: str, direction: Direction) -> None:
        if direction == "down":
            self.engine.downloads.errors.pop(sha256, None)
            self.engine.downloads.request(sha256, priority=WANTED)
            return
        for row in self._uploads():
            if row.sha256 == sha256 and row.state == "failed" and row.message_id is not None:
                message = self.engine.db.messages.get(row.message_id)
                if message is not None:
                    self.engine.retry(message.client_id)


def _attachment(attachments: tuple[Attachment, ...] | list[Attachment], sha: str | None) -> Attachment | None:
    return next((a for a in attachments if a.blob == sha), None)
