"""The timeline model loads history lazily (one page per request, never twice at once) and jumps far back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.core.db.records import Message
from desktop.core.engine import Engine
from desktop.ui.bridge import EngineBridge
from desktop.ui.media.thumbnails import ThumbnailCache
from desktop.ui.style.theme import day_label, local_datetime
from desktop.ui.timeline.model import FIRST_PAGE, GROUP_GAP_MS, JUMP_CONTEXT, PAGE_SIZE, Roles, TimelineModel
from desktop.ui.timeline.text import TextDocs
from desktop.ui.timeline.view import TimelineView

CID = "big"
COUNT = 20_000
JUMP_TO = 15_000


@pytest.fixture
def bridge(tmp_path: Path) -> Iterator[EngineBridge]:
    engine = Engine(tmp_path / "reader")  # not started: only its local database is used
    engine.db.conversations.upsert({"id": CID, "title": "Big", "members": ["alice", "bob"]})
    base = 1_700_000_000_000
    for start in range(1, COUNT + 1, 5_000):
        engine.db.messages.upsert_remote_many([
            {"id": f"s{n}", "client_id": f"c{n}", "conversation_id": CID, "sender": "alice" if n % 3 else "bob",
             "body": f"message {n}", "seq": n, "created_at": base + n * 60_000, "attachments": []}
            for n in range(start, min(COUNT, start + 4_999) + 1)
        ])
    bridge = EngineBridge(engine)
    yield bridge
    bridge.stop()


def test_history_loads_a_page_at_a_time_and_only_when_asked(bridge: EngineBridge, qtbot: QtBot) -> None:
    model = TimelineModel(bridge, CID)
    assert model.rowCount() == FIRST_PAGE
    assert model.data(model.index(FIRST_PAGE - 1, 0), Roles.BODY) == f"message {COUNT}"
    assert not model.canFetchMore(QModelIndex())  # the view has not asked: Qt's auto-fetch stays idle
    model.history_wanted = True
    assert model.canFetchMore(QModelIndex())
    with qtbot.waitSignal(model.history_loaded, timeout=2_000):
        model.fetchMore(QModelIndex())
        model.fetchMore(QModelIndex())  # a second request while the first is queued: ignored
        assert model.fetching
    QApplication.processEvents()  # whatever else was queued runs: no second page
    assert model.rowCount() == FIRST_PAGE + PAGE_SIZE
    assert model.data(model.index(0, 0), Roles.BODY) == f"message {COUNT - FIRST_PAGE - PAGE_SIZE + 1}"


def test_jump_far_back_then_fling_upwards(bridge: EngineBridge, qtbot: QtBot) -> None:
    # How long a fling step takes is measured by benchmarks/bench_latency.py, not asserted here.
    view = TimelineView(ThumbnailCache(bridge.engine.media_path))
    qtbot.addWidget(view)
    view.resize(700, 600)
    view.show()
    model = TimelineModel(bridge, CID)
    view.setModel(model)
    qtbot.waitUntil(lambda: view.at_bottom() and model.rowCount() >= FIRST_PAGE)
    target = bridge.engine.db.messages.page(CID, before=JUMP_TO + 1, limit=1)[0]
    assert view.jump_to(target.id)
    assert view.currentIndex().data(Roles.BODY) == f"message {JUMP_TO}"
    assert model.rowCount() == 2 * JUMP_CONTEXT + 1  # a page on each side of it, not all that lies between
    assert view.selectionModel().isSelected(view.currentIndex())
    bar = view.verticalScrollBar()
    for value in range(bar.value(), max(0, bar.value() - 20_000), -400):  # fling upwards
        bar.setValue(value)
        view.viewport().repaint()
    oldest = model.message_at(0).seq
    assert oldest is not None and oldest <= JUMP_TO
    with qtbot.waitSignal(model.history_loaded, timeout=10_000):
        bar.setValue(0)  # the top of what is loaded: the next older page comes
    assert model.message_at(0).seq == oldest - PAGE_SIZE
    assert view.currentIndex().data(Roles.BODY) == f"message {JUMP_TO}"  # still on the message jumped to


def expected_flags(model: TimelineModel) -> list[tuple[str, bool]]:
    """Day labels and group starts worked out from scratch, row by row."""
    rows = [model.message_at(r) for r in range(model.rowCount())]
    out = []
    for r, m in enumerate(rows):
        day = local_datetime(m.created_at).date()
        new_day = r == 0 or local_datetime(rows[r - 1].created_at).date() != day
        first = new_day or rows[r - 1].sender != m.sender or m.created_at - rows[r - 1].created_at > GROUP_GAP_MS
        out.append((day_label(day) if new_day else "", first))
    return out


def test_day_breaks_and_groups_follow_pages_and_live_messages(bridge: EngineBridge, qtbot: QtBot) -> None:
    model = TimelineModel(bridge, CID)
    for _ in range(3):
        model.history_wanted = True
        with qtbot.waitSignal(model.history_loaded, timeout=2_000):
            model.fetchMore(QModelIndex())
    newest = model.rowCount() - 1
    stamp = model.stamp(newest)
    last = model.message_at(newest)
    late = bridge.engine.db.messages.upsert_remote({  # the next day, from the same sender
        "id": "late", "client_id": "late", "conversation_id": CID, "sender": last.sender, "body": "morning",
        "seq": COUNT + 1, "created_at": last.created_at + 24 * 3600 * 1000, "attachments": []}).message
    with qtbot.waitSignal(model.message_arrived, timeout=2_000):
        bridge.message_added.emit(late.id, CID)
    got = [(model.data(model.index(r, 0), Roles.DAY_BREAK), model.data(model.index(r, 0), Roles.FIRST_IN_GROUP))
           for r in range(model.rowCount())]
    assert got == expected_flags(model)
    assert got[-1][0] and got[-1][1]  # a new day: a separator, and a new group although the sender is the same
    assert model.stamp(newest) == stamp  # the row above did not change
    assert model.data(model.index(model.rowCount() - 1, 0), Roles.LAYOUT_KEY)[2] == got[-1][0]


def test_plain_text_is_measured_as_its_document_lays_it_out(qtbot: QtBot) -> None:
    font = QFont()
    font.setPointSizeF(11.5)
    docs = TextDocs()
    bodies = ["hi", "message number 12 about the trip", "two\nlines", "gap\n\nbelow", "naïve café 😀 日本語",
              "a long one " * 30, "x" * 200, "links stay on documents https://example.org"]
    for n, body in enumerate(bodies):
        m = Message(id=n, client_id=f"c{n}", server_id=None, conversation_id="c", sender="alice", body=body, seq=n,
                    sort_key=n, state="sent", created_at=0, error=None, attachments=())
        for width in (60, 240, 496):
            box = docs.measure(m, font, width, "#0000ff")
            doc = TextDocs().get(m, font, width, "#0000ff")
            assert box.width == pytest.approx(doc.size().width())
            assert box.height == pytest.approx(doc.size().height())
