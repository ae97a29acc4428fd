"""The engine's connection state: a request still in flight at sign-out never brings 'online' back."""

from __future__ import annotations

from pathlib import Path

from desktop.core.engine import Engine
from tests.integration.conftest import ServerProcess


def test_a_late_answer_after_sign_out_leaves_the_engine_signed_out(server: ServerProcess, tmp_path: Path) -> None:
    engine = Engine(tmp_path / "alice", long_poll_s=1)
    try:
        engine.sign_up(server.url, "alice", "password123")
        engine.went_online()
        engine.sign_out()
        assert engine.state == "signed_out"
        engine.went_online()  # what a long-poll that was under way reports when it returns
        engine.syncing()
        assert engine.state == "signed_out"
        engine.sign_in(server.url, "alice", "password123")
        engine.went_online()
        assert engine.state == "online"
    finally:
        engine.stop()
