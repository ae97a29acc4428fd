"""The storage view in Settings, with real engines and a real server: the numbers shown are the data's,
Clear media asks and then the totals drop, an item can be removed, what must stay says so."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop.core.db.records import Attachment
from desktop.core.engine import Engine
from desktop.core.units import size_text
from desktop.ui.dialogs.settings import SettingsDialog
from desktop.ui.storage import snapshot
from desktop.ui.storage.rows import ConversationRow, ItemRow
from desktop.ui.storage.view import StorageView
from tests.gui.conftest import SAMPLES, AppUser, Chat, ServerHandle

T = TypeVar("T")


def elsewhere(fn: Callable[[], T]) -> T:
    """Run an engine call off the GUI thread, as the app does (the GUI thread writes nothing)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result()


def cached(engine: Engine, sha256: str | None) -> bool:
    """Whether the blob's bytes are here, read without counting as a use (which would write)."""
    record = engine.db.blobs.get(sha256 or "")
    return record is not None and record.state == "complete" and engine.cache.store.path_for(record.sha256).is_file()


@dataclass
class Stored:
    """bob sent alice a photo, a PDF and a voice note in the chat; alice has all three."""

    chat: Chat
    photo: Attachment
    pdf: Attachment
    voice: Attachment

    @property
    def alice(self) -> AppUser:
        return self.chat.alice


@pytest.fixture
def stored(chat: Chat, qtbot: QtBot) -> Stored:
    bob, alice = chat.bob.engine, chat.alice.engine
    sent = [elsewhere(lambda f=f: bob.send(chat.cid, "", [SAMPLES / f])).attachments[0]  # type: ignore[misc]
            for f in ("photos/hubble_deep_field.jpg", "files/chelsea.pdf", "audio/voice_note.m4a")]
    qtbot.waitUntil(lambda: len(alice.db.messages.page(chat.cid)) == 3, timeout=15_000)
    elsewhere(lambda: [alice.download(a.blob) for a in sent[1:]])
    qtbot.waitUntil(lambda: all(cached(alice, a.blob) for a in sent), timeout=15_000)
    qtbot.waitUntil(lambda: cached(alice, sent[0].thumbnail), timeout=15_000)
    return Stored(chat, *sent)


def open_storage(qtbot: QtBot, user: AppUser) -> StorageView:
    dialog = SettingsDialog(user.bridge)
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentIndex([dialog.tabs.tabText(i) for i in range(dialog.tabs.count())].index("Storage"))
    dialog.show()
    qtbot.waitExposed(dialog)
    view = dialog.storage
    assert view.isVisible()
    shown_now(qtbot, view)
    return view


def shown_now(qtbot: QtBot, view: StorageView) -> None:
    """Wait until the view shows what the database holds now."""
    usage = view.engine.db.usage
    qtbot.waitUntil(lambda: view.loaded is not None and view.loaded.totals == usage.totals()
                    and [line.usage for line in view.loaded.conversations] == usage.by_conversation(),
                    timeout=10_000)


def conversation_rows(view: StorageView) -> list[ConversationRow]:
    return [r for r in view.conversations.rows() if isinstance(r, ConversationRow)]


def item_rows(view: StorageView) -> list[ItemRow]:
    return [r for r in view.items.rows() if isinstance(r, ItemRow)]


def test_the_numbers_shown_are_the_data(stored: Stored, qtbot: QtBot) -> None:
    engine = stored.alice.engine
    view = open_storage(qtbot, stored.alice)
    totals = engine.db.usage.totals()
    assert totals.media == engine.cache.usage() == stored.photo.size + stored.pdf.size + stored.voice.size
    assert view.overview.legend["image"].text() == f"Photos {size_text(stored.photo.size)}"
    assert view.overview.legend["file"].text() == f"Files {size_text(stored.pdf.size)}"
    assert view.overview.legend["audio"].text() == f"Voice & audio {size_text(stored.voice.size)}"
    assert view.overview.legend["video"].text() == "Videos 0 bytes"
    assert view.overview.legend["previews"].text() == f"Previews {size_text(totals.previews)}"
    assert totals.previews > 0 and not view.overview.legend["other"].isVisibleTo(view.overview)

    (row,) = conversation_rows(view)
    assert (row.title, row.size_label.text()) == ("Weekend trip", size_text(totals.media))
    assert row.detail_label.text() == " · ".join([
        f"Photos {size_text(stored.photo.size)}", f"Voice & audio {size_text(stored.voice.size)}",
        f"Files {size_text(stored.pdf.size)}", f"Previews {size_text(totals.previews)}"])  # largest first
    assert row.clear_button.isEnabled() and row.clear_button.accessibleName() == "Clear media of Weekend trip"

    items = item_rows(view)
    assert [(r.name, r.size_label.text()) for r in items] == [
        (a.name, size_text(a.size)) for a in sorted((stored.photo, stored.pdf, stored.voice), key=lambda a: -a.size)]
    photo = next(r for r in items if r.item.sha256 == stored.photo.blob)
    assert photo.detail_label.text() == "Photo in Weekend trip"
    assert not photo.icon.pixmap().isNull() and photo.remove_button.isEnabled()


