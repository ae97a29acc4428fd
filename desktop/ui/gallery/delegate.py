"""The gallery's painting: square media cells (thumbnail, blurhash, video badge) and file rows."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPainterPath, QPalette, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop.core.units import size_text
from desktop.ui.gallery.model import Roles
from desktop.ui.media.thumbnails import ThumbnailCache, blurhash_average
from desktop.ui.style import glyphs
from desktop.ui.style.theme import (
    day_label,
    file_extension,
    human_duration,
    is_dark,
    local_datetime,
    mix,
    scaled_font,
)

AnyIndex = QModelIndex | QPersistentModelIndex
CELL_GAP = 2
CELL_RADIUS = 6.0
ROW_HEIGHT = 60  # at the usual font size
DETAIL_SCALE = 0.92
ICON_SIDE = 36


def short_date(epoch_ms: int) -> str:
    """"Today", "Yesterday", a weekday this week, else the date (as the timeline's day breaks say)."""
    return day_label(local_datetime(epoch_ms).date())


def _group(option: QStyleOptionViewItem) -> QPalette.ColorGroup:
    if not option.state & QStyle.StateFlag.State_Enabled:
        return QPalette.ColorGroup.Disabled
    active = option.state & QStyle.StateFlag.State_Active
    return QPalette.ColorGroup.Active if active else QPalette.ColorGroup.Inactive


class MediaCellDelegate(QStyledItemDelegate):
    """Paints a photo or video as a rounded square, its thumbnail cropped to fill the cell.

    Until the thumbnail is decoded (or downloaded) the blurhash stands in, and before that its
    average colour. The view decides the cell size (``gridSize``).
    """

    def __init__(self, thumbnails: ThumbnailCache, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        return QSize(160, 160)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        rect = QRect(option.rect).adjusted(CELL_GAP, CELL_GAP, -CELL_GAP, -CELL_GAP)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        clip = QPainterPath()
        clip.addRoundedRect(QRectF(rect), CELL_RADIUS, CELL_RADIUS)
        painter.setClipPath(clip)
        self._draw_preview(painter, rect, option, index)
        if index.data(Roles.KIND) == "video":
            self._draw_video_badge(painter, rect, option, index.data(Roles.DURATION_MS))
        painter.setClipping(False)
        self._draw_selection(painter, rect, option)
        painter.restore()

    def _draw_preview(self, painter: QPainter, rect: QRect, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        dpr = painter.device().devicePixelRatioF()
        sha = index.data(Roles.PREVIEW_SHA256)
        pixmap = self.thumbnails.pixmap(sha, rect.size(), dpr) if sha else None
        if pixmap is not None:
            painter.drawPixmap(rect, pixmap)
            return
        hash_ = index.data(Roles.BLURHASH)
        average = blurhash_average(hash_) if hash_ else None
        painter.fillRect(rect, average or mix(option.palette.color(QPalette.ColorRole.Base),
                                              option.palette.color(QPalette.ColorRole.Text), 0.08))
        placeholder = self.thumbnails.placeholder(hash_, index.data(Roles.ASPECT) or 1.0) if hash_ else None
        if placeholder is not None:
            self._draw_cover(painter, rect, placeholder)
        elif not hash_:
            self._draw_kind_glyph(painter, rect, option, index.data(Roles.KIND))

    @staticmethod
    def _draw_cover(painter: QPainter, rect: QRect, pixmap: QPixmap) -> None:
        """Scale to fill the cell and crop the overflow, centred."""
        size = pixmap.deviceIndependentSize()
        scale = max(rect.width() / size.width(), rect.height() / size.height())
        w, h = size.width() * scale, size.height() * scale
        target = QRectF(rect.x() + (rect.width() - w) / 2, rect.y() + (rect.height() - h) / 2, w, h)
        painter.drawPixmap(target, pixmap, QRectF(pixmap.rect()))

    @staticmethod
    def _draw_kind_glyph(painter: QPainter, rect: QRect, option: QStyleOptionViewItem, kind: str) -> None:
        side = min(rect.width(), rect.height()) * 0.3
        square = QRectF(rect.center().x() - side / 2, rect.center().y() - side / 2, side, side)
        ink = option.palette.color(QPalette.ColorRole.PlaceholderText)
        if kind == "video":
            glyphs.play(painter, square, ink)
        else:
            glyphs.download(painter, square, ink)

    @staticmethod
    def _draw_video_badge(painter: QPainter, rect: QRect, option: QStyleOptionViewItem,
                          duration_ms: int | None) -> None:
        """A play glyph and the duration in a pill at the bottom left, readable over any picture."""
        palette = option.palette
        font = scaled_font(option.font, 0.85, bold=True)
        metrics = QFontMetrics(font)
        text = human_duration(duration_ms) if duration_ms else ""
        height = metrics.height() + 6
        glyph_side = height - 6
        width = 8 + glyph_side + (4 + metrics.horizontalAdvance(text) if text else 0) + 8
        pill = QRectF(rect.left() + 6, rect.bottom() - 6 - height, width, height)
        shade = QColor(palette.color(QPalette.ColorRole.Shadow))
        shade.setAlpha(150)
        ink = palette.color(QPalette.ColorRole.BrightText)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(shade)
        painter.drawRoundedRect(pill, height / 2, height / 2)
        glyphs.play(painter, QRectF(pill.left() + 6, pill.top() + 3, glyph_side, glyph_side), ink)
        if text:
            painter.setFont(font)
            painter.setPen(ink)
            painter.drawText(pill.adjusted(8 + glyph_side + 2, 0, -6, 0),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)

    @staticmethod
    def _draw_selection(painter: QPainter, rect: QRect, option: QStyleOptionViewItem) -> None:
        selected = option.state & QStyle.StateFlag.State_Selected
        hovered = option.state & (QStyle.StateFlag.State_MouseOver | QStyle.StateFlag.State_HasFocus)  # or current
        if not (selected or hovered):
            return
        color = QColor(option.palette.color(_group(option), QPalette.ColorRole.Highlight))
        if not selected:
            color.setAlpha(140)
        pen = painter.pen()
        pen.setColor(color)
        pen.setWidthF(3 if selected else 2)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(QRectF(rect).adjusted(1.5, 1.5, -1.5, -1.5), CELL_RADIUS - 1, CELL_RADIUS - 1)


class FileRowDelegate(QStyledItemDelegate):
    """Paints a file or audio clip: a type icon, the name, then duration · size · date · sender."""

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        lines = QFontMetrics(scaled_font(option.font, 1.0, bold=True)).height() + \
            QFontMetrics(scaled_font(option.font, DETAIL_SCALE)).height()
        return QSize(320, max(ROW_HEIGHT, lines + 20))  # taller with a large system font

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._draw_background(painter, option)
        icon_rect = QRectF(option.rect.left() + 16, option.rect.center().y() - ICON_SIDE / 2 + 1,
                           ICON_SIDE * 0.8, ICON_SIDE)
        self._draw_icon(painter, icon_rect, option, index)
        left = round(icon_rect.right()) + 14
        text_rect = QRect(left, option.rect.top(), option.rect.right() - left - 16, option.rect.height())
        self._draw_text(painter, text_rect, option, index)
        painter.restore()

    @staticmethod
    def _draw_background(painter: QPainter, option: QStyleOptionViewItem) -> None:
        palette = option.palette
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, palette.color(_group(option), QPalette.ColorRole.Highlight))
        elif option.state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.AlternateBase))

    @staticmethod
    def _draw_icon(painter: QPainter, rect: QRectF, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        palette = option.palette
        accent = palette.color(QPalette.ColorRole.Highlight)
        base = palette.color(QPalette.ColorRole.Base)
        paper = mix(base, palette.color(QPalette.ColorRole.Text), 0.16 if is_dark(palette) else 0.07)
        label = file_extension(index.data(Roles.NAME) or "", index.data(Roles.MIME) or "")
        glyphs.file_icon(painter, rect, label, paper, palette.color(QPalette.ColorRole.Text), accent)

    @staticmethod
    def _draw_text(painter: QPainter, rect: QRect, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        name_font = scaled_font(option.font, 1.0, bold=True)
        name_metrics = QFontMetrics(name_font)
        detail_font = scaled_font(option.font, DETAIL_SCALE)
        detail_metrics = QFontMetrics(detail_font)
        top = rect.center().y() - (name_metrics.height() + detail_metrics.height() + 3) // 2
        name_rect = QRect(rect.left(), top, rect.width(), name_metrics.height())
        detail_rect = QRect(rect.left(), name_rect.bottom() + 4, rect.width(), detail_metrics.height())

        parts = [size_text(index.data(Roles.SIZE) or 0)]
        if index.data(Roles.KIND) == "audio" and index.data(Roles.DURATION_MS):
            parts.insert(0, human_duration(index.data(Roles.DURATION_MS)))
        parts += [short_date(index.data(Roles.CREATED_AT) or 0), index.data(Roles.SENDER) or ""]
        if not index.data(Roles.CACHED):
            parts.append("not downloaded")
        main = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        dim = mix(main, palette.color(QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base), 0.4)

        painter.setFont(name_font)
        painter.setPen(main)
        name = name_metrics.elidedText(index.data(Roles.NAME) or "", Qt.TextElideMode.ElideMiddle, rect.width())
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
        painter.setFont(detail_font)
        painter.setPen(dim)
        detail = detail_metrics.elidedText("  ·  ".join(parts), Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(detail_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, detail)
