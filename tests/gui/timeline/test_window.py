"""The timeline holds a window of a long conversation: pages come at one end and leave at the other, a jump
moves the window, and through it all the message at the top of the view stays where it is on screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from desktop.core.db.records import Account, Message
from desktop.core.engine import Engine
from desktop.ui.bridge import EngineBridge
from desktop.ui.media.thumbnails import ThumbnailCache
from desktop.ui.timeline.model import FIRST_PAGE, JUMP_CONTEXT, PAGE_SIZE, WINDOW_ROWS, Roles, TimelineModel
from desktop.ui.timeline.view import TimelineView

CID = "long"
COUNT = 2_000
BASE_MS = 1_700_000_000_000


def wire(n: int, body: str = "") -> dict[str, object]:
    """Message n (seq n) from alice or bob; every seventh runs over a few lines (rows differ in height)."""
    text = body or (f"message {n}" + ("\nand a second line\nand a third" if n % 7 == 0 else ""))
    return {"id": f"s{n}", "client_id": f"c{n}", "conversation_id": CID, "sender": "alice" if n % 3 else "bob",
            "body": text, "seq": n, "created_at": BASE_MS + n * 60_000, "attachments": []}


@pytest.fixture
def bridge(tmp_path: Path) -> Iterator[EngineBridge]:
    engine = Engine(tmp_path / "reader")  # not started: only its local database is used
    engine.db.conversations.upsert({"id": CID, "title": "Long", "members": ["alice", "bob"]})
    engine.db.messages.upsert_remote_many([wire(n) for n in range(1, COUNT + 1)])
    bridge = EngineBridge(engine)
    yield bridge
    bridge.stop()


@pytest.fixture
def view(bridge: EngineBridge, qtbot: QtBot) -> TimelineView:
    view = TimelineView(ThumbnailCache(bridge.engine.media_path))
    qtbot.addWidget(view)
    view.resize(700, 600)
    view.show()
    model = TimelineModel(bridge, CID, parent=view)
    view.setModel(model)
    qtbot.waitUntil(lambda: view.at_bottom() and view.visible_rows().stop == model.rowCount())
    return view


def bodies(model: TimelineModel) -> list[str]:
    return [model.message_at(row).body for row in range(model.rowCount())]


def model_of(view: TimelineView) -> TimelineModel:
    model = view.timeline()
    assert model is not None
    return model


def top_of(view: TimelineView) -> tuple[int, int]:
    """The message at the top of the viewport, and where its row's top is."""
    index = view.indexAt(QPoint(5, 5))
    return int(index.data(Roles.MESSAGE_ID)), view.visualRect(index).top()


def seqs(model: TimelineModel) -> list[int | None]:
    return [model.message_at(r).seq for r in range(model.rowCount())]


def test_scrolling_far_up_and_back_keeps_a_window_and_the_top_message_in_place(view: TimelineView,
                                                                               qtbot: QtBot) -> None:
    model, bar = model_of(view), view.verticalScrollBar()
    view.select_row(model.index(model.rowCount() - 1, 0))  # the newest: it leaves the window on the way up
    while model.message_at(0).seq > COUNT - 4 * WINDOW_ROWS:
        while not model.fetching:  # up to where the next older page is asked for
            bar.setValue(bar.value() - 250)
        place = top_of(view)  # (the page comes in later, from the event loop)
        with qtbot.waitSignal(model.history_loaded, timeout=5_000):
            pass
        view.executeDelayedItemsLayout()
        assert top_of(view) == place  # rows came above and went below: nothing moved on screen
        assert model.rowCount() <= WINDOW_ROWS
        assert seqs(model) == list(range(model.message_at(0).seq, model.message_at(0).seq + model.rowCount()))
    assert model.has_newer and not view.at_bottom()
    assert not view.currentIndex().isValid()  # the selected message left with its page

    while model.has_newer:
        while not model.fetching:
            bar.setValue(bar.value() + 250)
        place = top_of(view)
        with qtbot.waitSignal(model.newer_loaded, timeout=5_000):
            pass
        view.executeDelayedItemsLayout()
        assert top_of(view) == place  # rows came below and went above
        assert model.rowCount() <= WINDOW_ROWS
    assert model.message_at(model.rowCount() - 1).seq == COUNT
    bar.setValue(bar.maximum())
    assert view.at_bottom()


