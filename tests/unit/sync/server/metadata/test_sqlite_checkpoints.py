"""SQLite's WAL is checkpointed by the store's own thread, not inside a commit: what was written reaches the
database file itself (read here from a copy of that file alone, without its WAL)."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from sync.server.metadata import Metadata, checkpoints
from tests.integration.conftest import wait_for
from tests.unit.sync.server.metadata.backends import random_sealer
from tests.unit.sync.server.metadata.builders import user


def users_in_file_alone(db: Path, tmp_path: Path) -> list[str]:
    """The usernames the database file holds without its WAL."""
    alone = tmp_path / "alone" / "copy.sqlite3"
    alone.parent.mkdir(exist_ok=True)
    alone.unlink(missing_ok=True)
    shutil.copyfile(db, alone)
    conn = sqlite3.connect(alone)
    try:
        return [row[0] for row in conn.execute("SELECT username FROM users ORDER BY username")]
    except sqlite3.OperationalError:  # not even the tables are in the file yet
        return []
    finally:
        conn.close()


def test_commits_do_not_checkpoint_and_closing_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkpoints, "AFTER_S", 3600.0)
    db = tmp_path / "m.sqlite3"
    meta = Metadata(db, sealer=random_sealer())
    try:
        for name in ("ann", "ben"):
            user(meta, name)
        assert users_in_file_alone(db, tmp_path) == []  # in the WAL only
    finally:
        meta.close()
    assert users_in_file_alone(db, tmp_path) == ["ann", "ben"]  # closing checkpoints what is pending


def test_enough_commits_make_the_thread_checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkpoints, "EVERY_COMMITS", 5)
    monkeypatch.setattr(checkpoints, "AFTER_S", 3600.0)  # only the count can make it checkpoint
    db = tmp_path / "m.sqlite3"
    meta = Metadata(db, sealer=random_sealer())
    try:
        for n in range(10):
            user(meta, f"user{n}")
        wait_for(lambda: len(users_in_file_alone(db, tmp_path)) >= 4, what="a checkpoint after 5 commits")
    finally:
        meta.close()


def test_a_closed_store_checkpoints_again_when_it_is_used_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkpoints, "AFTER_S", 0.05)
    db = tmp_path / "m.sqlite3"
    meta = Metadata(db, sealer=random_sealer())
    try:
        user(meta, "ann")
        meta.close()
        user(meta, "ben")  # SQLite reconnects after close(); so does the checkpoint thread
        wait_for(lambda: users_in_file_alone(db, tmp_path) == ["ann", "ben"], what="a checkpoint after reuse")
    finally:
        meta.close()


def test_an_idle_store_lets_its_thread_go_and_a_commit_brings_it_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkpoints, "AFTER_S", 0.02)
    monkeypatch.setattr(checkpoints, "IDLE_ROUNDS", 3)
    db = tmp_path / "m.sqlite3"
    meta = Metadata(db, sealer=random_sealer())

    def checkpoint_threads() -> int:
        return sum(t.name == "envelope-checkpoint" and t.is_alive() for t in threading.enumerate())

    try:
        before = checkpoint_threads()  # this store's among them: started by the migrations' commit
        user(meta, "ann")
        wait_for(lambda: users_in_file_alone(db, tmp_path) == ["ann"], what="a checkpoint")
        wait_for(lambda: checkpoint_threads() < before, what="the thread to end")
        user(meta, "ben")
        wait_for(lambda: users_in_file_alone(db, tmp_path) == ["ann", "ben"], what="a checkpoint after idling")
    finally:
        meta.close()
