"""The feed puller: long-polls /v1/sync with the stored cursor and files each page in one transaction.

Each event of a page is parsed and filed on its own (a savepoint). One the client cannot file is
kept aside raw in ``db.quarantine`` and logged; the rest of the page and the cursor commit, so a
single event, however hostile, never blocks the feed.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import TYPE_CHECKING, Any

from desktop.core.db.records import Upserted
from desktop.core.events import MessageAdded, MessageUpdated
from desktop.core.worker import Worker
from sync.client import ApiError, CertificateError, Offline
from sync.protocol import Model, SyncEvent

if TYPE_CHECKING:
    from desktop.core.engine import Engine

log = logging.getLogger(__name__)
LONG_POLL_S = 25.0

UNFILEABLE: tuple[type[Exception], ...] = (
    ValueError,  # pydantic's ValidationError, a bad timestamp, a lone surrogate SQLite can't encode
    OverflowError,  # an integer outside SQLite's 64 bits
    sqlite3.IntegrityError,  # a constraint or CHECK the event breaks
    sqlite3.DataError,  # a string or blob too big for SQLite
    KeyError,  # a field missing, or a record the event names that is not here
    TypeError,  # a field of the wrong shape
)
"""What filing one event raises because of that event's data: it would fail the same way on every
retry, so the event is quarantined. Anything else — DatabaseUnavailable (disk full, I/O error,
read-only, locked), a closed database — is the machine's state, not the event's: it rolls the
whole page back and the same page is asked for again later. KeyError and TypeError can also be our
bug on an event shaped in a way we did not foresee; kept raw, such an event can be filed again
by a fixed version, which beats a feed stopped for good."""


class FeedPage(Model):
    """A /v1/sync page whose events are still raw JSON: each is parsed when it is filed."""

    events: list[Any]
    cursor: str
    has_more: bool


class Puller(Worker):
    name = "envelope-pull"

    def __init__(self, engine: Engine, *, long_poll_s: float = LONG_POLL_S) -> None:
        super().__init__()
        self.engine = engine
        self.long_poll_s = long_poll_s
        self._failures = 0
        self._caught_up = False
        self._filing = threading.Lock()

    def stop(self, timeout: float = 0.0) -> None:
        """Stop without waiting out a long-poll in flight: its answer is dropped, never filed.

        A page being filed is finished first, so the database can close right after this. The thread
        (a daemon) is not waited for by default (quitting the app must not wait on the network); one
        still in a long-poll ends when its answer comes (or the connection drops), files nothing and
        reads nothing more.
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
            page = FeedPage.model_validate(
                client.sync_json(engine.db.cursor(), wait=self.long_poll_s if self._caught_up else 0))
        except Offline as exc:
            if self.stopping:
                return None
            engine.went_offline(str(exc))
            self._failures += 1
            self._caught_up = False
            return engine.backoff.delay(self._failures)
        except CertificateError as exc:  # not offline: refused, and said so, until the certificate is right
            engine.certificate_refused(exc)
            self._failures += 1
            self._caught_up = False
            return engine.backoff.delay(self._failures)
        except ApiError as exc:
            if exc.status == 401:
                engine.signed_out()
                return None
            self._failures += 1
            return engine.backoff.delay(self._failures)
        except ValueError as exc:  # not JSON, or no cursor: nothing to file and nowhere to move on to
            log.warning("the server sent a sync page that is not one: %s", exc)
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

    def file_page(self, page: FeedPage) -> None:
        """Store a page's events and its cursor in one transaction, then tell the listener and queue thumbnails.

        An event that raises one of UNFILEABLE is rolled back alone and quarantined. Any other error
        rolls the whole page back and propagates (DatabaseUnavailable when the disk is full).
        """
        engine = self.engine
        db = engine.db
        upserted: list[Upserted] = []
        accepted: list[str] = []  # requests accepted (on another computer): their media comes now
        conversations_changed = False
        with db.batch():
            after = db.cursor()
            for position, raw in enumerate(page.events):
                try:
                    with db.savepoint():
                        filed = self._file_event(raw)
                except UNFILEABLE as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    db.quarantine.add(raw, error=error, after_cursor=after, page_cursor=page.cursor,
                                      position=position)
                    log.warning("feed event %d after cursor %s quarantined: %s", position, after, error)
                    continue
                if isinstance(filed, Upserted):
                    upserted.append(filed)
                else:
                    conversations_changed = True
                    if filed is not None:
                        accepted.append(filed)
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
        for conversation_id in accepted:
            engine.fetch_media(conversation_id)

    def _file_event(self, raw: Any) -> Upserted | str | None:
        """Parse and store one event: the message it upserted; for a conversation change the id of a
        request it accepted, else None."""
        db = self.engine.db
        event = SyncEvent.model_validate(raw)
        if event.type == "message":
            if event.message is None:
                raise ValueError("a message event without its message")
            return db.messages.upsert_remote(event.message)
        if event.type == "conversation":
            if event.conversation is None:
                raise ValueError("a conversation event without its conversation")
            before = db.conversations.get(event.conversation.id)
            after = db.conversations.upsert(event.conversation)
            if before is not None and before.is_request and not after.is_request:
                return after.id
        else:
            db.conversations.remove(event.conversation_id)
        return None
