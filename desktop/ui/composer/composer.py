"""The composer: multi-line text (Enter sends), attach, paste of images and files, the attachment tray."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QEvent, QKeyCombination, QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QImage, QKeyEvent, QPalette
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPlainTextEdit, QToolButton, QVBoxLayout, QWidget

from desktop.ui.composer.tray import AttachmentTray
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
        image_pasted(image): a picture came from the clipboard.
    """

    submitted = Signal()
    files_pasted = Signal(list)
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
        return bool(local_files(source)) or source.hasImage() or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        files = local_files(source)
        if files:
            self.files_pasted.emit(files)
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
        error(sentence): something the user should know (a paste that could not be saved).
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
        self.attach_button.setAutoRaise(True)
        self.attach_button.clicked.connect(self.choose_files)
        self.send_button = QToolButton()
        self.send_button.setIcon(glyphs.icon(glyphs.send, self.palette().color(QPalette.ColorRole.Highlight), 22))
        self.send_button.setIconSize(QSize(22, 22))
        self.send_button.setToolTip("Send (Enter)")
        self.send_button.setAutoRaise(True)
        self.send_button.clicked.connect(self.send)
        row = QHBoxLayout()
        row.setContentsMargins(8, 6, 8, 8)
        row.setSpacing(4)
        row.addWidget(self.attach_button, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.editor, 1)
        row.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.tray)
        layout.addLayout(row)
        self.editor.submitted.connect(self.send)
        self.editor.files_pasted.connect(self.add_files)
        self.editor.image_pasted.connect(self.add_image)

    def add_files(self, paths: list[Path]) -> None:
        self.tray.add([Path(p) for p in paths])
        self.editor.setFocus()

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
        body = self.editor.toPlainText().strip()
        files = self.tray.files
        if not body and not files:
            return
        self.send_requested.emit(body, files, self.tray.as_file.isChecked())
        self.editor.clear()
        self.tray.clear()
