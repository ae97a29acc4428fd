"""Opening a profile: the server it remembers (item 6) and a built-in server that outlives any one app (item 7)."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from pytestqt.qtbot import QtBot

from desktop.core.profile import BUILT_IN, LEGACY_BUILT_IN_MARKER, SERVER_FILE, Profile
from desktop.ui.startup.launcher import Session, open_session
from sync.server.built_in import LOCK_FILE, ensure_running, running
from tests.gui.conftest import PASSWORD, ServerHandle

WAIT_MS = 20_000


def _stop_server_process(folder: Path) -> None:
    """Terminate the built-in server a test started in ``folder`` (by the pid in its lock file)."""
    with contextlib.suppress(OSError, ValueError):
        pid = int((folder / LOCK_FILE).read_text().strip())
        process = psutil.Process(pid)
        if "sync.server.built_in" in " ".join(process.cmdline()) and str(folder) in " ".join(process.cmdline()):
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture
def built_in(tmp_path: Path) -> Iterator[Path]:
    """The built-in server's folder for this test; its process is stopped at the end."""
    folder = tmp_path / "built-in"
    yield folder
    _stop_server_process(folder)


@pytest.fixture
def sessions() -> Iterator[list[Session]]:
    opened: list[Session] = []
    yield opened
    for session in opened:
        if not session.bridge.closed:
            session.stop()


def _open(sessions: list[Session], data_dir: Path, server: str | None, built_in: Path) -> Session:
    session = open_session(data_dir, server, server_dir=built_in, long_poll_s=1)
    sessions.append(session)
    return session


def _wait_online(qtbot: QtBot, session: Session) -> None:
    qtbot.waitUntil(lambda: session.engine.state == "online", timeout=WAIT_MS)


# -- item 6: the profile remembers its server ------------------------------------------------------------
def test_a_profile_keeps_the_server_it_was_given_and_goes_back_when_told(
        server: ServerHandle, built_in: Path, tmp_path: Path, sessions: list[Session], qtbot: QtBot) -> None:
    alice = tmp_path / "alice"
    first = _open(sessions, alice, None, built_in)
    assert first.built_in and not first.signed_in
    first.engine.sign_up(first.server_url, "alice", PASSWORD)
    first.stop()

    moved = _open(sessions, alice, server.url, built_in)  # --server URL: from now on, that server
    assert not moved.built_in and moved.server_url == server.url
    assert not moved.signed_in, "the built-in server's token must not go to another server"
    moved.engine.sign_up(server.url, "alice", PASSWORD)
    moved.stop()

    again = _open(sessions, alice, None, built_in)  # no --server: the remembered one, not offline for good
    assert again.server_url == server.url and not again.built_in and again.signed_in
    _wait_online(qtbot, again)
    again.stop()

    back = _open(sessions, alice, BUILT_IN, built_in)  # --server built-in: back, and remembered
    assert back.built_in and not back.signed_in
    back.engine.sign_in(back.server_url, "alice", PASSWORD)
    back.stop()
    last = _open(sessions, alice, None, built_in)
    assert last.built_in and last.signed_in and Profile(alice).server == BUILT_IN
    _wait_online(qtbot, last)


def test_a_profile_the_old_server_flag_left_on_the_built_in_address_comes_back(
        built_in: Path, tmp_path: Path, sessions: list[Session], qtbot: QtBot) -> None:
    alice = tmp_path / "alice"
    first = _open(sessions, alice, None, built_in)
    first.engine.sign_up(first.server_url, "alice", PASSWORD)
    first.stop()
    for left_behind in (SERVER_FILE, LEGACY_BUILT_IN_MARKER):  # what an earlier --server run dropped
        (alice / left_behind).unlink(missing_ok=True)

    again = _open(sessions, alice, None, built_in)
    assert again.built_in and again.signed_in
    _wait_online(qtbot, again)


