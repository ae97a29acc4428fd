"""The feed puller: long-polls /v1/sync with the stored cursor and files each page in one transaction."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from desktop.core.db.records import Upserted
from desktop.core.events import MessageAdded, MessageUpdated
from desktop.core.worker import Worker
from sync.client import ApiError, Offline
from sync.protocol import SyncPage

if TYPE_CHECKING:
    from desktop.core.engine import Engine

log = logging.getLogger(__name__)
LONG_POLL_S = 25.0


class Puller(Worker):
    name = "envelope-pull"

    def __init__(self, engine: Engine, *, long_poll_s: float = LONG_POLL_S) -> None:
        super().__init__()
        self.engine = engine
        self.long_poll_s = long_poll_s
        self._failures = 0
        self._caught_up = False
        self._filing = threading.Lock()

    def stop(self, timeout: float = 1.0) -> None:
        """Stop without waiting out a long-poll in flight: its answer is dropped, never filed.

        A page being filed is finished first, so the database can close right after this.
        """
        self._stopping.set()
        self._wake.set()
        with self._filing:
            pass
        super().stop(timeout)

    def step(self) -> float | None:
        engine = self.engine
        client = engine.client
        if client is None:
            return None
        try:
            page = client.sync(engine.db.cursor(), wait=self.long_poll_s if self._caught_up else 0)
        except Offline as exc:
            if self.stopping:
                return None
            engine.went_offline(str(exc))
            self._failures += 1
            self._caught_up = False
            return engine.backoff.delay(self._failures)
        except ApiError as exc:
            if exc.status == 401:
                engine.signed_out()
                return None
            self._failures += 1
            return engine.backoff.delay(self._failures)
        self._failures = 0
        with self._filing:
            if self.stopping:
                return None
            if not self._caught_up and not page.events:
                engine.went_online()
            self.file_page(page)
        self._caught_up = not page.has_more
        if self._caught_up:
            engine.went_online()
        else:
            engine.syncing()
        return 0

    def file_page(self, page: SyncPage) -> None:
        """Store a page's events and its cursor atomically, then tell the listener and queue thumbnails."""
        engine = self.engine
        db = engine.db
        upserted: list[Upserted] = []
        conversations_changed = False
        with db.batch():
            for event in page.events:
                if event.type == "conversation" and event.conversation is not None:
                    db.conversations.upsert(event.conversation)
                    conversations_changed = True
                elif event.type == "conversation_removed":
                    db.conversations.remove(event.conversation_id)
                    conversations_changed = True
            messages = [e.message for e in page.events if e.type == "message" and e.message is not None]
            if messages:
                upserted = db.messages.upsert_remote_many(messages)
            db.set_cursor(page.cursor)
        for u in upserted:
            if u.change == "inserted":
                engine.emit(MessageAdded(u.message.id, u.message.conversation_id))
            elif u.change == "updated":
                engine.emit(MessageUpdated(u.message.id, u.message.conversation_id))
        if upserted or conversations_changed:
            engine.conversations_changed()
        for u in upserted:
            if u.change == "inserted":
                engine.downloads.want_message(u.message)
