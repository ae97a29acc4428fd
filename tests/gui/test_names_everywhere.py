"""One display rule for people: alice reads "alice" on every screen that names her (desktop/core/names.py)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.core.names import display_name
from desktop.ui.conversations.model import Roles as ListRoles
from desktop.ui.dialogs.settings import SettingsDialog
from desktop.ui.search.delegate import SearchHitDelegate
from desktop.ui.search.dialog import SearchDialog
from desktop.ui.timeline.model import Roles as TimelineRoles
from tests.gui.conftest import AppUser, wait_until_open


def test_alice_is_named_the_same_on_every_screen(alice: AppUser, bob: AppUser, qtbot: QtBot) -> None:
    name = display_name("alice")
    cid = bob.engine.create_conversation("", ["alice"])
    wait_until_open(qtbot, bob, cid)
    wait_until_open(qtbot, alice, cid)
    alice.view.send("otters at the pier", [], False)
    qtbot.waitUntil(lambda: len(bob.rows()) == 1, timeout=15_000)

    listed = bob.window.conversations.model().index(0, 0).data(ListRoles.TITLE)
    sender = bob.model.data(bob.model.index(0, 0), TimelineRoles.SENDER)
    search = SearchDialog(bob.bridge)
    qtbot.addWidget(search)
    search.query.setText("otters")
    search.search_now()
    qtbot.waitUntil(lambda: search.model.rowCount() == 1, timeout=5_000)
    settings = SettingsDialog(alice.bridge)
    qtbot.addWidget(settings)

    assert listed == bob.view.title.text() == sender == name  # bob's chat list, header, bubble
    assert SearchHitDelegate.heading(search.model.index(0, 0)) == (name, "")  # once, not "alice · alice"
    assert settings.username.text() == name
    assert alice.window.windowTitle() == f"{name} — Envelope"
    assert alice.window.connection.label.text().startswith(f"{name} · ")
