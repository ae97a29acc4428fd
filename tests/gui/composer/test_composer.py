"""Pasting and attaching: a folder offers its files, a file gone from disk is dropped alone and named."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.ui.composer.composer import Composer
from tests.gui.conftest import Chat


def composer(qtbot: QtBot) -> Composer:
    widget = Composer()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def urls(*paths: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def question(qtbot: QtBot) -> QMessageBox:
    found: list[QMessageBox] = []

    def shown() -> bool:
        found[:] = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
        return bool(found)

    qtbot.waitUntil(shown, timeout=5_000)
    return found[0]


def make_files(folder: Path, *names: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        (folder / name).write_bytes(name.encode() * 100)
        paths.append(folder / name)
    return paths


def test_a_pasted_folder_offers_to_attach_the_files_in_it(qtbot: QtBot, tmp_path: Path) -> None:
    widget = composer(qtbot)
    folder = tmp_path / "Holiday"
    files = make_files(folder, "b.jpg", "a.pdf", ".DS_Store")
    make_files(folder / "more", "c.txt")
    assert widget.editor.canInsertFromMimeData(urls(folder))
    widget.editor.insertFromMimeData(urls(folder))
    box = question(qtbot)
    assert "“Holiday” is a folder" in box.text() and "left out" in box.informativeText()
    next(b for b in box.buttons() if b.text() == "Attach 2 files").click()
    assert widget.tray.files == [files[1], files[0]]  # by name; hidden files and the folder inside left out
    assert widget.editor.toPlainText() == ""  # no path pasted as text either


def test_a_pasted_folder_can_be_declined_and_an_empty_one_is_named(qtbot: QtBot, tmp_path: Path) -> None:
    widget = composer(qtbot)
    make_files(tmp_path / "Scans", "page1.png")
    widget.editor.insertFromMimeData(urls(tmp_path / "Scans"))
    question(qtbot).button(QMessageBox.StandardButton.Cancel).click()
    assert widget.tray.files == []
    (tmp_path / "Empty").mkdir()
    with qtbot.waitSignal(widget.error, timeout=1_000) as said:
        widget.editor.insertFromMimeData(urls(tmp_path / "Empty"))
    assert said.args == ["“Empty” is a folder with no files directly in it, so nothing was attached."]


def test_a_file_deleted_from_disk_while_in_the_tray_is_taken_out_alone_and_named(
        qtbot: QtBot, tmp_path: Path) -> None:
    widget = composer(qtbot)
    keep, lost = make_files(tmp_path, "keep.pdf", "lost.pdf")
    widget.add_files([keep, lost])
    widget.editor.setPlainText("both files")
    lost.unlink()
    sends: list[list[Path]] = []
    widget.send_requested.connect(lambda _body, files, _as_file: sends.append(files))
    with qtbot.waitSignal(widget.error, timeout=1_000) as said:
        widget.send()
    assert said.args[0].startswith("“lost.pdf” is no longer there (moved or deleted)")
    assert "[Errno" not in said.args[0]
    assert sends == [] and widget.tray.files == [keep]
    assert widget.editor.toPlainText() == "both files"  # nothing typed is lost
    widget.send()
    assert sends == [[keep]] and widget.tray.files == []


def test_a_file_gone_while_sending_is_named_and_the_others_still_go(chat: Chat, qtbot: QtBot,
                                                                     tmp_path: Path) -> None:
    alice, bob = chat.alice, chat.bob
    present, missing = make_files(tmp_path, "present.txt", "missing.txt")
    missing.unlink()  # between the press of Send and the copy into the cache
    with qtbot.waitSignal(alice.view.status, timeout=15_000) as said:
        alice.view.send("here you go", [missing, present], False)
    assert said.args == ["“missing.txt” could not be sent: it was moved or deleted after being attached. "
                         "The rest went."]
    qtbot.waitUntil(lambda: [(m.body, [a.name for a in m.attachments]) for m in bob.rows()]
                    == [("here you go", ["present.txt"])], timeout=15_000)


def test_a_folder_dropped_on_the_conversation_offers_its_files(chat: Chat, qtbot: QtBot, tmp_path: Path) -> None:
    view = chat.alice.view
    files = make_files(tmp_path / "Drop", "one.txt")
    loose = make_files(tmp_path, "loose.txt")
    mime = urls(tmp_path / "Drop", loose[0])
    drop = QDropEvent(QPointF(QPoint(50, 50)), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    view.dropEvent(drop)
    assert drop.isAccepted()
    next(b for b in question(qtbot).buttons() if b.text() == "Attach 1 file").click()
    assert view.composer.tray.files == [loose[0], files[0]]