def test_a_jump_far_back_moves_the_window_and_the_newest_is_one_step_away(view: TimelineView, bridge: EngineBridge,
                                                                          qtbot: QtBot) -> None:
    model = model_of(view)
    target = bridge.engine.db.messages.page(CID, before=501, limit=1)[0]
    assert view.jump_to(target.id)
    assert view.currentIndex().data(Roles.MESSAGE_ID) == target.id
    assert view.selectionModel().isSelected(view.currentIndex())
    assert seqs(model) == list(range(500 - JUMP_CONTEXT, 500 + JUMP_CONTEXT + 1))
    assert model.has_more and model.has_newer
    assert view.visualRect(view.currentIndex()).intersects(view.viewport().rect())

    arrived: list[Message] = []
    model.message_arrived.connect(lambda message, _own: arrived.append(message))
    late = bridge.engine.db.messages.upsert_remote(wire(COUNT + 1, "are you there?"))
    assert late is not None
    bridge.message_added.emit(late.message.id, CID)
    assert [m.body for m in arrived] == ["are you there?"]  # announced, yet not shown in the middle of May
    newest_before = bridge.engine.db.messages.page(CID, before=late.message.sort_key, limit=1)[0]
    bridge.message_updated.emit(newest_before.id, CID)  # a change to a message below the window is no news
    bridge.message_updated.emit(bridge.engine.db.messages.page(CID, before=2, limit=1)[0].id, CID)  # nor above
    assert [m.body for m in arrived] == ["are you there?"]
    assert seqs(model)[-1] == 500 + JUMP_CONTEXT
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
    assert not view.at_bottom()  # the bottom of the window is not the newest message

    view.scroll_to_newest()
    assert seqs(model) == list(range(COUNT + 2 - FIRST_PAGE, COUNT + 2))
    assert view.at_bottom() and not model.has_newer
    assert view.jump_to(target.id)  # and back again
    assert view.currentIndex().data(Roles.MESSAGE_ID) == target.id


def test_a_jump_to_a_loaded_message_leaves_the_window_as_it_is(view: TimelineView, qtbot: QtBot) -> None:
    model = model_of(view)
    target = model.message_at(10)
    reset: list[bool] = []
    model.modelReset.connect(lambda: reset.append(True))
    assert view.jump_to(target.id)
    assert view.currentIndex().row() == 10 and not reset
    assert seqs(model)[-1] == COUNT and not model.has_newer


def test_live_messages_at_the_bottom_do_not_grow_the_window_without_end(view: TimelineView, bridge: EngineBridge,
                                                                        qtbot: QtBot) -> None:
    model = model_of(view)
    for n in range(COUNT + 1, COUNT + WINDOW_ROWS + 2 * PAGE_SIZE):
        added = bridge.engine.db.messages.upsert_remote(wire(n))
        assert added is not None
        bridge.message_added.emit(added.message.id, CID)
        assert model.rowCount() <= WINDOW_ROWS + PAGE_SIZE
    view.executeDelayedItemsLayout()
    assert view.at_bottom()
    assert seqs(model)[-1] == COUNT + WINDOW_ROWS + 2 * PAGE_SIZE - 1
    assert model.has_more


def test_the_up_arrow_walks_on_through_older_pages(view: TimelineView, qtbot: QtBot) -> None:
    model = model_of(view)
    view.setFocus()
    view.select_row(model.index(model.rowCount() - 1, 0))

    def current_seq() -> int | None:
        return model.message_at(view.currentIndex().row()).seq if view.currentIndex().isValid() else None

    for expected in range(COUNT - 1, COUNT - WINDOW_ROWS - 2 * PAGE_SIZE, -1):
        def moved(expected: int = expected) -> bool:
            if current_seq() != expected:  # (at the top of the window, Up waits for the older page)
                QTest.keyClick(view, Qt.Key.Key_Up)
            return current_seq() == expected

        qtbot.waitUntil(moved, timeout=5_000)
        assert view.visualRect(view.currentIndex()).intersects(view.viewport().rect())
        assert model.rowCount() <= WINDOW_ROWS
    assert model.has_newer


def test_a_selected_message_stays_selected_while_pages_come_and_go(view: TimelineView, qtbot: QtBot) -> None:
    model, bar = model_of(view), view.verticalScrollBar()
    while not model.has_newer:  # up until the window is full and pages push rows out at the bottom
        bar.setValue(bar.value() - 250)
        qtbot.waitUntil(lambda: not model.fetching, timeout=5_000)
    chosen = view.indexAt(QPoint(5, 5))
    view.select_row(chosen)
    chosen_id = chosen.data(Roles.MESSAGE_ID)
    while not model.fetching:
        bar.setValue(bar.value() - 250)
    with qtbot.waitSignal(model.rowsRemoved, timeout=5_000):  # a page came, rows left at the bottom
        pass
    assert view.currentIndex().data(Roles.MESSAGE_ID) == chosen_id
    assert view.selectionModel().isSelected(view.currentIndex())


def test_an_own_message_sent_while_a_page_loads_shows_once(tmp_path: Path, qtbot: QtBot) -> None:
    """Sent while pending: the database has it at its seq before the model hears, and an older page read in
    between brings it too; it must not show twice (it did: the pending row, then the page's)."""
    engine = Engine(tmp_path / "writer")  # not started: the local database alone
    engine.db.set_account(Account("http://127.0.0.1:9", "u1", "alice", "token"))
    engine.db.conversations.upsert({"id": CID, "title": "Short", "members": ["alice", "bob"]})
    bridge = EngineBridge(engine)
    try:
        model = TimelineModel(bridge, CID)
        pending = engine.db.messages.add_local(CID, "the door code is 4711")
        bridge.message_added.emit(pending.id, CID)
        assert bodies(model) == ["the door code is 4711"]
        engine.db.messages.mark_sent(pending.client_id, server_id="s1", seq=1)  # the outbox, on its thread
        model._fetch_page()  # an older page, read before the model heard of the send (what fetchMore runs)
        bridge.message_updated.emit(pending.id, CID)
        assert bodies(model) == ["the door code is 4711"]
    finally:
        bridge.stop()
