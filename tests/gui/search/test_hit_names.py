"""A search hit names its conversation and its sender once, by the one naming rule."""

from __future__ import annotations

from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from desktop.ui.search.delegate import SearchHitDelegate
from desktop.ui.search.dialog import SearchDialog
from tests.gui.conftest import AppUser, distinct_colours


def hit_headings(qtbot: QtBot, user: AppUser, query: str, count: int) -> list[tuple[str, str]]:
    dialog = SearchDialog(user.bridge)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.query.setText(query)
    dialog.search_now()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == count, timeout=5_000)
    image = QImage(dialog.results.viewport().size(), QImage.Format.Format_ARGB32)
    dialog.results.viewport().render(image)  # the rows paint without error
    assert distinct_colours(image) > 2
    return [SearchHitDelegate.heading(dialog.model.index(r, 0)) for r in range(count)]


def test_a_one_to_one_hit_does_not_say_the_name_twice(alice: AppUser, bob: AppUser, qtbot: QtBot) -> None:
    cid = alice.engine.create_conversation("", ["bob"])
    qtbot.waitUntil(lambda: bob.engine.db.conversations.get(cid) is not None, timeout=10_000)
    alice.engine.send(cid, "heron by the lake", [])
    qtbot.waitUntil(lambda: len(bob.engine.db.messages.page(cid)) == 1
                    and bob.engine.db.messages.page(cid)[0].state == "sent", timeout=10_000)
    bob.engine.send(cid, "a heron? lovely", [])
    # bob's chat with alice is called "alice": her message reads "alice", not "alice · alice"
    assert sorted(hit_headings(qtbot, bob, "heron", 2)) == [("alice", ""), ("alice", "bob")]


def test_a_group_hit_names_the_sender(alice: AppUser, qtbot: QtBot) -> None:
    cid = alice.engine.create_conversation("Photo club", [])
    alice.engine.send(cid, "framing it this weekend", [])
    assert hit_headings(qtbot, alice, "framing", 1) == [("Photo club", "alice")]
