"""Messages in the metadata store: posted once per client_id, numbered per conversation, paged newest first."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from sync.protocol import Attachment, Message, SyncEvent
from sync.server.metadata.accounts import User
from sync.server.metadata.conversations import member_ids
from sync.server.metadata.engine import Database
from sync.server.metadata.feed import emit
from sync.server.metadata.sealed import ATTACHMENTS, BODY, NAME, Seals
from sync.server.metadata.throttle import Bar, count_in

log = logging.getLogger(__name__)
_COLUMNS = "m.id, m.client_id, m.conversation_id, m.body, m.attachments, m.seq, m.created_at, u.username"
_FROM = "FROM messages m JOIN users u ON u.id = m.sender_id"


def _message(row: Mapping[str, Any], seals: Seals) -> Message:
    attachments = json.loads(seals.open(row["attachments"], ATTACHMENTS))
    return Message(
        id=row["id"], client_id=row["client_id"], conversation_id=row["conversation_id"], sender=row["username"],
        body=seals.open(row["body"], BODY), attachments=[Attachment.model_validate(a) for a in attachments],
        seq=row["seq"], created_at=row["created_at"],
    )


class Messages:
    """Reached as ``Metadata.messages``."""

    def __init__(self, db: Database, seals: Seals) -> None:
        self._db = db
        self._seals = seals

    def by_client_id(self, sender_id: str, client_id: str) -> Message | None:
        row = self._db.one(f"SELECT {_COLUMNS} {_FROM} WHERE m.sender_id = ? AND m.client_id = ?",
                           (sender_id, client_id))
        return _message(row, self._seals) if row else None

    def post(self, message_id: str, conversation_id: str, sender: User, client_id: str, body: str,
             attachments: list[Attachment], *, created_at: str, counted: Bar | None = None) -> tuple[Message, set[str]]:
        """Store a message with the next seq of its conversation and tell the members; whom to wake.

        With ``counted``, its hit is counted in the same transaction first. Raises OverLimit (nothing
        written) past its limit, and Duplicate when the sender used this client_id already (a request
        that raced in).
        """
        seal = self._seals.seal
        with self._db.write() as tx:
            if counted is not None:
                count_in(tx, counted)
            row = tx.one("UPDATE conversations SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq",
                         (conversation_id,))
            assert row is not None, "the caller checked the conversation exists"
            seq = int(row["last_seq"])
            tx.execute(
                "INSERT INTO messages (id, client_id, conversation_id, sender_id, body, attachments, seq, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (message_id, client_id, conversation_id, sender.id, seal(body, BODY),
                 seal(json.dumps([a.model_dump(exclude_none=True) for a in attachments]), ATTACHMENTS), seq,
                 created_at),
            )
            tx.many(
                "INSERT INTO message_blobs (message_id, sha256, conversation_id, name) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                [(message_id, sha, conversation_id, seal(a.name, NAME))
                 for a in attachments for sha in (a.blob, a.thumbnail) if sha],
            )
            message = Message(id=message_id, client_id=client_id, conversation_id=conversation_id,
                              sender=sender.username, body=body, attachments=attachments, seq=seq,
                              created_at=created_at)
            event = SyncEvent(type="message", conversation_id=conversation_id, message=message)
            return message, emit(tx, self._seals, member_ids(tx, conversation_id), event)

    def history(self, conversation_id: str, *, before: int | None, limit: int) -> list[Message]:
        """Messages with seq < ``before`` (all when None), newest first; ones stored before today's
        attachment bounds are left out (logged), never a 500."""
        rows = self._db.all(
            f"SELECT {_COLUMNS} {_FROM} WHERE m.conversation_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?",
            (conversation_id, before if before is not None else 2**62, limit),
        )
        messages = []
        for row in rows:
            try:
                messages.append(_message(row, self._seals))
            except ValidationError:
                log.warning("message %s no longer passes validation; left out of history", row["id"])
        return messages
