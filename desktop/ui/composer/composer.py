"""The composer: multi-line text (Enter sends), attach, paste of images and files, the attachment tray, voice notes."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QEvent, QKeyCombination, QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QImage, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QMessageBox,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.composer.tray import AttachmentTray
from desktop.ui.composer.voice import VoiceNotes
from desktop.ui.style import glyphs

MAX_LINES = 6
WINDOW_KEYS = {QKeyCombination(Qt.KeyboardModifier.ControlModifier, Qt.Key.Key_K),
               QKeyCombination(Qt.KeyboardModifier.ControlModifier, Qt.Key.Key_F)}
_paste_dir: Path | None = None


def local_files(mime: QMimeData) -> list[Path]:
    """The local files a drag or a clipboard carries (URLs that are files on disk)."""
    if not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile() and Path(u.toLocalFile()).is_file()]


def local_folders(mime: QMimeData) -> list[Path]:
    """The local folders a drag or a clipboard carries (Envelope sends files, so these need asking about)."""
    if not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile() and Path(u.toLocalFile()).is_dir()]


def files_in(folder: Path) -> tuple[list[Path], bool]:
    """The files directly in ``folder`` by name (hidden ones left out), and whether it holds folders too."""
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name.lower())
    except OSError:
        return [], False
    files = [p for p in entries if not p.name.startswith(".") and p.is_file()]
    return files, any(p.is_dir() for p in entries)


def quoted_names(paths: list[Path]) -> str:
    """“a.pdf”, “b.jpg” and “c.txt”"""
    names = [f"“{p.name}”" for p in paths]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def save_pasted_image(image: QImage) -> Path:
    """Write a pasted picture to a private temp PNG (kept until exit: sending copies it first)."""
    global _paste_dir
    if _paste_dir is None:
        _paste_dir = Path(tempfile.mkdtemp(prefix="envelope-paste-"))
        atexit.register(shutil.rmtree, _paste_dir, True)
    stamp = datetime.now().strftime("%Y-%m-%d %H.%M.%S")
    path = _paste_dir / f"Pasted image {stamp}.png"
    n = 1
    while path.exists():
        n += 1
        path = _paste_dir / f"Pasted image {stamp} ({n}).png"
    if not image.save(str(path), "PNG"):
        raise OSError(f"could not save the pasted image to {path}")
    return path


class MessageEdit(QPlainTextEdit):
    """Enter sends, Shift+Enter breaks the line; pasted pictures and files become attachments.

    Signals:
        submitted(): Enter was pressed.
        files_pasted(paths): files came from the clipboard.
        folders_pasted(paths): folders came from the clipboard.
        image_pasted(image): a picture came from the clipboard.
    """

    submitted = Signal()
    files_pasted = Signal(list)
    folders_pasted = Signal(list)
    image_pasted = Signal(QImage)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("Write a message…")
        self.setTabChangesFocus(True)
        self.setAcceptDrops(False)  # files dropped here go to the conversation's drop handler
        self.document().setDocumentMargin(6)
        self.document().contentsChanged.connect(self._fit_height)
        self._fit_height()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) and \
                event.keyCombination() in WINDOW_KEYS:
            event.ignore()  # Ctrl+K / Ctrl+F belong to the window (search), not to line editing
            return False
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            self.submitted.emit()
            return
        super().keyPressEvent(event)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return bool(local_files(source) or local_folders(source)) or source.hasImage() or \
            super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        files, folders = local_files(source), local_folders(source)
        if files or folders:
            if files:
                self.files_pasted.emit(files)
            if folders:
                self.folders_pasted.emit(folders)
        elif source.hasImage():
            image = QImage(source.imageData())
            if not image.isNull():
                self.image_pasted.emit(image)
        else:
            super().insertFromMimeData(source)

    def _fit_height(self) -> None:
        line = self.fontMetrics().lineSpacing()
        lines = max(1, min(MAX_LINES, round(self.document().size().height())))
        margins = self.contentsMargins()
        doc_margin = self.document().documentMargin()
        self.setFixedHeight(round(lines * line + 2 * doc_margin + margins.top() + margins.bottom() + 2))

    def sizeHint(self) -> QSize:
        return QSize(200, self.height())


class Composer(QWidget):
    """Text, attachments and the send button for one conversation.

    Signals:
        send_requested(body, files, as_file): the user sent; ``files`` is a list of Path.
        error(sentence): something the user should know (a paste that could not be saved, a file
            that went from the tray, a folder with nothing to attach).
    """

    send_requested = Signal(str, list, bool)
    error = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self.tray = AttachmentTray()
        self.editor = MessageEdit()
        ink = self.palette().color(QPalette.ColorRole.Text)
        self.attach_button = QToolButton()
        self.attach_button.setIcon(glyphs.icon(glyphs.paperclip, ink, 22))
        self.attach_button.setIconSize(QSize(22, 22))
        self.attach_button.setToolTip("Attach files…")
        self.attach_button.setAccessibleName("Attach files")
        self.attach_button.setAutoRaise(True)
        self.attach_button.clicked.connect(self.choose_files)
        self.send_button = QToolButton()
        self.send_button.setIcon(glyphs.icon(glyphs.send, self.palette().color(QPalette.ColorRole.Highlight), 22))
        self.send_button.setIconSize(QSize(22, 22))
        self.send_button.setToolTip("Send (Enter)")
        self.send_button.setAccessibleName("Send")
        self.send_button.setAutoRaise(True)
        self.send_button.clicked.connect(self.send)
        self.voice = VoiceNotes(self)
        self.voice.send_requested.connect(lambda path: self.send_requested.emit("", [path], False))
        self.voice.message.connect(self.error)
        self.writing = QWidget()  # the text row; the recording bar takes its place while recording
        row = QHBoxLayout(self.writing)
        row.setContentsMargins(8, 6, 8, 8)
        row.setSpacing(4)
        row.addWidget(self.attach_button, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.editor, 1)
        row.addWidget(self.voice.button, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        self.voice.recording_changed.connect(lambda on: self.writing.setVisible(not on))
        self.voice.recording_changed.connect(lambda on: None if on else self.editor.setFocus())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.tray)
        layout.addWidget(self.writing)
        layout.addWidget(self.voice.bar)
        self.editor.submitted.connect(self.send)
        self.editor.files_pasted.connect(self.add_files)
        self.editor.folders_pasted.connect(self.add_folders)
        self.editor.image_pasted.connect(self.add_image)

    def add_files(self, paths: list[Path]) -> None:
        self.tray.add([Path(p) for p in paths])
        self.editor.setFocus()

    def add_folders(self, folders: list[Path]) -> None:
        """Folders can't be sent: offer the files in each instead, or say there are none."""
        for folder in folders:
            self.offer_folder(Path(folder))

    def offer_folder(self, folder: Path) -> QMessageBox | None:
        """Ask whether to attach the files directly in ``folder``; None (and a sentence) when it has none."""
        files, has_folders = files_in(folder)
        if not files:
            self.error.emit(f"“{folder.name}” is a folder with no files directly in it, so nothing was attached.")
            return None
        what = "1 file" if len(files) == 1 else f"{len(files)} files"
        box = QMessageBox(QMessageBox.Icon.Question, "Attach a folder",
                          f"“{folder.name}” is a folder. Attach the {what} in it?",
                          QMessageBox.StandardButton.Cancel, self)
        box.setInformativeText("Envelope sends files, not folders"
                               + ("; the folders inside it are left out." if has_folders else "."))
        attach = box.addButton(f"Attach {what}", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(attach)
        box.finished.connect(lambda _result: self.add_files(files) if box.clickedButton() is attach else None)
        box.finished.connect(box.deleteLater)  # (WA_DeleteOnClose here crashed in ~QObject on PySide 6.11)
        box.open()
        return box

    def add_image(self, image: QImage) -> None:
        """A picture from the clipboard: saved as a PNG and attached like a photo."""
        try:
            self.add_files([save_pasted_image(image)])
        except OSError as exc:
            self.error.emit(str(exc))

    def paste(self) -> None:
        self.editor.paste()

    def choose_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Attach files")
        if names:
            self.add_files([Path(n) for n in names])

    def send(self) -> None:
        """Send the text and the tray's files; a file gone from disk meanwhile is taken out and named
        instead, and the rest waits for another press of Send."""
        body = self.editor.toPlainText().strip()
        files = self.tray.files
        gone = [p for p in files if not p.is_file()]
        if gone:
            for path in gone:
                self.tray.remove(path)
            verb = "is" if len(gone) == 1 else "are"
            rest = "Press Send again to send the rest." if body or len(gone) < len(files) else \
                "There is nothing left to send."
            self.error.emit(f"{quoted_names(gone)} {verb} no longer there (moved or deleted), so "
                            f"{'it was' if len(gone) == 1 else 'they were'} taken out. {rest}")
            return
        if not body and not files:
            return
        self.send_requested.emit(body, files, self.tray.as_file.isChecked())
        self.editor.clear()
        self.tray.clear()