def test_clear_media_asks_first_then_the_totals_drop(stored: Stored, qtbot: QtBot) -> None:
    engine, cid = stored.alice.engine, stored.chat.cid
    before = [(m.body, m.attachments) for m in engine.db.messages.page(cid)]
    view = open_storage(qtbot, stored.alice)
    media = engine.cache.usage()
    (row,) = conversation_rows(view)

    qtbot.mouseClick(row.clear_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.clear_question is not None and view.clear_question.isVisible())
    box = view.clear_question
    assert box is not None
    assert box.text() == f"Remove 3 files ({size_text(media)}) of “Weekend trip” from this computer?"
    assert box.informativeText().startswith("The messages, their text and the previews stay.")
    assert box.defaultButton() == box.button(QMessageBox.StandardButton.Cancel)
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert engine.cache.usage() == media and cached(engine, stored.pdf.blob)  # not without a yes

    qtbot.mouseClick(row.clear_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.clear_question is not box and view.clear_question is not None
                    and view.clear_question.isVisible())
    box = view.clear_question
    (clear,) = [b for b in box.buttons() if b.text() == "Clear media"]
    clear.click()
    qtbot.waitUntil(lambda: engine.cache.usage() == 0, timeout=10_000)
    shown_now(qtbot, view)
    assert view.overview.legend["image"].text() == "Photos 0 bytes"
    assert view.overview.legend["file"].text() == "Files 0 bytes"
    (row,) = conversation_rows(view)  # still listed: its previews are here
    assert row.size_label.text() == "0 bytes" and not row.clear_button.isEnabled()
    assert item_rows(view) == [] and view.items.is_empty()
    assert view.items.item(0).text() == "No photos, videos or files are on this computer."
    assert view.status.text() == f"Removed {size_text(media)} of “Weekend trip” from this computer."
    settings = view.window()
    assert isinstance(settings, SettingsDialog)
    qtbot.waitUntil(lambda: settings.usage.text().startswith("0 bytes of "))
    assert [(m.body, m.attachments) for m in engine.db.messages.page(cid)] == before
    assert cached(engine, stored.photo.thumbnail) and not cached(engine, stored.photo.blob)


def test_remove_an_item_and_what_must_stay_says_so(
        stored: Stored, server: ServerHandle, qtbot: QtBot) -> None:
    engine, cid = stored.alice.engine, stored.chat.cid
    server.stop()
    mine = elsewhere(lambda: engine.send(cid, "", [SAMPLES / "video/hubble_pan.mp4"])).attachments[0]
    view = open_storage(qtbot, stored.alice)
    sending = next(r for r in item_rows(view) if r.item.sha256 == mine.blob)
    assert sending.detail_label.text() == "Video in Weekend trip · Waiting to be sent"
    assert not sending.remove_button.isEnabled()

    pdf = next(r for r in item_rows(view) if r.item.sha256 == stored.pdf.blob)
    assert pdf.remove_button.accessibleName() == "Remove chelsea.pdf from this computer"
    qtbot.mouseClick(pdf.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not cached(engine, stored.pdf.blob), timeout=10_000)
    shown_now(qtbot, view)
    assert not engine.cache.store.path_for(stored.pdf.blob).exists()
    assert stored.pdf.blob not in [r.item.sha256 for r in item_rows(view)]
    assert view.overview.legend["file"].text() == "Files 0 bytes"
    assert view.status.text() == (f"Removed chelsea.pdf ({size_text(stored.pdf.size)}) from this computer; "
                                  "it downloads again when you open it.")
    assert len(engine.db.messages.page(cid)) == 4


def test_show_more_pages_in_the_smaller_items(
        stored: Stored, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot, "PAGE", 2)
    view = open_storage(qtbot, stored.alice)
    assert len(item_rows(view)) == 2 and view.more_button.isVisible()
    qtbot.mouseClick(view.more_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(item_rows(view)) == 3)
    assert [r.item.size for r in item_rows(view)] == sorted((stored.photo.size, stored.pdf.size, stored.voice.size),
                                                          reverse=True)
    assert not view.more_button.isVisible()


def test_clearing_a_conversation_kept_offline_says_so_and_unticks_it(stored: Stored, qtbot: QtBot) -> None:
    engine, cid = stored.alice.engine, stored.chat.cid
    elsewhere(lambda: engine.set_pinned_offline(cid, True))
    view = open_storage(qtbot, stored.alice)
    settings = view.window()
    assert isinstance(settings, SettingsDialog)
    assert settings.pinned.item(0).checkState() == Qt.CheckState.Checked
    (row,) = conversation_rows(view)
    assert row.detail_label.text().startswith("Kept offline · ")
    qtbot.mouseClick(row.clear_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.clear_question is not None and view.clear_question.isVisible())
    box = view.clear_question
    assert box is not None
    assert "This conversation is kept offline now; clearing its media stops that." in box.informativeText()
    (clear,) = [b for b in box.buttons() if b.text() == "Clear media"]
    clear.click()
    qtbot.waitUntil(lambda: settings.pinned.item(0).checkState() == Qt.CheckState.Unchecked, timeout=10_000)
    conversation = engine.db.conversations.get(cid)
    assert conversation is not None and not conversation.pinned_offline
    assert engine.cache.usage() == 0
