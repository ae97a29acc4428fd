"""Search: words and file names found across conversations, hostile queries harmless, choosing a hit."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.ui.bridge import EngineBridge
from desktop.ui.search.dialog import SearchDialog
from desktop.ui.search.model import Roles, snippet_html
from tests.gui.conftest import SAMPLES, AppUser, wait_until_open

HOSTILE = ['"', '""', "*", "-", "- -", "(", ")", "(((", 'a" OR "b', "NEAR(a b)", "col:x", "^", "'; DROP TABLE",
           "AND", "NOT", "\x00", "é*", "a -b", "{a}", "[x]", "\\", "%_", "🙂", " " * 5]


@dataclass
class Setup:
    alice: EngineBridge
    trip: str
    work: str
    ids: dict[str, int]


@pytest.fixture
def setup(alice: AppUser) -> Setup:
    """Alice alone (no need to wait for delivery: her sends are searchable at once, offline too)."""
    engine = alice.engine
    trip = engine.create_conversation("Trip to the coast", [])
    work = engine.create_conversation("Work", [])
    ids = {
        "ferry": engine.send(trip, "The ferry leaves at dawn, bring the <b>tickets</b>").id,
        "pdf": engine.send(work, "", [SAMPLES / "files/chelsea.pdf"]).id,
        "lunch": engine.send(work, "Lunch at noon?").id,
    }
    return Setup(alice.bridge, trip, work, ids)


def open_search(qtbot: QtBot, bridge: EngineBridge) -> SearchDialog:
    dialog = SearchDialog(bridge)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def search(qtbot: QtBot, dialog: SearchDialog, text: str, *, at_once: bool = False) -> list[int]:
    dialog.query.setText(text)
    if at_once:  # as Enter would, without the typing pause
        dialog.search_now()
    generation = dialog._generation - (1 if at_once else 0)
    qtbot.waitUntil(lambda: not dialog.timer.isActive() and dialog._shown > generation, timeout=5_000)
    return [dialog.model.index(r).data(Roles.MESSAGE_ID) for r in range(dialog.model.rowCount())]


def test_finds_a_word_and_an_attachment_name(setup: Setup, qtbot: QtBot) -> None:
    dialog = open_search(qtbot, setup.alice)
    assert search(qtbot, dialog, "ferry") == [setup.ids["ferry"]]
    hit = dialog.model.index(0)
    assert hit.data(Roles.TITLE) == "Trip to the coast"
    assert "<b>ferry</b>" in hit.data(Roles.SNIPPET_HTML)
    assert "&lt;b&gt;tickets&lt;/b&gt;" in hit.data(Roles.SNIPPET_HTML)  # the body's own markup is text

    assert search(qtbot, dialog, "chelsea") == [setup.ids["pdf"]]
    assert dialog.model.index(0).data(Roles.TITLE) == "Work"
    assert search(qtbot, dialog, "lun") == [setup.ids["lunch"]]  # the last word is a prefix
    assert search(qtbot, dialog, "zeppelin") == []
    assert "Nothing matches" in dialog.status.text()


def test_hostile_queries_do_not_raise(setup: Setup, qtbot: QtBot) -> None:
    dialog = open_search(qtbot, setup.alice)
    errors: list[str] = []
    setup.alice.error.connect(errors.append)
    for text in HOSTILE:
        search(qtbot, dialog, text, at_once=True)
        assert dialog.status.text()  # a sentence, whatever happened
    assert errors == []
    assert search(qtbot, dialog, '"ferry"') == [setup.ids["ferry"]]
    assert search(qtbot, dialog, "(lunch)") == [setup.ids["lunch"]]


def test_enter_and_double_click_choose_a_hit(setup: Setup, qtbot: QtBot) -> None:
    dialog = open_search(qtbot, setup.alice)
    dialog.query.setText("lunch")
    with qtbot.waitSignal(dialog.message_chosen, timeout=5_000) as chosen:
        qtbot.keyClick(dialog.query, Qt.Key.Key_Return)  # before the debounce: searches, then opens
    assert chosen.args == [setup.ids["lunch"], setup.work]
    assert not dialog.isVisible()

    dialog = open_search(qtbot, setup.alice)
    search(qtbot, dialog, "a")  # "at", "attached"…: several hits
    assert dialog.model.rowCount() >= 2
    qtbot.keyClick(dialog.query, Qt.Key.Key_Down)
    second = dialog.results.currentIndex()
    assert second.row() == 1
    rect = dialog.results.visualRect(second)
    with qtbot.waitSignal(dialog.message_chosen) as chosen:
        qtbot.mouseClick(dialog.results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(dialog.results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert chosen.args == [second.data(Roles.MESSAGE_ID), second.data(Roles.CONVERSATION_ID)]


def test_snippet_html_escapes_then_marks() -> None:
    assert snippet_html("a <i>\x02x\x03</i> & b") == "a &lt;i&gt;<b>x</b>&lt;/i&gt; &amp; b"


def test_every_screen_names_an_untitled_conversation_the_same_way(alice: AppUser, bob: AppUser,
                                                                  qtbot: QtBot) -> None:
    """The chat list, the open conversation's header, a search hit and the gallery agree."""
    from desktop.ui.conversations.model import Roles as ListRoles
    from desktop.ui.gallery.gallery import GalleryDialog

    cid = alice.engine.create_conversation("", ["bob"])
    alice.engine.send(cid, "untitled hello", [])
    list_model = alice.window.conversations.model()
    qtbot.waitUntil(lambda: list_model.rowCount() == 1)
    listed = list_model.index(0, 0).data(ListRoles.TITLE)
    wait_until_open(qtbot, alice, cid)
    dialog = SearchDialog(alice.bridge)
    qtbot.addWidget(dialog)
    dialog.query.setText("untitled")
    dialog.search_now()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
    gallery = GalleryDialog(alice.bridge, cid)
    qtbot.addWidget(gallery)
    assert listed == "bob"
    assert alice.view.title.text() == listed
    assert dialog.model.index(0, 0).data(Roles.TITLE) == listed
    assert gallery.windowTitle().startswith(f"{listed} — ")
