"""Messages in the local database: local sends, the sync feed's copies, timelines, gallery, search."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlite_utils import Database

from desktop.core.db.blobs import note_attachment_blobs, release_upload
from desktop.core.db.connection import Connections
from desktop.core.db.message_rows import (
    attachments_for,
    insert_attachments,
    load_messages,
    load_one,
    set_sent,
)
from desktop.core.db.outbox import enqueue_send
from desktop.core.db.received import file_received
from desktop.core.db.records import (
    PENDING_BASE,
    Attachment,
    MediaItem,
    Message,
    SearchHit,
    Upserted,
    Wire,
    attachment_from_row,
    message_from_row,
)
from desktop.core.errors import NotSignedIn, UnknownConversation, UnknownMessage
from sync.protocol import Kind

MAX_SORT_KEY = (1 << 63) - 1
MARK_START, MARK_END = "\x02", "\x03"
"""Around each match in ``SearchHit.snippet``: control characters no sane body contains."""

PAGE_SQL = """SELECT * FROM messages WHERE conversation_id = :conversation_id AND sort_key < :before
              ORDER BY sort_key DESC LIMIT :limit"""
"""The timeline page query (public so a test can check its plan uses the timeline index)."""

_MAX_SEARCH_TERMS = 32
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Messages:
    """Every message row; reached as ``LocalDB.messages``. Writes are one short transaction each."""

    def __init__(self, conns: Connections, clock: Callable[[], int]) -> None:
        self._conns = conns
        self._clock = clock

    # -- sending ---------------------------------------------------------------------------------
    def add_local(self, conversation_id: str, body: str, attachments: Sequence[Attachment] = ()) -> Message:
        """Write a message the user just sent: *pending*, a new uuid4 ``client_id``, and its outbox.

        In the same transaction it queues an ``upload`` for each attached blob (and thumbnail)
        still marked ``pending_upload``, then the ``post``: a crash leaves nothing half-sent.
        Raises NotSignedIn, UnknownConversation.
        """
        now = self._clock()
        with self._conns.write() as db:
            me = _me(db)
            if me is None:
                raise NotSignedIn()
            if not list(db.query("SELECT 1 FROM conversations WHERE id = ?", [conversation_id])):
                raise UnknownConversation(conversation_id)
            message_id = next(db.query("SELECT coalesce(max(id), 0) + 1 AS n FROM messages"))["n"]
            db.execute(
                """INSERT INTO messages (id, client_id, conversation_id, sender, body, sort_key, state,
                       created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)""",
                [message_id, uuid.uuid4().hex, conversation_id, me, body, PENDING_BASE + message_id, now],
            )
            insert_attachments(db, [(message_id, conversation_id, PENDING_BASE + message_id, attachments)])
            note_attachment_blobs(db, attachments, now)
            shas = dict.fromkeys(s for a in attachments for s in (a.blob, a.thumbnail) if s)
            enqueue_send(db, message_id, list(shas), now)
            return load_one(db, "id = ?", [message_id])

    def mark_sent(self, client_id: str, *, server_id: str, seq: int) -> Message:
        """The server accepted our message; raises UnknownMessage.

        It keeps the time it was written here (``created_at``) rather than the server's, which can be
        much later for a message written offline; it sorts by ``seq``, the server's order.
        """
        with self._conns.write() as db:
            row = _own(db, client_id)
            set_sent(db, row["id"], server_id, seq)
            return load_one(db, "id = ?", [row["id"]])

    def mark_failed(self, client_id: str, error: str) -> Message:
        """Sending failed for good (the server refused it); it stays visible with ``error``."""
        return self._set_unsent(client_id, "failed", error)

    def retry(self, client_id: str) -> Message:
        """Make a failed message pending again and its outbox steps due now."""
        with self._conns.write() as db:
            message = self._set_unsent(client_id, "pending", None)
            db.execute("UPDATE outbox SET next_attempt_at = ? WHERE message_id = ?",
                       [self._clock(), message.id])
            return message

    def discard(self, client_id: str) -> None:
        """Delete an unsent message of ours and its outbox; sent ones stay. Raises UnknownMessage."""
        with self._conns.write() as db:
            row = _own(db, client_id)
            if row["state"] == "sent":
                return
            blobs = [r["blob"] for r in db.query(
                "SELECT blob FROM outbox WHERE message_id = ? AND blob IS NOT NULL", [row["id"]])]
            db.execute("DELETE FROM messages WHERE id = ?", [row["id"]])
            for sha in blobs:  # nobody waits to upload them any more: evictable again
                release_upload(db, sha)

    def delete_for_me(self, message_id: int) -> Message | None:
        """Delete a sent or failed message from this profile only; None when there is none (or it is pending).

        The row goes (with its attachments, search entry and outbox); a tombstone keyed by
        (client_id, sender) stays, so the feed never files the message again. A pending message is
        left alone: it may be on its way to the server (cancel it first).
        """
        with self._conns.write() as db:
            rows = list(db.query("SELECT * FROM messages WHERE id = ?", [message_id]))
            if not rows or rows[0]["state"] == "pending":
                return None
            row = rows[0]
            message = load_one(db, "id = ?", [message_id])
            db.execute(
                """INSERT OR REPLACE INTO deleted_messages (client_id, sender, server_id, conversation_id, deleted_at)
                   VALUES (?, ?, ?, ?, ?)""",
                [row["client_id"], row["sender"], row["server_id"], row["conversation_id"], self._clock()],
            )
            blobs = [r["blob"] for r in db.query(
                "SELECT blob FROM outbox WHERE message_id = ? AND blob IS NOT NULL", [message_id])]
            db.execute("DELETE FROM messages WHERE id = ?", [message_id])
            for sha in blobs:
                release_upload(db, sha)
            return message

    def _set_unsent(self, client_id: str, state: str, error: str | None) -> Message:
        with self._conns.write() as db:
            row = _own(db, client_id)
            if row["state"] != "sent":
                db.execute("UPDATE messages SET state = ?, error = ? WHERE id = ?", [state, error, row["id"]])
            return load_one(db, "id = ?", [row["id"]])

    # -- receiving -------------------------------------------------------------------------------
    def upsert_remote(self, message: Wire) -> Upserted | None:
        """Store a ``Message`` from the sync API; idempotent. None when it was deleted here (``delete_for_me``).

        Matched by server id, then by (client_id, sender): our own pending message coming back
        through the feed becomes *sent* instead of a duplicate. Unknown conversations get a
        placeholder row until their conversation event arrives.
        """
        found = self.upsert_remote_many([message])
        return found[0] if found else None

    def upsert_remote_many(self, messages: Iterable[Wire]) -> list[Upserted]:
        """Several server messages in one transaction (a sync or history page), in order; those deleted
        here are skipped. Set-based: see ``desktop.core.db.received``."""
        items = list(messages)
        now = self._clock()
        with self._conns.write() as db:
            return file_received(db, items, now)

    # -- reading ---------------------------------------------------------------------------------
    def get(self, message_id: int) -> Message | None:
        with self._conns.read() as db:
            found = load_messages(db, [message_id])
            return found[0] if found else None

    def by_client_id(self, client_id: str) -> Message | None:
        """Our own message with this ``client_id`` (client ids are unique per sender)."""
        with self._conns.read() as db:
            try:
                return load_one(db, "client_id = ? AND sender = (SELECT username FROM account)", [client_id])
            except UnknownMessage:
                return None

    def pending_before(self, conversation_id: str, message_id: int) -> bool:
        """Whether a message written before ``message_id`` in the conversation is still pending
        (failed ones do not count): posting waits for it so the conversation keeps its order."""
        with self._conns.read() as db:
            return bool(list(db.query(
                "SELECT 1 FROM messages WHERE conversation_id = ? AND sort_key > ? AND sort_key < ?"
                " AND state = 'pending' LIMIT 1",
                [conversation_id, PENDING_BASE, PENDING_BASE + message_id],
            )))

    def page(self, conversation_id: str, *, before: int | None = None, limit: int = 50) -> list[Message]:
        """Up to ``limit`` messages newest first, unsent ones first of all (they sort last).

        ``before`` is the ``sort_key`` of the oldest message already shown (for sent messages that
        is their seq); None starts at the newest.
        """
        with self._conns.read() as db:
            rows = list(db.query(PAGE_SQL, {"conversation_id": conversation_id,
                                            "before": MAX_SORT_KEY if before is None else before,
                                            "limit": limit}))
            attachments = attachments_for(db, [r["id"] for r in rows])
        return [message_from_row(r, attachments.get(r["id"], ())) for r in rows]

    def page_after(self, conversation_id: str, *, after: int, limit: int = 50) -> list[Message]:
        """Up to ``limit`` messages with a ``sort_key`` above ``after``, oldest first (a timeline paging
        towards the newest, after a jump back); unsent ones come last, as they sort."""
        with self._conns.read() as db:
            rows = list(db.query(
                """SELECT * FROM messages WHERE conversation_id = :conversation_id AND sort_key > :after
                   ORDER BY sort_key LIMIT :limit""",
                {"conversation_id": conversation_id, "after": after, "limit": limit}))
            attachments = attachments_for(db, [r["id"] for r in rows])
        return [message_from_row(r, attachments.get(r["id"], ())) for r in rows]

    def oldest_seq(self, conversation_id: str) -> int | None:
        """The smallest server seq of the conversation's messages here (None: none sent yet)."""
        with self._conns.read() as db:
            row = next(db.query("SELECT min(sort_key) AS s FROM messages WHERE conversation_id = ? AND sort_key < ?",
                                [conversation_id, PENDING_BASE]))
        return None if row["s"] is None else int(row["s"])

    def attachment_of_blob(self, sha256: str) -> Attachment | None:
        """The newest attachment with these bytes (its name and type), or None."""
        with self._conns.read() as db:
            rows = list(db.query("SELECT * FROM attachments WHERE blob = ? ORDER BY sort_key DESC LIMIT 1", [sha256]))
        return attachment_from_row(rows[0]) if rows else None

    def attachments_for(self, message_ids: Sequence[int]) -> dict[int, tuple[Attachment, ...]]:
        with self._conns.read() as db:
            return attachments_for(db, message_ids)

    def media(
        self, conversation_id: str, kinds: Iterable[Kind] = ("image", "video"), *,
        after: MediaItem | None = None, limit: int = 200,
    ) -> list[MediaItem]:
        """A conversation's attachments of ``kinds`` for the gallery, newest first; ``after`` pages on."""
        kind_list = list(kinds)
        marks = ",".join(f":k{i}" for i in range(len(kind_list)))
        anchor = (MAX_SORT_KEY, -1) if after is None else (after.sort_key, after.position)
        with self._conns.read() as db:
            rows = list(db.query(
                f"""SELECT a.*, m.sender, m.created_at,
                           coalesce(b.state, 'missing') AS blob_state, t.state AS thumbnail_state
                      FROM attachments a JOIN messages m ON m.id = a.message_id
                      LEFT JOIN blobs b ON b.sha256 = a.blob
                      LEFT JOIN blobs t ON t.sha256 = a.thumbnail
                     WHERE a.conversation_id = :conversation_id AND a.kind IN ({marks})
                       AND a.sort_key <= :sort_key AND (a.sort_key < :sort_key OR a.position > :position)
                     ORDER BY a.sort_key DESC, a.position LIMIT :limit""",
                {"conversation_id": conversation_id, **{f"k{i}": k for i, k in enumerate(kind_list)},
                 "sort_key": anchor[0], "position": anchor[1], "limit": limit},
            ))
        return [
            MediaItem(
                message_id=r["message_id"], position=r["position"], sender=r["sender"],
                created_at=r["created_at"], sort_key=r["sort_key"], attachment=attachment_from_row(r),
                blob_state=r["blob_state"],
                thumbnail_state=None if r["thumbnail"] is None else (r["thumbnail_state"] or "missing"),
            )
            for r in rows
        ]

    def search(self, query: str, limit: int = 50, *, conversation_id: str | None = None) -> list[SearchHit]:
        """Messages whose text or file names hold every word typed (the last one as a prefix).

        Any user input is accepted: FTS5 syntax characters are quoted, never interpreted.
        """
        match = fts_query(query)
        if match is None:
            return []
        with self._conns.read() as db:
            rows = list(db.query(
                """SELECT m.id, m.conversation_id, m.sender, m.created_at, m.sort_key,
                          snippet(message_search, -1, :start, :end, '…', 12) AS snippet
                     FROM message_search JOIN messages m ON m.id = message_search.rowid
                    WHERE message_search MATCH :match
                      AND (:conversation_id IS NULL OR m.conversation_id = :conversation_id)
                    ORDER BY rank, m.sort_key DESC LIMIT :limit""",
                {"start": MARK_START, "end": MARK_END, "match": match,
                 "conversation_id": conversation_id, "limit": limit},
            ))
        return [SearchHit(message_id=r["id"], conversation_id=r["conversation_id"], sender=r["sender"],
                          created_at=r["created_at"], sort_key=r["sort_key"], snippet=r["snippet"])
                for r in rows]


def fts_query(text: str) -> str | None:
    """An FTS5 MATCH expression that ANDs each typed word as a quoted phrase; None if no words."""
    text = _CONTROL.sub(" ", text)  # FTS5 stops reading a query at NUL
    words = [w for w in text.split() if re.search(r"[^\W_]", w)][:_MAX_SEARCH_TERMS]
    if not words:
        return None
    phrases = ['"' + w.replace('"', '""') + '"' for w in words]
    phrases[-1] += "*"
    return " ".join(phrases)


def _own(db: Database, client_id: str) -> dict[str, Any]:
    rows = list(db.query(
        "SELECT * FROM messages WHERE client_id = ? AND sender = (SELECT username FROM account)", [client_id]
    ))
    if not rows:
        raise UnknownMessage(client_id)
    return rows[0]


def _me(db: Database) -> str | None:
    rows = list(db.query("SELECT username FROM account"))
    return rows[0]["username"] if rows else None
