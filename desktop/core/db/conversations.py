"""Conversations in the local database: upserts from the sync feed, the list screen, read marks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlite_utils import Database

from desktop.core.db.connection import Connections
from desktop.core.db.message_rows import load_messages
from desktop.core.db.records import (
    PENDING_BASE,
    Conversation,
    ConversationSummary,
    Message,
    Wire,
    as_dict,
    epoch_ms,
)
from desktop.core.errors import UnknownConversation

PREVIEW_CHARS = 200
UNREAD_CAP = 1000


class Conversations:
    """The user's conversations; reached as ``LocalDB.conversations``."""

    def __init__(self, conns: Connections, clock: Callable[[], int]) -> None:
        self._conns = conns
        self._clock = clock

    # -- writes ----------------------------------------------------------------------------------
    def upsert(self, conversation: Wire) -> Conversation:
        """Store a conversation as the server describes it (``{id, title, members, created_at?, state?,
        invited_by?}``; no state means accepted).

        Keeps local state (pinned for offline, read mark); replaces the member list.
        """
        return self.upsert_many([conversation])[0]

    def upsert_many(self, conversations: Iterable[Wire]) -> list[Conversation]:
        items = [as_dict(c) for c in conversations]
        with self._conns.write() as db:
            for c in items:
                created = c.get("created_at")
                updated_at = epoch_ms(created) if created is not None else self._clock()
                state = "request" if c.get("state") == "request" else "accepted"
                db.execute(
                    """INSERT INTO conversations (id, title, updated_at, state, invited_by) VALUES (?, ?, ?, ?, ?)
                       ON CONFLICT (id) DO UPDATE SET title = excluded.title,
                           updated_at = max(updated_at, excluded.updated_at),
                           state = excluded.state, invited_by = excluded.invited_by""",
                    [c["id"], c.get("title") or "", updated_at, state,
                     c.get("invited_by") if state == "request" else None],
                )
                db.execute("DELETE FROM members WHERE conversation_id = ?", [c["id"]])
                db.conn.executemany(
                    "INSERT OR IGNORE INTO members (conversation_id, username) VALUES (?, ?)",
                    [(c["id"], username) for username in c.get("members", [])],
                )
            return [self._get(db, c["id"]) for c in items]

    def remove(self, conversation_id: str) -> bool:
        """Forget a conversation (we left or were removed) with its messages; False if unknown."""
        with self._conns.write() as db:
            return db.execute("DELETE FROM conversations WHERE id = ?", [conversation_id]).rowcount > 0

    def mark_read(self, conversation_id: str, seq: int | None = None) -> int:
        """Mark read up to ``seq`` (default: the newest sent message); never moves back.

        Returns the new read mark; raises UnknownConversation.
        """
        with self._conns.write() as db:
            if seq is None:
                seq = next(db.query(
                    "SELECT coalesce(max(sort_key), 0) AS s FROM messages"
                    " WHERE conversation_id = ? AND sort_key < ?",
                    [conversation_id, PENDING_BASE],
                ))["s"]
            cursor = db.execute(
                "UPDATE conversations SET last_read_seq = max(last_read_seq, ?) WHERE id = ?",
                [seq, conversation_id],
            )
            if cursor.rowcount == 0:
                raise UnknownConversation(conversation_id)
            return self._get(db, conversation_id).last_read_seq

    def set_viewed(self, conversation_id: str) -> None:
        """Note that the conversation is on screen now (``last_viewed`` reopens it); raises UnknownConversation."""
        with self._conns.write() as db:
            cursor = db.execute(  # strictly after the last one viewed, even within one clock tick
                "UPDATE conversations SET viewed_at = max(?, (SELECT max(viewed_at) + 1 FROM conversations))"
                " WHERE id = ?", [self._clock(), conversation_id])
            if cursor.rowcount == 0:
                raise UnknownConversation(conversation_id)

    def set_pinned_offline(self, conversation_id: str, pinned: bool) -> None:
        """Keep (or stop keeping) all of a conversation's media cached; raises UnknownConversation."""
        with self._conns.write() as db:
            cursor = db.execute(
                "UPDATE conversations SET pinned_offline = ? WHERE id = ?", [int(pinned), conversation_id]
            )
            if cursor.rowcount == 0:
                raise UnknownConversation(conversation_id)

    # -- reads -----------------------------------------------------------------------------------
    def get(self, conversation_id: str) -> Conversation | None:
        with self._conns.read() as db:
            try:
                return self._get(db, conversation_id)
            except UnknownConversation:
                return None

    def summaries(self, *, requests: bool = False) -> list[ConversationSummary]:
        """Every accepted conversation (with ``requests``, every request instead) with its last message,
        unread count and time, latest activity first.

        Unread = sent messages after the read mark that the signed-in user did not send, counted
        up to UNREAD_CAP (show "1000+"), so a huge backlog costs no more than a small one.
        """
        with self._conns.read() as db:
            rows = list(db.query(
                """SELECT c.*,
                      (SELECT m.id FROM messages m WHERE m.conversation_id = c.id
                        ORDER BY m.sort_key DESC LIMIT 1) AS last_id,
                      (SELECT count(*) FROM (SELECT 1 FROM messages m WHERE m.conversation_id = c.id
                          AND m.sort_key > c.last_read_seq AND m.sort_key < :pending
                          AND m.sender IS NOT (SELECT username FROM account) LIMIT :cap)) AS unread
                   FROM conversations c WHERE c.state = :state""",
                {"pending": PENDING_BASE, "cap": UNREAD_CAP, "state": "request" if requests else "accepted"},
            ))
            members = _members(db, [r["id"] for r in rows])
            last = {m.id: m for m in load_messages(db, [r["last_id"] for r in rows if r["last_id"]])}
        summaries = []
        for r in rows:
            message = last.get(r["last_id"])
            activity = max(r["updated_at"], message.created_at if message else 0)
            summaries.append(ConversationSummary(
                conversation=_conversation(r, members.get(r["id"], ())),
                last_message=message, unread=r["unread"], last_activity_at=activity,
                preview=preview(message),
            ))
        summaries.sort(key=lambda s: (s.last_activity_at, s.conversation.id), reverse=True)
        return summaries

    def last_viewed(self) -> str | None:
        """The conversation shown most recently (``set_viewed``), or None if none was ever shown."""
        with self._conns.read() as db:
            rows = list(db.query("SELECT id FROM conversations WHERE viewed_at > 0 ORDER BY viewed_at DESC LIMIT 1"))
        return rows[0]["id"] if rows else None

    def only_in_requests(self, sha256: str) -> bool:
        """Whether the blob is attached (as a file or a thumbnail) in requests only: its bytes were
        chosen by someone the user has not accepted, so nothing fetches them."""
        with self._conns.read() as db:
            states = {r["state"] for r in db.query(
                "SELECT DISTINCT c.state FROM attachments a JOIN conversations c ON c.id = a.conversation_id"
                " WHERE a.blob = :sha OR a.thumbnail = :sha", {"sha": sha256})}
        return states == {"request"}

    def request_count(self) -> int:
        """How many conversations wait to be accepted."""
        with self._conns.read() as db:
            return int(next(db.query("SELECT count(*) AS n FROM conversations WHERE state = 'request'"))["n"])

    def pinned_offline(self) -> list[str]:
        with self._conns.read() as db:
            return [r["id"] for r in db.query("SELECT id FROM conversations WHERE pinned_offline = 1")]

    def _get(self, db: Database, conversation_id: str) -> Conversation:
        rows = list(db.query("SELECT * FROM conversations WHERE id = ?", [conversation_id]))
        if not rows:
            raise UnknownConversation(conversation_id)
        return _conversation(rows[0], _members(db, [conversation_id]).get(conversation_id, ()))


def preview(message: Message | None) -> str:
    """One line for the list: the body's first line, else the attachments' names."""
    if message is None:
        return ""
    text = message.body.strip().split("\n", 1)[0] if message.body.strip() else ""
    if not text:
        text = ", ".join(a.name for a in message.attachments)
    return text[:PREVIEW_CHARS]


def _members(db: Database, conversation_ids: list[str]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    marks = ",".join("?" * len(conversation_ids))
    if conversation_ids:
        for r in db.query(
            f"SELECT conversation_id, username FROM members WHERE conversation_id IN ({marks})"
            " ORDER BY conversation_id, username",
            conversation_ids,
        ):
            out.setdefault(r["conversation_id"], []).append(r["username"])
    return {k: tuple(v) for k, v in out.items()}


def _conversation(row: dict[str, Any], members: tuple[str, ...]) -> Conversation:
    return Conversation(
        id=row["id"], title=row["title"], members=members, pinned_offline=bool(row["pinned_offline"]),
        last_read_seq=row["last_read_seq"], updated_at=row["updated_at"], state=row["state"],
        invited_by=row["invited_by"],
    )
