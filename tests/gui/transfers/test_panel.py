"""The transfers panel on real uploads: progress and speed, Pause and Resume from the offset, Move to front,
Cancel and Retry, the badge; alice's uploads cross a slow link to the real server."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.ui.transfers.model import Roles
from desktop.ui.transfers.words import amount
from tests.gui.transfers.conftest import MB, WAIT_MS, Slow


def _sent(slow: Slow, sha: str) -> bool:
    messages = [m for m in slow.alice.rows() if any(a.blob == sha for a in m.attachments)]
    return bool(messages) and messages[0].state == "sent"


def test_a_large_upload_shows_its_progress_pauses_and_resumes_from_where_it_stopped(
        slow: Slow, qtbot: QtBot) -> None:
    alice, button = slow.alice, slow.alice.window.transfers_button
    sha = slow.send(qtbot, "holiday.mov", 40 * MB)
    qtbot.waitUntil(lambda: (sha, "up") in slow.panel.rows, timeout=WAIT_MS)
    row = slow.row(sha)
    qtbot.waitUntil(lambda: "B/s · " in row.status.text() and row.bar.value() > 0, timeout=WAIT_MS)
    assert row.name.text() == "holiday.mov" and row.heading.text() == "↑ Upload · to Weekend trip"
    assert " of 41.9 MB · " in row.status.text() and row.status.text().endswith(" left")
    assert button.count == 1 and button.accessibleDescription() == "1 under way"
    pause = row.buttons["pause"]
    assert (pause.text(), pause.accessibleName()) == ("Pause", "Pause holiday.mov")
    assert "resume" in pause.toolTip()
    assert not row.buttons["retry"].isVisible() and not row.buttons["to_front"].isVisible()

    progress: list[int] = []
    alice.bridge.transfer_progress.connect(lambda s, _d, done, _t: progress.append(done) if s == sha else None)
    with qtbot.waitSignal(alice.bridge.transfer_finished, timeout=WAIT_MS,
                          check_params_cb=lambda s, _d, error, cancelled: s == sha and cancelled):
        qtbot.mouseClick(pause, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: row.status.text().startswith("Paused · "), timeout=WAIT_MS)
    assert (pause.text(), pause.accessibleName()) == ("Resume", "Resume holiday.mov")
    assert row.buttons["to_front"].isVisible() and button.count == 0
    qtbot.waitUntil(lambda: not alice.engine.outbox.running(sha), timeout=WAIT_MS)
    paused = slow.transfer(sha)
    assert paused is not None and paused.state == "paused" and 0 < paused.done < 40 * MB
    shown = f"Paused · {amount(paused, paused.done)}"
    qtbot.waitUntil(lambda: row.status.text() == shown, timeout=WAIT_MS)  # where the upload stopped
    progress[:] = []

    slow.send(qtbot, "", 0, "still there?")  # a round trip on the same link while it is paused
    qtbot.waitUntil(lambda: any(m.body == "still there?" and m.state == "sent" for m in alice.rows()), timeout=WAIT_MS)
    assert progress == [] and row.status.text() == shown  # it stopped moving

    slow.fast()
    qtbot.mouseClick(pause, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _sent(slow, sha), timeout=WAIT_MS)
    assert progress and progress[0] > 0  # the first report is the server's offset: it went on, not from 0
    qtbot.waitUntil(lambda: slow.panel.empty.isVisible(), timeout=WAIT_MS)
    assert slow.panel.rows == {} and button.count == 0
    qtbot.waitUntil(lambda: any(any(a.blob == sha for a in m.attachments) for m in slow.bob.rows()), timeout=WAIT_MS)


def test_move_to_front_puts_a_queued_upload_next(slow: Slow, qtbot: QtBot) -> None:
    first, second, third, fourth = (slow.send(qtbot, f"clip-{i}.mp4", 10 * MB) for i in range(4))
    qtbot.waitUntil(lambda: len(slow.panel.rows) == 4 and slow.state(second) == "running", timeout=WAIT_MS)
    assert slow.order() == [first, second, third, fourth]  # two large uploads at a time; the rest wait in order
    assert slow.alice.window.transfers_button.count == 4
    assert slow.row(third).status.text() == "Queued"
    to_front = slow.row(fourth).buttons["to_front"]
    assert to_front.isVisible() and to_front.accessibleName() == "Move to front clip-3.mp4"

    qtbot.mouseClick(to_front, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: slow.order() == [first, second, fourth, third], timeout=WAIT_MS)
    qtbot.mouseClick(slow.row(first).buttons["pause"], Qt.MouseButton.LeftButton)  # frees a place
    qtbot.waitUntil(lambda: slow.state(fourth) == "running", timeout=WAIT_MS)
    assert slow.state(third) == "queued"
    qtbot.waitUntil(lambda: slow.order()[2:] == [third, first], timeout=WAIT_MS)  # running, queued, paused
    assert set(slow.order()[:2]) == {second, fourth}


def test_cancel_leaves_the_message_not_sent_and_retry_sends_it(slow: Slow, qtbot: QtBot) -> None:
    sha = slow.send(qtbot, "drone.mp4", 24 * MB)
    qtbot.waitUntil(lambda: (sha, "up") in slow.panel.rows and slow.row(sha).bar.value() > 0, timeout=WAIT_MS)
    row = slow.row(sha)
    cancel = row.buttons["cancel"]
    assert "not sent" in cancel.toolTip()
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: row.status.text() == "Cancelled: the message was not sent.", timeout=WAIT_MS)
    message = next(m for m in slow.alice.rows() if any(a.blob == sha for a in m.attachments))
    assert message.state == "failed"
    retry = row.buttons["retry"]
    assert retry.isVisible() and not cancel.isVisible() and not row.buttons["pause"].isVisible()
    assert slow.alice.window.transfers_button.count == 0

    slow.fast()
    qtbot.mouseClick(retry, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _sent(slow, sha), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: any(any(a.blob == sha for a in m.attachments) for m in slow.bob.rows()), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: slow.panel.rows == {}, timeout=WAIT_MS)


def test_the_panel_reads_the_model_in_order_and_speaks_each_row(slow: Slow, qtbot: QtBot) -> None:
    shas = [slow.send(qtbot, f"scan-{i}.pdf", 9 * MB + i) for i in range(3)]
    qtbot.waitUntil(lambda: len(slow.panel.rows) == 3, timeout=WAIT_MS)
    model = slow.alice.window.transfers_button.model
    index = model.index(model.row_of((shas[2], "up")) or 0, 0)
    assert index.data(Roles.STATE) == "queued"
    assert index.data(Qt.ItemDataRole.AccessibleTextRole) == "scan-2.pdf, upload: Queued"
    assert slow.row(shas[2]).accessibleName() == "scan-2.pdf, upload: Queued"
    assert slow.panel.summary.text() == "2 running · 1 queued"


def test_an_upload_that_lost_the_server_says_it_waits_to_retry_and_why(slow: Slow, qtbot: QtBot) -> None:
    sha = slow.send(qtbot, "concert.mp4", 30 * MB)
    qtbot.waitUntil(lambda: slow.state(sha) == "running" and (sha, "up") in slow.panel.rows  # the panel reads
                    and slow.row(sha).bar.value() > 0, timeout=WAIT_MS)  # off the GUI thread: a moment later
    slow.link.close()  # the network goes away mid-upload
    row = slow.row(sha)
    qtbot.waitUntil(lambda: row.status.text().startswith("Waiting to retry: "), timeout=WAIT_MS)
    assert len(row.status.text()) > len("Waiting to retry: ") + 10  # the engine's sentence, not a code
    assert row.buttons["pause"].isVisible() and row.buttons["cancel"].isVisible()
    assert not row.buttons["retry"].isVisible()  # it tries again by itself
    assert slow.alice.window.transfers_button.count == 1
