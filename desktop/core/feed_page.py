"""A /v1/sync page filed into the local database in one transaction, then announced.

Consecutive message events are filed together, set-based (``Messages.upsert_remote_many``); a
conversation event, or a removal, is filed on its own between them, so everything lands in the
order the feed gave it. An event the client cannot file is kept aside raw in ``db.quarantine`` and
logged; the rest of the page and the cursor commit, so a single event, however hostile, never
blocks the feed. When a run of messages holds one that fails in SQLite, the run is rolled back and
filed again one event at a time, each in its own savepoint, to find it.

After the commit the listener hears of each message added or updated, the conversation list once
per page, and the download queue gets the page's new messages at once (thumbnails, media by policy).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter

from desktop.core.db.records import Message, Upserted
from desktop.core.events import MessageAdded, MessageUpdated
from sync.protocol import Message as WireMessage
from sync.protocol import Model, SyncEvent

if TYPE_CHECKING:
    from desktop.core.engine import Engine

log = logging.getLogger(__name__)
_EVENTS = TypeAdapter(list[SyncEvent])

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


@dataclass
class _Filed:
    upserted: list[Upserted] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)  # requests accepted (on another computer): media comes now
    conversations_changed: bool = False


def file_page(engine: Engine, page: FeedPage) -> None:
    """Store a page's events and its cursor in one transaction, then tell the listener and queue downloads.

    Any error but UNFILEABLE rolls the whole page back and propagates (DatabaseUnavailable when the
    disk is full).
    """
    db = engine.db
    filed = _Filed()
    with db.batch():
        filing = _Filing(engine, filed, after=db.cursor(), page_cursor=page.cursor)
        run: list[tuple[int, Any]] = []
        for position, raw in enumerate(page.events):
            if isinstance(raw, dict) and raw.get("type") == "message":
                run.append((position, raw))
                continue
            filing.messages(run)
            run = []
            filing.one(position, raw)
        filing.messages(run)
        db.set_cursor(page.cursor)
    _announce(engine, filed)


def _announce(engine: Engine, filed: _Filed) -> None:
    new: list[Message] = []
    for u in filed.upserted:
        if u.change == "inserted":
            new.append(u.message)
            engine.emit(MessageAdded(u.message.id, u.message.conversation_id))
        elif u.change == "updated":
            engine.emit(MessageUpdated(u.message.id, u.message.conversation_id))
    if filed.upserted or filed.conversations_changed:
        engine.conversations_changed()
    engine.downloads.want_messages(new)
    for conversation_id in filed.accepted:
        engine.fetch_media(conversation_id)


@dataclass
class _Filing:
    """The events of one page being filed inside its transaction."""

    engine: Engine
    filed: _Filed
    after: str | None
    page_cursor: str

    def messages(self, run: list[tuple[int, Any]]) -> None:
        """A run of message events, set-based; one at a time when a row of it fails in SQLite."""
        if not run:
            return
        db = self.engine.db
        try:
            with db.savepoint():
                messages, unreadable = _parse(run)
                upserted = db.messages.upsert_remote_many(messages)
                for position, raw, error in unreadable:
                    self._quarantine(position, raw, error)
        except UNFILEABLE:
            for position, raw in run:
                self.one(position, raw)
            return
        self.filed.upserted += upserted

    def one(self, position: int, raw: Any) -> None:
        """One event in its own savepoint: filed, or quarantined when it raises one of UNFILEABLE."""
        try:
            with self.engine.db.savepoint():
                outcome = self._file_event(raw)
        except UNFILEABLE as exc:
            self._quarantine(position, raw, exc)
            return
        if isinstance(outcome, Upserted):
            self.filed.upserted.append(outcome)
        elif outcome != "skipped":
            self.filed.conversations_changed = True
            if outcome is not None:
                self.filed.accepted.append(outcome)

    def _quarantine(self, position: int, raw: Any, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"
        self.engine.db.quarantine.add(raw, error=error, after_cursor=self.after, page_cursor=self.page_cursor,
                                      position=position)
        log.warning("feed event %d after cursor %s quarantined: %s", position, self.after, error)

    def _file_event(self, raw: Any) -> Upserted | str | None:
        """Parse and store one event: the message it upserted ("skipped": one deleted here); for a
        conversation change the id of a request it accepted, else None."""
        db = self.engine.db
        event = SyncEvent.model_validate(raw)
        if event.type == "message":
            upserted = db.messages.upsert_remote(_message_of(event))
            return "skipped" if upserted is None else upserted
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


def _parse(run: list[tuple[int, Any]]) -> tuple[list[WireMessage], list[tuple[int, Any, Exception]]]:
    """The messages of a run of message events, and those that are not one with why (position, raw, error).

    The whole run is validated in one call; only when something in it is wrong is each event on its own.
    """
    try:
        return [_message_of(e) for e in _EVENTS.validate_python([raw for _, raw in run])], []
    except UNFILEABLE:
        pass
    messages: list[WireMessage] = []
    unreadable: list[tuple[int, Any, Exception]] = []
    for position, raw in run:
        try:
            messages.append(_message_of(SyncEvent.model_validate(raw)))
        except UNFILEABLE as exc:
            unreadable.append((position, raw, exc))
    return messages, unreadable


def _message_of(event: SyncEvent) -> WireMessage:
    if event.type != "message" or event.message is None:
        raise ValueError("a message event without its message")
    return event.message
