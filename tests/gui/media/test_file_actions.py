"""Opening and saving received files: larger than the cache, spoofed names, no application to open them."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop.core.units import MB
from tests.gui.conftest import SAMPLES, AppUser, Chat
from tests.gui.media.conftest import SaveDialog

PDF = SAMPLES / "files/chelsea.pdf"


class UrlCatcher(QObject):
    """The desktop's handler for file:// URLs, for tests that need one to exist."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def send_file(chat: Chat, qtbot: QtBot, path: Path) -> str:
    """Alice sends ``path`` as a file; returns its blob once Bob has the message."""
    sha = chat.alice.engine.send(chat.cid, "", [path], as_file=True).attachments[0].blob
    kinds = ("image", "video", "audio", "file")
    qtbot.waitUntil(lambda: any(i.attachment.blob == sha for i in chat.bob.engine.db.messages.media(chat.cid, kinds)),
                    timeout=20_000)
    return sha


def status_of(user: AppUser) -> str:
    return user.window.statusBar().currentMessage()


def test_a_file_larger_than_the_cache_is_saved_and_opened_but_never_cached(
        chat: Chat, qtbot: QtBot, tmp_path: Path, save_dialog: SaveDialog) -> None:
    bob = chat.bob
    bob.engine.db.settings.set("cache_limit_bytes", 2 * MB)
    data = os.urandom(3 * MB)
    source = tmp_path / "survey.dat"
    source.write_bytes(data)
    sha = send_file(chat, qtbot, source)

    bob.view.files.save(sha, "survey.dat")
    saved = save_dialog.folder / "survey.dat"
    qtbot.waitUntil(lambda: status_of(bob).startswith("Saved survey.dat"), timeout=20_000)
    assert saved.read_bytes() == data
    assert [p.name for p in save_dialog.folder.iterdir()] == ["survey.dat"]  # no temp file left
    record = bob.engine.db.blobs.get(sha)
    assert record is not None and record.state != "complete"  # streamed to the target, not cached
    assert bob.engine.media_path(sha) is None and bob.engine.cache.usage() <= 2 * MB

    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")  # type: ignore[arg-type]
    try:
        bob.view.files.open(sha, "survey.dat")
        qtbot.waitUntil(lambda: bool(catcher.urls), timeout=20_000)
    finally:
        QDesktopServices.unsetUrlHandler("file")
    opened = Path(catcher.urls[0].toLocalFile())
    assert opened.read_bytes() == data and opened.is_relative_to(bob.data_dir / "open")
    assert bob.engine.media_path(sha) is None

    bob.view.files.download(sha)  # Download can't keep it in the cache: it asks where to save it
    assert "larger than the cache limit (2.0 MB)" in status_of(bob)
    assert len(save_dialog.suggested) == 2


def test_a_cached_file_is_not_evicted_while_it_is_being_saved(
        chat: Chat, qtbot: QtBot, save_dialog: SaveDialog) -> None:
    bob = chat.bob
    sha = send_file(chat, qtbot, PDF)
    with qtbot.waitSignal(bob.bridge.blob_ready, timeout=20_000, check_params_cb=lambda s: s == sha):
        bob.engine.download(sha)
    bob.engine.cache.hold(sha)  # the viewer shows it meanwhile
    try:
        assert bob.engine.cache.clear() == []
        bob.view.files.save(sha, "chelsea.pdf")
        qtbot.waitUntil(lambda: status_of(bob).startswith("Saved chelsea.pdf"), timeout=10_000)
    finally:
        bob.engine.cache.release(sha)
    assert (save_dialog.folder / "chelsea.pdf").read_bytes() == PDF.read_bytes()


def test_a_right_to_left_override_in_a_received_name_is_cleaned_when_filed_and_saved(
        chat: Chat, qtbot: QtBot, tmp_path: Path, save_dialog: SaveDialog) -> None:
    spoofed = tmp_path / "evil\u202egpj.exe"
    spoofed.write_bytes(b"MZ\x90\x00 a program, not a photo")
    sha = send_file(chat, qtbot, spoofed)
    (item,) = chat.bob.engine.db.messages.media(chat.cid, ("file",))
    assert item.attachment.name == "evilgpj.exe"  # filed clean: the real extension shows everywhere
    qtbot.waitUntil(lambda: any(m.attachments for m in chat.bob.rows()))  # the timeline hears of it next
    (bubble,) = [m for m in chat.bob.rows() if m.attachments]
    assert bubble.attachments[0].name == "evilgpj.exe"

    chat.bob.view.files.save(sha, spoofed.name)  # even a raw name handed in is cleaned for the dialog
    assert Path(save_dialog.suggested[0]).name == "evilgpj.exe"
    saved = save_dialog.folder / "evilgpj.exe"
    qtbot.waitUntil(saved.exists, timeout=20_000)
    assert [p.name for p in save_dialog.folder.iterdir()] == ["evilgpj.exe"]


def test_open_with_no_application_says_so_offers_save_as_and_copies_privately(
        chat: Chat, qtbot: QtBot, save_dialog: SaveDialog) -> None:
    bob = chat.bob
    sha = send_file(chat, qtbot, PDF)
    files = bob.view.files
    files.open(sha, "chelsea.pdf")  # offscreen, nothing is registered to open anything
    qtbot.waitUntil(lambda: files.no_app_box is not None and files.no_app_box.isVisible(), timeout=20_000)
    box = files.no_app_box
    assert box is not None and box.text() == "No application on this computer opens PDF files."

    copy = bob.data_dir / "open" / sha[:16] / "chelsea.pdf"
    assert copy.read_bytes() == PDF.read_bytes()
    for folder in (copy.parent, copy.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert not (Path("/tmp") / "envelope-open" / sha[:16]).exists()

    (save,) = [b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole]
    assert save.text() == "Save as…"
    save.click()
    saved = save_dialog.folder / "chelsea.pdf"
    qtbot.waitUntil(lambda: status_of(bob).startswith("Saved chelsea.pdf"), timeout=10_000)
    assert saved.read_bytes() == PDF.read_bytes()
