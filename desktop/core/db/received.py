"""Messages from the server (a feed or history page) filed into the local database, a page at a time.

A page costs a handful of statements whatever its size: the tombstones and the rows already here are
looked up for the whole page at once, the new messages and their attachments go in with multi-row
INSERTs, and what was inserted is returned as it was built, never read back. A message already here
(our own coming back through the feed, or one filed before) takes the per-row path: that is rare, and
its row decides what changes.

The outcome is the same as filing the messages one by one in order: a page is cut into segments in
which no server id or (client_id, sender) comes twice, and the segments are filed in order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlite_utils import Database

from desktop.core.db.blobs import note_attachment_blobs
from desktop.core.db.message_rows import chunks, insert_attachments, insert_rows, load_one, set_sent
from desktop.core.db.records import Attachment, Message, Upserted, Wire, as_dict, epoch_ms
from sync.protocol import Message as WireMessage

Key = tuple[str, str]  # (client_id, sender): unique per sender


def file_received(db: Database, messages: Sequence[Wire], now: int) -> list[Upserted]:
    """File server messages in order inside the caller's write; those deleted here are skipped.

    Raises ValueError, KeyError, TypeError for a message that is not one, OverflowError and
    sqlite3's IntegrityError or DataError for one SQLite cannot store (the caller rolls back).
    """
    next_id = int(db.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM messages").fetchone()[0])
    # Each is built as the row it would be; one that is here already leaves its id unused (a gap).
    incoming = [_as_sent(m, next_id + i) for i, m in enumerate(messages)]
    filed: list[Upserted] = []
    for segment in _segments(incoming):
        filed += _file_segment(db, segment, now)
    return filed


def _as_sent(message: Wire, message_id: int) -> Message:
    """A server message as the sent row it becomes under ``message_id``."""
    if isinstance(message, WireMessage):  # parsed off the feed: its fields as they are, nothing dumped
        return Message(message_id, message.client_id, message.id, message.conversation_id, message.sender,
                       message.body, message.seq, message.seq, "sent", epoch_ms(message.created_at),
                       attachments=tuple(Attachment.from_wire(a) for a in message.attachments)
                       if message.attachments else ())
    d = as_dict(message)
    seq = int(d["seq"])
    return Message(message_id, d["client_id"], d["id"], d["conversation_id"], d["sender"], d.get("body") or "",
                   seq, seq, "sent", epoch_ms(d["created_at"]),
                   attachments=tuple(Attachment.from_wire(a) for a in d.get("attachments") or []))


def _key(m: Message) -> Key:
    return m.client_id, m.sender


def _segments(incoming: list[Message]) -> Iterator[list[Message]]:
    """Runs of messages in which no server id and no (client_id, sender) repeats."""
    segment: list[Message] = []
    server_ids: set[str | None] = set()
    keys: set[Key] = set()
    for m in incoming:
        if m.server_id in server_ids or _key(m) in keys:
            yield segment
            segment, server_ids, keys = [], set(), set()
        segment.append(m)
        server_ids.add(m.server_id)
        keys.add(_key(m))
    if segment:
        yield segment


def _file_segment(db: Database, segment: list[Message], now: int) -> list[Upserted]:
    client_ids = [m.client_id for m in segment]
    deleted = _keys(db, "SELECT client_id, sender FROM deleted_messages WHERE client_id IN ({marks})", client_ids) \
        if db.conn.execute("SELECT EXISTS (SELECT 1 FROM deleted_messages)").fetchone()[0] else set()
    here = _keys(db, "SELECT client_id, sender FROM messages WHERE client_id IN ({marks})", client_ids)
    known = {row[0] for chunk in chunks([m.server_id for m in segment]) for row in db.conn.execute(
        f"SELECT server_id FROM messages WHERE server_id IN ({','.join('?' * len(chunk))})", chunk)}
    new = [m for m in segment if _key(m) not in deleted and _key(m) not in here and m.server_id not in known]
    _insert(db, new, now)
    fresh = {m.id for m in new}
    return [Upserted(m, "inserted") if m.id in fresh else _update(db, m)
            for m in segment if m.id in fresh or _key(m) not in deleted]


def _keys(db: Database, sql: str, client_ids: list[str]) -> set[Key]:
    return {(row[0], row[1]) for chunk in chunks(client_ids)
            for row in db.conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)}


def _insert(db: Database, messages: list[Message], now: int) -> None:
    """New messages, with a placeholder row for a conversation not here yet (its event comes later)."""
    if not messages:
        return
    first_seen: dict[str, int] = {}
    for m in messages:
        first_seen.setdefault(m.conversation_id, m.created_at)
    insert_rows(db, "INSERT OR IGNORE INTO conversations (id, title, updated_at) VALUES {rows}", "(?, '', ?)",
                list(first_seen.items()))
    insert_rows(db, """INSERT INTO messages (id, client_id, server_id, conversation_id, sender, body, seq,
                           sort_key, state, created_at) VALUES {rows}""",
                "(?, ?, ?, ?, ?, ?, ?, ?, 'sent', ?)",
                [(m.id, m.client_id, m.server_id, m.conversation_id, m.sender, m.body, m.seq, m.sort_key,
                  m.created_at) for m in messages])
    insert_attachments(db, [(m.id, m.conversation_id, m.sort_key, m.attachments) for m in messages if m.attachments])
    note_attachment_blobs(db, [a for m in messages for a in m.attachments], now)


def _update(db: Database, m: Message) -> Upserted:
    """A message whose row is here (matched by server id, else by (client_id, sender)): made sent with
    the server's id and seq; a row of ours keeps the time it was written."""
    rows = list(db.query("SELECT id, state, seq, server_id FROM messages WHERE server_id = ?", [m.server_id])) \
        or list(db.query("SELECT id, state, seq, server_id FROM messages WHERE client_id = ? AND sender = ?",
                         [m.client_id, m.sender]))
    row = rows[0]
    if (row["state"], row["seq"], row["server_id"]) == ("sent", m.seq, m.server_id):
        return Upserted(load_one(db, "id = ?", [row["id"]]), "unchanged")
    assert m.server_id is not None and m.seq is not None  # built from a server message
    set_sent(db, row["id"], m.server_id, m.seq)
    return Upserted(load_one(db, "id = ?", [row["id"]]), "updated")
