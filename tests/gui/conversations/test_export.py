"""Export conversation… in the conversation's More menu: pick a folder, a progress window, "Exported to …"
and Open folder; the export holds the page, messages.json and the photo."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.gui.conftest import SAMPLES, Chat
from tests.gui.gallery.test_bulk_save import answer_folder, opened_by


def test_export_conversation_from_the_more_menu(chat: Chat, qtbot: QtBot, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    send = threading.Thread(target=lambda: chat.alice.engine.send(
        chat.cid, "Look <b>at</b> this", [SAMPLES / "photos/hubble_deep_field.jpg"]))
    send.start()  # as the composer does: off the GUI thread
    send.join()
    qtbot.waitUntil(lambda: len(chat.bob.rows()) == 1, timeout=15_000)
    view = chat.bob.view
    assert view.more_button.menu() is view.header_menu
    assert [a.text() for a in view.header_menu.actions()] == ["Export conversation…"]
    assert view.export_action.isEnabled()
    captions = answer_folder(monkeypatch, tmp_path)

    view.export_action.trigger()

    assert captions == ["Export Weekend trip to a folder"]
    dialog = view.export_dialog
    assert dialog is not None and dialog.windowTitle() == "Export conversation"
    folder = tmp_path / "Weekend trip"
    qtbot.waitUntil(lambda: dialog.heading.text() == f"Exported to {folder}.", timeout=30_000)
    assert dialog.bar.value() == dialog.bar.maximum() and dialog.open_button.isVisible()
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "Look &lt;b&gt;at&lt;/b&gt; this" in page and 'alt="hubble_deep_field.jpg"' in page
    exported = json.loads((folder / "messages.json").read_text(encoding="utf-8"))
    photo = exported["messages"][0]["attachments"][0]
    assert (folder / photo["file"]).stat().st_size == photo["size"]
    assert opened_by(qtbot, dialog.open_button) == [str(folder)]