def test_a_server_chosen_in_the_sign_in_dialog_becomes_the_profiles(
        server: ServerHandle, built_in: Path, tmp_path: Path, sessions: list[Session]) -> None:
    session = _open(sessions, tmp_path / "carol", None, built_in)
    session.engine.sign_up(server.url, "carol", PASSWORD)  # "Use another server…" in the dialog
    session.remember_account_server()
    assert session.server_url == server.url and not session.built_in and session.watch is None
    session.stop()
    again = _open(sessions, tmp_path / "carol", None, built_in)
    assert again.server_url == server.url and again.signed_in


# -- item 7: the built-in server outlives any one app ----------------------------------------------------
def _messages(session: Session, cid: str) -> list[tuple[str, str, str]]:
    return [(m.sender, m.body, m.state) for m in session.engine.db.messages.page(cid)]


def test_when_alice_quits_bob_keeps_sending_and_receiving(
        built_in: Path, tmp_path: Path, sessions: list[Session], qtbot: QtBot) -> None:
    alice = _open(sessions, tmp_path / "alice", None, built_in)
    bob = _open(sessions, tmp_path / "bob", None, built_in)
    alice.engine.sign_up(alice.server_url, "alice", PASSWORD)
    bob.engine.sign_up(bob.server_url, "bob", PASSWORD)
    cid = alice.engine.create_conversation("Flat", ["bob"])
    _wait_online(qtbot, bob)

    alice.stop()  # alice's app quits: the app that started the server
    bob.engine.send(cid, "still there?")
    qtbot.waitUntil(lambda: ("bob", "still there?", "sent") in _messages(bob, cid), timeout=WAIT_MS)

    alice = _open(sessions, tmp_path / "alice", None, built_in)
    qtbot.waitUntil(lambda: ("bob", "still there?", "sent") in _messages(alice, cid), timeout=WAIT_MS)
    alice.engine.send(cid, "back again")
    qtbot.waitUntil(lambda: ("alice", "back again", "sent") in _messages(bob, cid), timeout=WAIT_MS)


def test_an_app_starts_the_built_in_server_again_on_the_same_port_when_it_is_gone(
        built_in: Path, tmp_path: Path, sessions: list[Session], qtbot: QtBot) -> None:
    bob = _open(sessions, tmp_path / "bob", None, built_in)
    bob.engine.sign_up(bob.server_url, "bob", PASSWORD)
    cid = bob.engine.create_conversation("Notes", [])
    _wait_online(qtbot, bob)
    assert bob.server is not None and bob.watch is not None
    gone = psutil.Process(bob.server.pid)

    with qtbot.waitSignal(bob.watch.status, timeout=WAIT_MS) as told:
        os.kill(gone.pid, signal.SIGKILL)  # as if it crashed
        gone.wait(timeout=30)
    assert "started it again" in told.args[0]
    back = running(built_in)
    assert back is not None and back.url == bob.server_url and back.pid != gone.pid
    bob.engine.send(cid, "after the restart")
    qtbot.waitUntil(lambda: ("bob", "after the restart", "sent") in _messages(bob, cid), timeout=WAIT_MS)


def test_the_first_app_starts_the_built_in_server_and_the_next_one_uses_it(
        built_in: Path, tmp_path: Path, sessions: list[Session]) -> None:
    alice = _open(sessions, tmp_path / "alice", None, built_in)
    bob = _open(sessions, tmp_path / "bob", None, built_in)
    assert alice.server is not None and alice.server.started and "started its built-in server" in alice.greeting
    assert bob.server is not None and not bob.server.started and bob.server_url == alice.server_url
    assert "already running" in bob.greeting


def test_the_built_in_server_stops_by_itself_once_no_app_uses_it(built_in: Path) -> None:
    first = ensure_running(built_in, idle_exit_s=1)
    assert first.started
    psutil.Process(first.pid).wait(timeout=30)  # nobody asked it anything for a second
    assert running(built_in) is None
    again = ensure_running(built_in)  # the next app starts it again: same port, same data
    assert again.started and again.url == first.url and again.pid != first.pid
