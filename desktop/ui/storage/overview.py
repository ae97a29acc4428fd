"""The storage view's overview: a bar of what media takes by kind, against the cache limit, and its legend."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPalette
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.core.db.usage import Totals
from desktop.core.units import size_text
from desktop.ui.style.theme import is_dark, mix

PREVIEWS = "previews"
NAMES = {"image": "Photos", "video": "Videos", "audio": "Voice & audio", "file": "Files", "other": "Other",
         PREVIEWS: "Previews"}
"""What the legend calls each part (the kinds of ``db.usage``, and the thumbnails)."""
COLORS = {"image": QColor("#3b82c4"), "video": QColor("#8b5cc7"), "audio": QColor("#e08a2c"),
          "file": QColor("#2f9e6a"), "other": QColor("#9aa0a6"), PREVIEWS: QColor("#b8c0c8")}
BAR_HEIGHT = 12
LEGEND_COLUMNS = 3
PARTS = ("image", "video", "audio", "file", PREVIEWS, "other")
"""The legend's order, Other last: it shows only when some cached media is in no conversation."""


def legend_text(part: str, size: int) -> str:
    return f"{NAMES[part]} {size_text(size)}"


class KindBar(QWidget):
    """Coloured segments, one per part, left to right, on a track that stands for ``whole`` bytes
    (at least the parts' sum)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.parts: list[tuple[QColor, int]] = []
        self.whole = 0
        self.setMinimumHeight(BAR_HEIGHT)
        self.setMaximumHeight(BAR_HEIGHT)

    def set_parts(self, parts: list[tuple[QColor, int]], whole: int) -> None:
        self.parts, self.whole = parts, max(whole, sum(size for _, size in parts))
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(240, BAR_HEIGHT)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect())
        track = QPainterPath()
        track.addRoundedRect(rect, rect.height() / 2, rect.height() / 2)
        palette = self.palette()
        base, text = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)
        painter.fillPath(track, mix(base, text, 0.16 if is_dark(palette) else 0.09))
        painter.setClipPath(track)
        self._draw_segments(painter, rect)
        painter.end()

    def _draw_segments(self, painter: QPainter, rect: QRectF) -> None:
        if self.whole <= 0:
            return
        left = rect.left()
        for color, size in self.parts:
            if size <= 0:
                continue
            width = max(2.0, rect.width() * size / self.whole)  # a small part still shows
            painter.fillRect(QRectF(left, rect.top(), width, rect.height()), color)
            left += width


class StorageOverview(QWidget):
    """The bar and, under it, each kind's colour and size ("Photos 12.3 MB"); Other only when there is some."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = KindBar(self)
        self.legend: dict[str, QLabel] = {}
        self._entries: dict[str, QWidget] = {}
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(4)
        for n, part in enumerate(PARTS):
            entry = QWidget(self)
            row = QHBoxLayout(entry)
            row.setContentsMargins(0, 0, 0, 0)
            row.setSpacing(6)
            dot = QLabel("●", entry)
            dot.setStyleSheet(f"color: {COLORS[part].name()}")
            label = QLabel(legend_text(part, 0), entry)
            row.addWidget(dot)
            row.addWidget(label, 1)
            grid.addWidget(entry, n // LEGEND_COLUMNS, n % LEGEND_COLUMNS)
            self.legend[part] = label
            self._entries[part] = entry
        self._entries["other"].hide()
        self._entries[PREVIEWS].setToolTip("Thumbnails of photos and videos: they are small and always kept, "
                                           "so timelines still show what was sent.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.bar)
        layout.addLayout(grid)

    def show_totals(self, totals: Totals, limit: int) -> None:
        sizes: dict[str, int] = {PREVIEWS: totals.previews}
        sizes.update((kind, size) for kind, size in totals.by_kind.items())
        for part, label in self.legend.items():
            label.setText(legend_text(part, sizes[part]))
        self._entries["other"].setVisible(sizes["other"] > 0)
        self.bar.set_parts([(COLORS[part], sizes[part]) for part in PARTS], 0)  # the shares of what is here
        self.bar.setToolTip(f"{size_text(totals.media)} of media and {size_text(totals.previews)} of previews; "
                            f"media is kept up to {size_text(limit)}.")
