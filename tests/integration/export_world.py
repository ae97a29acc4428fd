"""For the export tests: alice and bob share a conversation on a real server; bob copies its media out."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.core.db.records import Attachment, Message
from desktop.core.engine import Engine
from tests.integration.conftest import wait_for
from tests.integration.test_engine import Servers

PASSWORD = "password123"


@dataclass
class Pair:
    servers: Servers
    alice: Engine
    bob: Engine
    cid: str
    tmp_path: Path

    def send(self, body: str = "", *files: Path) -> Message:
        """alice sends; returns bob's copy once it (and any image he fetches at once) has arrived."""
        sent = self.alice.send(self.cid, body, list(files))
        wait_for(lambda: self.alice.db.messages.get(sent.id).state == "sent", what="alice's message sent")  # type: ignore[union-attr]
        wait_for(lambda: any(m.client_id == sent.client_id for m in self.bob.db.messages.page(self.cid, limit=20)),
                 what="bob to get the message")
        message = next(m for m in self.bob.db.messages.page(self.cid, limit=20) if m.client_id == sent.client_id)
        for a in message.attachments:
            if a.kind == "image":
                wait_for(lambda a=a: self.bob.media_path(a.blob) is not None, what=f"bob to fetch {a.name}")
        return message

    def renamed(self, source: Path, name: str) -> Path:
        """A copy of ``source`` called ``name`` (in a folder of its own, so names may repeat)."""
        folder = self.tmp_path / "renamed" / hashlib.sha256(f"{source}{name}".encode()).hexdigest()[:8]
        folder.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy(source, folder / name))

    def attachments(self) -> list[Attachment]:
        """Every attachment bob has, newest first."""
        return [a for m in self.bob.db.messages.page(self.cid, limit=1000) for a in m.attachments]


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    servers = Servers(tmp_path / "server")
    servers.start()
    alice = Engine(tmp_path / "alice", long_poll_s=1).start()
    bob = Engine(tmp_path / "bob", long_poll_s=1).start()
    try:
        alice.sign_up(servers.url, "alice", PASSWORD)
        bob.sign_up(servers.url, "bob", PASSWORD)
        cid = alice.create_conversation("Weekend trip", ["bob"])
        wait_for(lambda: bob.db.conversations.get(cid), what="bob to see the conversation")
        bob.accept_request(cid)
        yield Pair(servers, alice, bob, cid, tmp_path)
    finally:
        alice.stop()
        bob.stop()
        servers.stop()

