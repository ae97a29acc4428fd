"""Rows of the storage view: a conversation with Clear media, an item with Remove from this computer.

Rows are widgets with real buttons, so Tab reaches every action and a screen reader names each one.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from desktop.core.db.usage import CachedItem, ConversationUsage, Kept
from desktop.core.units import size_text
from desktop.ui.storage.overview import NAMES, PREVIEWS
from desktop.ui.storage.snapshot import ItemLine
from desktop.ui.style import glyphs
from desktop.ui.style.theme import file_extension, is_dark, mix, scaled_font

ICON_SIDE = 40
KIND_WORDS = {"image": "Photo", "video": "Video", "audio": "Voice or audio", "file": "File", "other": ""}
KEPT_WORDS: dict[Kept, str] = {"sending": "Waiting to be sent", "offline": "Kept offline"}
KEPT_TIPS: dict[Kept, str] = {
    "sending": "It stays until it has been sent.",
    "offline": "It belongs to a conversation kept offline; untick it under Available offline to remove it.",
}


class ElidedLabel(QLabel):
    """One line of text cut with an ellipsis to the width it is given; the whole text in its tooltip."""

    def __init__(self, text: str, parent: QWidget | None = None, *,
                 mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight) -> None:
        super().__init__(text, parent)
        self.mode = mode
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setToolTip(text)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        text = self.fontMetrics().elidedText(self.text(), self.mode, self.width())
        painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
        painter.end()


class _Row(QWidget):
    """A row's grid: the title over a detail line, then the size and the button on the right."""

    def _lay_out(self, title: str, detail: str, size: int, button: QPushButton) -> QGridLayout:
        self.title_label = ElidedLabel(title, self, mode=Qt.TextElideMode.ElideMiddle)  # a name keeps its extension
        self.title_label.setFont(scaled_font(self.title_label.font(), 1.0, bold=True))
        self.detail_label = ElidedLabel(detail, self)
        self.detail_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.size_label = QLabel(size_text(size), self)
        self.size_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.size_label.setMinimumWidth(self.size_label.fontMetrics().horizontalAdvance("000.0 MB") + 4)
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 5, 8, 5)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(2)
        grid.addWidget(self.title_label, 0, 1, Qt.AlignmentFlag.AlignBottom)
        grid.addWidget(self.detail_label, 1, 1, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.size_label, 0, 2, 2, 1)
        grid.addWidget(button, 0, 3, 2, 1)
        grid.setColumnStretch(1, 1)
        return grid


def breakdown(usage: ConversationUsage) -> str:
    """"Kept offline · Videos 3.4 MB · Photos 1.2 MB · Previews 40.0 KB": the largest kind first."""
    kinds = sorted(((size, kind) for kind, size in usage.by_kind.items() if size), reverse=True)
    parts = [f"{NAMES[kind]} {size_text(size)}" for size, kind in kinds]
    if usage.previews:
        parts.append(f"{NAMES[PREVIEWS]} {size_text(usage.previews)}")
    if usage.pinned_offline:
        parts.insert(0, "Kept offline")
    return " · ".join(parts)


class ConversationRow(_Row):
    """A conversation, what its media takes here by kind, and Clear media (disabled when there is none)."""

    def __init__(self, usage: ConversationUsage, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.usage, self.title = usage, title
        self.clear_button = QPushButton("Clear media", self)
        self.clear_button.setAccessibleName(f"Clear media of {title}")
        self.clear_button.setEnabled(usage.media > 0)
        self._lay_out(title, breakdown(usage), usage.media, self.clear_button)


class ItemRow(_Row):
    """An item: its thumbnail (or a file icon), name, where it is, size, and Remove from this computer."""

    def __init__(self, line: ItemLine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item: CachedItem = line.item
        item = line.item
        self.name = item.name or "Unnamed item"
        self.remove_button = QPushButton("Remove from this computer", self)
        self.remove_button.setAccessibleName(f"Remove {self.name} from this computer")
        kind = KIND_WORDS[item.kind] or "Not in any conversation"
        detail = [f"{kind} in {line.where}" if line.where else kind]
        if item.kept is not None:
            detail.append(KEPT_WORDS[item.kept])
            self.remove_button.setEnabled(False)
            self.remove_button.setToolTip(KEPT_TIPS[item.kept])
        grid = self._lay_out(self.name, " · ".join(detail), item.size, self.remove_button)
        self.icon = QLabel(self)
        self.icon.setFixedSize(ICON_SIDE, ICON_SIDE)
        self.icon.setPixmap(self._picture(line))
        grid.addWidget(self.icon, 0, 0, 2, 1)

    def _picture(self, line: ItemLine) -> QPixmap:
        ratio = self.devicePixelRatioF()
        if line.image is not None:
            pixmap = QPixmap.fromImage(line.image)
            pixmap.setDevicePixelRatio(line.image.width() / ICON_SIDE)
            return pixmap
        pixmap = QPixmap(round(ICON_SIDE * ratio), round(ICON_SIDE * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text, base = palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.Base)
        paper = mix(base, text, 0.16 if is_dark(palette) else 0.07)
        label = file_extension(line.item.name, line.item.mime)
        glyphs.file_icon(painter, QRectF(6, 2, ICON_SIDE * 0.7, ICON_SIDE - 4), label, paper, text,
                         palette.color(QPalette.ColorRole.Highlight))
        painter.end()
        return pixmap


class RowList(QListWidget):
    """Rows one under another, scrolling past ``rows_shown`` rows; says ``empty`` when there are none."""

    def __init__(self, empty: str, *, rows_shown: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_text = empty
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the rows' buttons
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.row_height = max(ICON_SIDE, 2 * self.fontMetrics().height() + 2) + 14
        self.setFixedHeight(round(self.row_height * rows_shown) + 2 * self.frameWidth() + 4)
        self._rows: list[QWidget] = []
        self._show_empty()

    def rows(self) -> list[QWidget]:
        return list(self._rows)

    def is_empty(self) -> bool:
        return not self._rows

    def set_rows(self, rows: list[QWidget]) -> None:
        for old in self._rows:
            old.hide()  # at once: the view deletes it later
        self._rows = []
        self.clear()
        self.add_rows(rows)

    def add_rows(self, rows: list[QWidget]) -> None:
        if rows and not self._rows:
            self.clear()  # the "empty" line
        for row in rows:
            item = QListWidgetItem(self)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item.setSizeHint(QSize(0, self.row_height))
            row.setAutoFillBackground(True)
            row.setBackgroundRole(QPalette.ColorRole.Base)
            self.setItemWidget(item, row)
        self._rows += rows
        if not self._rows:
            self._show_empty()

    def _show_empty(self) -> None:
        item = QListWidgetItem(self.empty_text, self)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        item.setForeground(self.palette().color(QPalette.ColorRole.PlaceholderText))
        item.setSizeHint(QSize(0, self.fontMetrics().height() + 16))
