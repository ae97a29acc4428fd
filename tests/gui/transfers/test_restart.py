"""The transfers panel after a restart: what was paused is still paused where it stopped, the queue is still
there and goes on by itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.ui.transfers.words import amount
from tests.gui.conftest import AppUser
from tests.gui.conversations.test_unread import restart as restarted
from tests.gui.transfers.conftest import MB, WAIT_MS, Slow, open_panel


@pytest.fixture
def restart(qtbot: QtBot) -> Iterator[Callable[[AppUser], AppUser]]:
    """Quit a user's app (window, bridge, engine) and start it again on the same data dir; closed at the end."""
    started: list[AppUser] = []

    def again(user: AppUser) -> AppUser:
        started.append(restarted(qtbot, user))
        return started[-1]

    yield again
    for user in started:
        user.window.close()
        user.bridge.stop()
        user.window.deleteLater()


def test_a_paused_upload_and_the_queue_survive_a_restart(
        slow: Slow, qtbot: QtBot, restart: Callable[[AppUser], AppUser]) -> None:
    held = slow.send(qtbot, "interview.m4a", 20 * MB)
    qtbot.waitUntil(lambda: (held, "up") in slow.panel.rows and slow.row(held).bar.value() > 0, timeout=WAIT_MS)
    qtbot.mouseClick(slow.row(held).buttons["pause"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not slow.alice.engine.outbox.running(held)
                    and slow.state(held) == "paused", timeout=WAIT_MS)
    others = [slow.send(qtbot, f"scan-{i}.pdf", 9 * MB + i) for i in range(3)]
    qtbot.waitUntil(lambda: [slow.state(s) for s in others] == ["running", "running", "queued"], timeout=WAIT_MS)
    paused = slow.transfer(held)
    assert paused is not None and paused.done > 0

    alice = restart(slow.alice)
    panel = open_panel(qtbot, alice)
    row = panel.rows[(held, "up")]
    qtbot.waitUntil(lambda: row.status.text() == f"Paused · {amount(paused, paused.done)}", timeout=WAIT_MS)
    assert row.buttons["pause"].text() == "Resume" and alice.window.transfers_button.count == 3
    assert [sha for sha, _ in panel.shown()][-1] == held  # running and queued ones above it
    qtbot.waitUntil(lambda: {s for s in others if (s, "up") in panel.rows
                             and panel.rows[(s, "up")].status.text().endswith(" left")} == set(others[:2]),
                    timeout=WAIT_MS)  # the two that ran go on by themselves, the third still waits
    assert panel.rows[(others[2], "up")].status.text() == "Queued"

    slow.fast()
    qtbot.mouseClick(row.buttons["pause"], Qt.MouseButton.LeftButton)  # Resume
    qtbot.waitUntil(lambda: panel.rows == {}, timeout=WAIT_MS)
    assert panel.empty.isVisible() and alice.window.transfers_button.count == 0
