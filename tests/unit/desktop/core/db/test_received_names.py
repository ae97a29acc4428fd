"""File names that arrive through the feed are filed clean: no bidi overrides, controls or paths."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.db.local import LocalDB
from desktop.core.db.records import Account, Attachment
from tests.unit.desktop.core.conftest import FakeClock


@pytest.fixture
def db(tmp_path: Path, clock: FakeClock) -> Iterator[LocalDB]:
    with LocalDB(tmp_path / "envelope.db", clock=clock) as local:
        local.set_account(Account("http://s", "u", "alice", "t"))
        local.conversations.upsert({"id": "c1", "title": "c1", "members": ["alice", "bob"]})
        yield local


@pytest.mark.parametrize(("sent", "filed"), [
    ("evil\u202egpj.exe", "evilgpj.exe"),  # shown as "evilexe.jpg" before
    ("invoice\u2067fdp.\u2069scr", "invoicefdp.scr"),
    ("../../.bashrc", "bashrc"),
    ("line\nbreak.txt", "linebreak.txt"),
])
def test_a_received_attachment_name_is_filed_clean(db: LocalDB, sent: str, filed: str) -> None:
    attachment = Attachment("a" * 64, 10, "application/octet-stream", sent, "file")
    db.messages.upsert_remote({
        "id": "m1", "client_id": "x1", "conversation_id": "c1", "sender": "bob", "body": "",
        "attachments": [attachment.to_wire()], "seq": 1, "created_at": "2024-01-01T00:00:00Z",
    })
    (message,) = db.messages.page("c1")
    assert message.attachments[0].name == filed
    assert [h.message_id for h in db.messages.search(filed.rsplit(".", 1)[0])] == [message.id]
