"""The tray of files waiting to be sent above the composer: previews, remove, "send originals"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QImageReader, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.style import glyphs
from desktop.ui.style.theme import file_extension, human_size, mix

PREVIEW = 44


def preview_pixmap(path: Path, palette: QPalette, dpr: float = 2.0) -> QPixmap:
    """A small square preview of a file to send: the picture itself, else a file icon."""
    side = round(PREVIEW * dpr)
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    size = reader.size()
    if reader.canRead() and size.isValid() and size.width() > 0:
        scale = max(side / size.width(), side / size.height())
        if scale < 1:
            reader.setScaledSize(QSize(max(1, round(size.width() * scale)), max(1, round(size.height() * scale))))
        image = reader.read()
        if not image.isNull():
            image = image.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                                 Qt.TransformationMode.SmoothTransformation)
            x, y = (image.width() - side) // 2, (image.height() - side) // 2
            pixmap = QPixmap.fromImage(image.copy(x, y, side, side))
            pixmap.setDevicePixelRatio(dpr)
            return pixmap
    pixmap = QPixmap(side, side)
    pixmap.setDevicePixelRatio(dpr)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    glyphs.file_icon(painter, QRectF(7, 2, 30, 40), file_extension(path.name, ""), mix(base, text, 0.12), text,
                     palette.color(QPalette.ColorRole.Highlight))
    painter.end()
    return pixmap


class _Chip(QFrame):
    def __init__(self, path: Path, on_remove: Callable[[Path], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.setObjectName("attachmentChip")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 4, 6)
        layout.setSpacing(8)
        preview = QLabel()
        preview.setPixmap(preview_pixmap(path, self.palette()))
        preview.setFixedSize(PREVIEW, PREVIEW)
        layout.addWidget(preview)
        text = QVBoxLayout()
        text.setSpacing(0)
        name = QLabel(self.fontMetrics().elidedText(path.name, Qt.TextElideMode.ElideMiddle, 150))
        name.setToolTip(str(path))
        try:
            size = human_size(path.stat().st_size)
        except OSError:
            size = "unreadable"
        detail = QLabel(size)
        detail.setEnabled(False)
        text.addWidget(name)
        text.addWidget(detail)
        layout.addLayout(text)
        remove = QToolButton()
        remove.setObjectName("removeAttachment")
        remove.setIcon(glyphs.icon(glyphs.cancel, self.palette().color(QPalette.ColorRole.Text), 16))
        remove.setToolTip(f"Remove {path.name}")
        remove.setAccessibleName(f"Remove {path.name}")
        remove.setAutoRaise(True)
        remove.clicked.connect(lambda: on_remove(self.path))
        layout.addWidget(remove, 0, Qt.AlignmentFlag.AlignTop)
        self.remove_button = remove


class AttachmentTray(QWidget):
    """Files chosen for the next message; hidden while empty.

    Signals:
        changed(): files were added or removed.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._files: list[Path] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 0)
        outer.setSpacing(4)
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self._scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        bar = self._scroll.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        self._scroll.setFixedHeight(PREVIEW + 20 + bar)  # a chip, and room for its scroll bar
        holder = QWidget()
        self._row = QHBoxLayout(holder)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(8)
        self._row.addStretch(1)
        self._scroll.setWidget(holder)
        outer.addWidget(self._scroll)
        self.as_file = QCheckBox("Send originals (full quality, with their metadata)")
        self.as_file.setToolTip(
            "Photos go exactly as they are on disk: full resolution, with all their metadata (a phone "
            "photo's location too). They still show as photos, marked “Original”.")
        outer.addWidget(self.as_file)
        self.setVisible(False)

    @property
    def files(self) -> list[Path]:
        return list(self._files)

    def add(self, paths: list[Path]) -> None:
        for path in paths:
            if path in self._files or not path.is_file():
                continue
            self._files.append(path)
            self._row.insertWidget(self._row.count() - 1, _Chip(path, self.remove))
        self.setVisible(bool(self._files))
        self.changed.emit()

    def remove(self, path: Path) -> None:
        if path not in self._files:
            return
        self._files.remove(path)
        for i in range(self._row.count()):
            widget = self._row.itemAt(i).widget()
            if isinstance(widget, _Chip) and widget.path == path:
                widget.deleteLater()
                self._row.removeWidget(widget)
                break
        self.setVisible(bool(self._files))
        self.changed.emit()

    def clear(self) -> None:
        for path in list(self._files):
            self.remove(path)
        self.as_file.setChecked(False)

    def chips(self) -> list[_Chip]:
        return [w for i in range(self._row.count()) if isinstance(w := self._row.itemAt(i).widget(), _Chip)]

