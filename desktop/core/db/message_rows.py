"""Reading and writing message rows inside a transaction: what ``Messages`` and the filing of received
messages (``received``) share. Callers hold the connection (``Connections.read``/``write``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlite_utils import Database

from desktop.core.db.records import Attachment, Message, attachment_from_row, message_from_row
from desktop.core.errors import UnknownMessage

IN_CHUNK = 500
"""Values in one ``IN (…)`` list, and rows in one multi-row INSERT (× 15 columns at most: well under
SQLite's 32,766 variables)."""

_ATTACHMENT_ROW = "(" + ", ".join("?" * 15) + ")"


def load_messages(db: Database, message_ids: Sequence[int]) -> list[Message]:
    """Messages by local id (with attachments), in no particular order."""
    rows: list[dict[str, Any]] = []
    for chunk in chunks(message_ids):
        rows += db.query(f"SELECT * FROM messages WHERE id IN ({','.join('?' * len(chunk))})", chunk)
    attachments = attachments_for(db, [r["id"] for r in rows])
    return [message_from_row(r, attachments.get(r["id"], ())) for r in rows]


def load_one(db: Database, where: str, params: list[Any]) -> Message:
    """The message matching ``where``; raises UnknownMessage (naming the first parameter)."""
    rows = list(db.query(f"SELECT * FROM messages WHERE {where}", params))
    if not rows:
        raise UnknownMessage(str(params[0]))
    return message_from_row(rows[0], attachments_for(db, [rows[0]["id"]]).get(rows[0]["id"], ()))


def attachments_for(db: Database, message_ids: Sequence[int]) -> dict[int, tuple[Attachment, ...]]:
    out: dict[int, list[Attachment]] = {}
    for chunk in chunks(message_ids):
        for r in db.query(
            f"SELECT * FROM attachments WHERE message_id IN ({','.join('?' * len(chunk))})"
            " ORDER BY message_id, position",
            chunk,
        ):
            out.setdefault(r["message_id"], []).append(attachment_from_row(r))
    return {k: tuple(v) for k, v in out.items()}


def insert_attachments(db: Database, messages: Iterable[tuple[int, str, int, Sequence[Attachment]]]) -> None:
    """The attachments of messages just inserted, given as (id, conversation_id, sort_key, attachments)."""
    rows = [(message_id, i, conversation_id, sort_key, a.blob, a.size, a.mime, a.name, a.kind, a.width, a.height,
             a.duration_ms, a.thumbnail, a.blurhash, int(a.send_as_file))
            for message_id, conversation_id, sort_key, attachments in messages for i, a in enumerate(attachments)]
    insert_rows(db, """INSERT INTO attachments (message_id, position, conversation_id, sort_key, blob, size, mime,
                           name, kind, width, height, duration_ms, thumbnail, blurhash, send_as_file)
                       VALUES {rows}""", _ATTACHMENT_ROW, rows)


def insert_rows(db: Database, sql: str, row_marks: str, rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` with one multi-row statement per IN_CHUNK of them (``{rows}`` in ``sql`` takes
    the VALUES list). One statement, not one per row: FTS5 writes its index out at the end of every
    statement that touches it (the triggers on messages and attachments do), so a statement per row
    would write a segment per message."""
    for start in range(0, len(rows), IN_CHUNK):
        chunk = rows[start:start + IN_CHUNK]
        db.conn.execute(sql.format(rows=",".join([row_marks] * len(chunk))), [v for row in chunk for v in row])


def set_sent(db: Database, message_id: int, server_id: str, seq: int) -> None:
    db.execute(
        "UPDATE messages SET server_id = ?, seq = ?, sort_key = ?, state = 'sent', error = NULL WHERE id = ?",
        [server_id, seq, seq, message_id],
    )


def chunks(ids: Sequence[Any]) -> Iterable[list[Any]]:
    ids = list(ids)
    for i in range(0, len(ids), IN_CHUNK):
        yield ids[i:i + IN_CHUNK]
