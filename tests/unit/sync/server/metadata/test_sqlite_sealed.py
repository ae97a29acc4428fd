"""SQLite only: names and message text never reach the database files in the clear, and a store opened
with another metadata key fails with a clear error instead of answering."""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import closing
from pathlib import Path

import pytest

from sync.server.crypto.sealing import Sealer
from sync.server.metadata import Metadata
from sync.server.metadata.errors import MetadataError, WrongMetadataKey
from sync.server.metadata.uploads import Upload
from tests.unit.sync.server.metadata.backends import random_sealer
from tests.unit.sync.server.metadata.builders import CREATED_AT, events, picture, post, sha, user

T0 = 1_700_000_000.0


def marker(what: str) -> str:
    return f"{what}-{uuid.uuid4().hex}"


def database_bytes(path: Path) -> bytes:
    """The database file, its WAL and its shared-memory index, whichever exist, as raw bytes."""
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists())


def test_no_name_or_text_is_in_the_database_files(tmp_path: Path) -> None:
    path, sealer = tmp_path / "m.sqlite3", random_sealer()
    meta = Metadata(path, sealer=sealer)
    username = marker("username")  # not sealed: shows the bytes read are the store's
    alice, bob = user(meta, username), user(meta, "bob")
    title, body, attached = marker("title"), marker("body"), marker("attached.jpg")
    partial, filed = marker("partial.bin"), marker("filed.bin")
    meta.conversations.create("c1", title, alice.id, [bob.id], created_at=CREATED_AT)
    meta.uploads.create(Upload("u1", alice.id, 10, 0, sha(b"partial"), T0 + 60, {"filename": partial}))
    meta.uploads.create(Upload("u2", alice.id, 10, 10, sha(b"filed"), T0 + 60, {"filename": filed}))
    upload = meta.uploads.get("u2")
    assert upload is not None
    meta.blobs.file_upload(upload, size=10, mime="application/octet-stream", created_at=CREATED_AT)
    photo = picture(attached)
    message = post(meta, "c1", alice, body, attachments=[photo])

    markers = [title, body, attached, partial, filed]
    raw = database_bytes(path)
    assert Path(f"{path}-wal").exists() and username.encode() in raw
    assert [m for m in markers if m.encode() in raw] == []
    meta.close()  # the last connection checkpoints the WAL into the file
    raw = database_bytes(path)
    assert username.encode() in raw
    assert [m for m in markers if m.encode() in raw] == []

    again = Metadata(path, sealer=sealer)
    chat = again.conversations.get("c1")
    assert chat is not None and chat.title == title
    assert again.messages.history("c1", before=None, limit=5) == [message]
    assert [e.message for e in events(again, bob.id) if e.message] == [message]
    assert again.blobs.name_for(bob.id, photo.blob) == attached
    assert again.blobs.name_for(alice.id, sha(b"filed")) == filed
    partial_upload = again.uploads.get("u1")
    assert partial_upload is not None and partial_upload.metadata == {"filename": partial}
    again.close()


def test_another_key_fails_at_open_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    Metadata(path, sealer=random_sealer()).close()
    with pytest.raises(WrongMetadataKey, match="metadata key does not open the metadata database") as caught:
        Metadata(path, sealer=random_sealer())
    assert isinstance(caught.value, MetadataError)


def _body_column(path: Path, value: str | None = None) -> str:
    with closing(sqlite3.connect(path)) as conn, conn:
        if value is not None:
            conn.execute("UPDATE messages SET body = ?", (value,))
        return str(conn.execute("SELECT body FROM messages").fetchone()[0])


def test_a_value_sealed_under_another_key_or_for_another_column_is_a_clear_error(tmp_path: Path) -> None:
    path, sealer = tmp_path / "m.sqlite3", random_sealer()
    meta = Metadata(path, sealer=sealer)
    alice = user(meta, "alice")
    meta.conversations.create("c1", "", alice.id, [], created_at=CREATED_AT)
    post(meta, "c1", alice, "hello")
    stored = _body_column(path)
    assert Sealer.is_sealed(stored) and sealer.open(stored, "messages.body") == "hello"

    for value in (Sealer(b"k" * 32).seal("hello", "messages.body"), sealer.seal("hello", "conversations.title")):
        _body_column(path, value)
        with pytest.raises(WrongMetadataKey, match=r"does not open a messages\.body value"):
            meta.messages.history("c1", before=None, limit=5)
    _body_column(path, stored)
    assert [m.body for m in meta.messages.history("c1", before=None, limit=5)] == ["hello"]
    meta.close()
