"""Transfers-panel fixtures: alice's engine reaches the server through a slow link, and her panel.

``slow`` -> Slow
    The ``chat`` of tests/gui/conftest.py with alice's engine moved onto a slow link (a TCP proxy at a
    few MB a second: ``tests/integration/slow_link.py``), so her large uploads run long enough to be
    seen, paused and reordered; ``slow.fast()`` lifts the limit. ``slow.panel`` is her transfers
    window, opened with Ctrl+J; ``slow.send(name, size)`` sends a generated file of ``size`` bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.core.transfers import Transfer
from desktop.ui.transfers.panel import TransfersPanel
from desktop.ui.transfers.row import TransferRow
from tests.gui.conftest import AppUser, Chat, ServerHandle
from tests.integration.slow_link import SlowLink, slow_link
from tests.integration.test_lanes import big_file

MB = 1024 * 1024
SLOW = MB  # bytes a second on each of alice's connections: a large upload lasts a while
WAIT_MS = 30_000
T = TypeVar("T")


@dataclass
class Slow:
    alice: AppUser
    bob: AppUser
    cid: str
    link: SlowLink
    files: Path

    @property
    def panel(self) -> TransfersPanel:
        panel = self.alice.window.transfers_button.panel
        assert panel is not None, "the panel was not opened"
        return panel

    def fast(self) -> None:
        self.link.bytes_per_s = 1 << 40

    def send(self, qtbot: QtBot, name: str, size: int, body: str = "") -> str:
        """alice sends a generated file (a message of its own), as the composer would; returns its blob."""
        path = big_file(self.files / name, size) if name else None
        message = changed(qtbot, self.alice, lambda: self.alice.engine.send(self.cid, body, [path] if path else []))
        return message.attachments[0].blob if path else ""

    def transfer(self, sha: str) -> Transfer | None:
        return next((t for t in self.alice.engine.transfers.current() if t.sha256 == sha), None)

    def state(self, sha: str) -> str:
        """Where alice's upload of ``sha`` stands as the engine says it ("" once off the list)."""
        t = self.transfer(sha)
        return t.state if t is not None else ""

    def row(self, sha: str) -> TransferRow:
        return self.panel.rows[(sha, "up")]

    def order(self) -> list[str]:
        """The blobs of the panel's rows, top to bottom."""
        return [sha for sha, _direction in self.panel.shown()]


def changed(qtbot: QtBot, user: AppUser, change: Callable[[], T]) -> T:
    """Run an engine call that writes its database the way the app does (``bridge.run``, off the GUI
    thread) and wait for its result."""
    results: list[T] = []
    errors: list[str] = []
    user.bridge.run(change, results.append, errors.append)
    qtbot.waitUntil(lambda: bool(results or errors), timeout=WAIT_MS)
    assert not errors, errors
    return results[0]


def open_panel(qtbot: QtBot, user: AppUser) -> TransfersPanel:
    """Ctrl+J in the main window, as a person would."""
    with qtbot.waitActive(user.window):
        user.window.activateWindow()
    qtbot.keyClick(user.window.focusWidget() or user.window, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    panel = user.window.transfers_button.panel
    assert panel is not None
    qtbot.waitExposed(panel)
    return panel


@pytest.fixture
def slow(chat: Chat, server: ServerHandle, qtbot: QtBot, tmp_path: Path) -> Iterator[Slow]:
    files = tmp_path / "files"
    files.mkdir()
    with slow_link(server.port, bytes_per_s=SLOW) as link:
        changed(qtbot, chat.alice, lambda: chat.alice.engine.use_server(link.url))
        open_panel(qtbot, chat.alice)
        yield Slow(chat.alice, chat.bob, chat.cid, link, files)
        link.bytes_per_s = 1 << 40  # what still runs ends quickly at teardown
