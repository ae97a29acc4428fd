"""Paints timeline rows: day separators and bubbles, one ``_draw_*`` helper per kind of content."""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Protocol

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QAbstractItemView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop.core.db.records import Message
from desktop.ui.media.thumbnails import ThumbnailCache, blurhash_average
from desktop.ui.style import glyphs
from desktop.ui.style.theme import (
    BubbleColors,
    avatar_color,
    bubble_colors,
    clock_time,
    error_color,
    file_extension,
    human_duration,
    is_dark,
    mix,
    scaled_font,
    timeline_background,
)
from desktop.ui.timeline.layout import (
    BADGE_INSET,
    BADGE_PAD,
    RADIUS,
    Block,
    Fonts,
    Hit,
    RowLayout,
    audio_speed_rect,
    audio_transfer_parts,
    file_caption,
    file_links,
    file_parts,
    layout_row,
    transfer_parts,
)
from desktop.ui.timeline.model import Roles, TimelineModel, Transfer
from desktop.ui.timeline.text import TextDocs
from desktop.ui.viewer.audio import speed_label

AnyIndex = QModelIndex | QPersistentModelIndex
LAID_OUT_ROWS = 600  # geometry kept for painting: a few screens' worth


class Playback(Protocol):
    speed: float
    """Voice notes play at this speed (1, 1.5 or 2)."""

    def state(self, sha256: str) -> tuple[bool, float, int]:
        """(playing, fraction played, position ms) of an audio blob."""
        ...


class TimelineDelegate(QStyledItemDelegate):
    """Lays out (``timeline.layout``) and paints one message per row; sizes are cached per width.

    A row's geometry is keyed on the TimelineModel's ``stamp(row)`` (message id and a hash of the message
    and its flags, worked out when the row loads), so measuring a row Qt has measured before is one dict
    lookup, and painting it reuses the layout (the last ``LAID_OUT_ROWS`` rows) instead of redoing it.
    """

    def __init__(self, view: QAbstractItemView, thumbnails: ThumbnailCache, playback: Playback | None = None) -> None:
        super().__init__(view)
        self.view = view
        self.thumbnails = thumbnails
        self.playback = playback
        self.docs = TextDocs()
        self._sizes: dict[tuple[Hashable, int], QSize] = {}
        self._geometry: OrderedDict[tuple[Hashable, int], RowLayout] = OrderedDict()
        self._colors: dict[tuple[int, bool], BubbleColors] = {}  # by (palette's cache key, own)
        self._fonts_key = view.font().key()
        self._fonts = self._make_fonts()
        self._width = max(240, view.viewport().width())
        self.focus_ring: Callable[[AnyIndex], QRectF | None] = lambda _index: None
        """Where the keyboard focus is in a row (row coordinates), to draw its ring; the view sets it."""
        view.viewport().installEventFilter(self)

    # -- geometry ----------------------------------------------------------------------------------
    def _make_fonts(self) -> Fonts:
        base = self.view.font()
        return Fonts(body=scaled_font(base, 1.08), small=scaled_font(base, 0.86),
                     bold_small=scaled_font(base, 0.86, bold=True), name=scaled_font(base, 0.92, bold=True))

    @property
    def fonts(self) -> Fonts:
        return self._fonts

    def font_changed(self) -> None:
        """The view's font or palette changed: measure everything again."""
        self._fonts_key, self._fonts = self.view.font().key(), self._make_fonts()
        self._sizes.clear()
        self._geometry.clear()
        self._colors.clear()
        self.docs.clear()

    def width(self) -> int:
        return self._width

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.view.viewport():
            self._width = max(240, self.view.viewport().width())  # before the view lays its rows out again
        return False

    def _link_color(self, own: bool) -> str:
        return self._bubble_colors(self.view.palette(), own).link.name()

    def _bubble_colors(self, palette: QPalette, own: bool) -> BubbleColors:
        """``theme.bubble_colors``, worked out once per palette (every row painted needs them)."""
        key = (palette.cacheKey(), own)
        colors = self._colors.get(key)
        if colors is None:
            colors = self._colors[key] = bubble_colors(palette, own=own)
        return colors

    def layout(self, index: AnyIndex, width: int | None = None, *, geometry_only: bool = False) -> RowLayout:
        """Where everything of the row goes; ``geometry_only`` skips the per-transfer click areas."""
        m, own, day_break, first, show_sender = index.data(Roles.LAYOUT_KEY)
        return layout_row(
            m, own=own, width=width or self.width(), fonts=self._fonts, docs=self.docs,
            link_color=self._link_color(own), day_break=day_break, first_in_group=first,
            show_sender=show_sender, time_text=clock_time(m.created_at), font_key=self._fonts_key,
            cached=frozenset() if geometry_only else (index.data(Roles.CACHED) or frozenset()),
            transfers={} if geometry_only else (index.data(Roles.TRANSFERS) or {}),
        )

    def _stamp(self, index: AnyIndex) -> Hashable:
        """What the row's geometry depends on: the model's stamp if it keeps one, else the layout key itself."""
        model = index.model()
        if isinstance(model, TimelineModel):
            return model.stamp(index.row())
        return index.data(Roles.LAYOUT_KEY)

    def geometry(self, index: AnyIndex, width: int | None = None) -> RowLayout | None:
        """The row's layout without per-transfer click areas, from the cache when it was laid out before."""
        stamp = self._stamp(index)
        if stamp is None:
            return None
        width = width or self.width()
        key = (stamp, width)
        lay = self._geometry.get(key)
        if lay is not None:
            self._geometry.move_to_end(key)
            return lay
        lay = self._geometry[key] = self.layout(index, width, geometry_only=True)
        if len(self._geometry) > LAID_OUT_ROWS:
            self._geometry.popitem(last=False)
        if len(self._sizes) > 200_000:
            self._sizes.clear()
        self._sizes[key] = lay.size
        return lay

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        stamp = self._stamp(index)
        if stamp is None:
            return QSize(0, 0)
        size = self._sizes.get((stamp, self.width()))
        if size is None:
            lay = self.geometry(index)
            size = lay.size if lay is not None else QSize(0, 0)
        return size

    def hit(self, index: AnyIndex, row_rect: QRectF, pos: QPointF) -> Hit | None:
        """What is under ``pos`` (viewport coordinates) in the row at ``row_rect``."""
        lay = self.layout(index, round(row_rect.width()))
        return lay.hit_at(pos - row_rect.topLeft())

    def anchor_at(self, index: AnyIndex, row_rect: QRectF, pos: QPointF) -> str:
        """The link URL under ``pos`` in the message text, or ""."""
        lay = self.geometry(index, round(row_rect.width()))
        if lay is None or lay.text_rect is None or lay.text_doc is None:
            return ""
        local = pos - row_rect.topLeft()
        if not lay.text_rect.contains(local):
            return ""
        return lay.text_doc.documentLayout().anchorAt(local - lay.text_rect.topLeft())

    # -- painting ----------------------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        m: Message = index.data(Roles.MESSAGE)
        if m is None:
            return
        rect = QRectF(option.rect)
        lay = self.geometry(index, round(rect.width()))
        if lay is None:
            return
        palette = self.view.palette()
        colors = self._bubble_colors(palette, lay.own)
        transfers: dict[str, Transfer] = index.data(Roles.TRANSFERS) or {}
        cached: frozenset[str] = index.data(Roles.CACHED) or frozenset()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.translate(rect.topLeft())
        if option.state & QStyle.StateFlag.State_Selected:
            self._draw_selection(painter, lay, palette)
        if lay.day_rect is not None:
            self._draw_day(painter, lay.day_rect, index.data(Roles.DAY_BREAK), palette)
        if lay.sender_rect is not None:
            self._draw_sender(painter, lay.sender_rect, m.sender)
        if m.state == "pending" and not any(t.active for t in transfers.values()):
            painter.setOpacity(0.72)  # (a moving transfer says "on its way" itself, and must stay readable)
        self._draw_bubble(painter, lay, colors, m.state, palette)
        for block in lay.blocks:
            t = transfers.get(block.attachment.blob)
            match block.kind:
                case "image":
                    self._draw_image(painter, lay, block, t)
                case "video":
                    self._draw_video(painter, lay, block, t)
                case "audio":
                    self._draw_audio(painter, block, t, colors, lay.footer_rect)
                case _:
                    self._draw_file(painter, block, t, colors, block.attachment.blob in cached, palette)
        if lay.text_doc is not None and lay.text_rect is not None:
            self._draw_text(painter, lay, colors)
        self._draw_footer(painter, lay, m, colors, palette)
        ring = self.focus_ring(index)
        if ring is not None:
            self._draw_focus_ring(painter, lay, ring, colors, palette)
        painter.restore()

    def _draw_selection(self, p: QPainter, lay: RowLayout, palette: QPalette) -> None:
        band = QColor(palette.color(QPalette.ColorRole.Highlight))
        band.setAlpha(40)
        p.fillRect(QRectF(0, lay.bubble.top() - 2, lay.size.width(), lay.bubble.height() + 4), band)

    def _draw_focus_ring(self, p: QPainter, lay: RowLayout, ring: QRectF, colors: BubbleColors,
                         palette: QPalette) -> None:
        """The keyboard's place: round the bubble (in the highlight colour) or round one of its buttons."""
        whole = ring == lay.bubble
        p.save()
        p.setOpacity(1.0)
        p.setPen(QPen(palette.color(QPalette.ColorRole.Highlight) if whole else colors.text, 2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        radius = RADIUS + 2 if whole else min(8.0, ring.height() / 2 + 2)
        p.drawRoundedRect(ring.adjusted(-2.5, -2.5, 2.5, 2.5), radius, radius)
        p.restore()

    def _draw_day(self, p: QPainter, r: QRectF, label: str, palette: QPalette) -> None:
        fm_font = self.fonts.bold_small
        p.save()
        p.setFont(fm_font)
        width = p.fontMetrics().horizontalAdvance(label) + 24
        height = p.fontMetrics().height() + 8
        pill = QRectF(r.center().x() - width / 2, r.center().y() - height / 2, width, height)
        bg = timeline_background(palette)
        text = palette.color(QPalette.ColorRole.Text)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(mix(bg, text, 0.08))
        p.drawRoundedRect(pill, height / 2, height / 2)
        p.setPen(mix(text, bg, 0.35))
        p.drawText(pill, Qt.AlignmentFlag.AlignCenter, label)
        p.restore()

    def _draw_sender(self, p: QPainter, r: QRectF, sender: str) -> None:
        p.save()
        p.setFont(self.fonts.name)
        color = avatar_color(sender)
        p.setPen(color.lighter(150) if is_dark(self.view.palette()) else color.darker(115))
        p.drawText(r, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, sender)
        p.restore()

    def _draw_bubble(self, p: QPainter, lay: RowLayout, colors: BubbleColors, state: str, palette: QPalette) -> None:
        p.save()
        p.setPen(Qt.PenStyle.NoPen)
        if not lay.own and not is_dark(palette):  # a soft edge so white bubbles stand off a light background
            shadow = QColor(0, 0, 0, 22)
            p.setBrush(shadow)
            p.drawRoundedRect(lay.bubble.translated(0, 1), RADIUS, RADIUS)
        p.setBrush(colors.background)
        if state == "failed":
            p.setPen(QPen(error_color(palette), 1.6))
        p.drawRoundedRect(lay.bubble, RADIUS, RADIUS)
        p.restore()

    def _media_clip(self, lay: RowLayout, block: Block, radius: float = RADIUS - 3) -> QPainterPath:
        """A photo's rounded corners; an album's cell is square but for the grid's own rounded corners."""
        path = QPainterPath()
        if block.cell and lay.album_rect is not None:
            path.addRoundedRect(lay.album_rect, radius, radius)
            cell = QPainterPath()
            cell.addRect(block.rect)
            return path.intersected(cell)
        path.addRoundedRect(block.rect, radius, radius)
        return path

    def _draw_picture(self, p: QPainter, lay: RowLayout, block: Block, sha: str | None) -> bool:
        """The thumbnail if decoded, else the blurhash, else its average colour; True if the real one."""
        a, r = block.attachment, block.rect
        dpr = p.device().devicePixelRatioF() if p.device() is not None else 1.0
        p.save()
        p.setClipPath(self._media_clip(lay, block))
        size = QSize(round(r.width()), round(r.height()))
        pixmap = self.thumbnails.pixmap(sha, size, dpr) if sha else None
        real = pixmap is not None
        if pixmap is None and a.blurhash:
            average = blurhash_average(a.blurhash)
            p.fillRect(r, average or QColor(128, 128, 128))
            pixmap = self.thumbnails.placeholder(a.blurhash, r.width() / max(1.0, r.height()))
        elif pixmap is None:
            p.fillRect(r, mix(self.view.palette().color(QPalette.ColorRole.Base), QColor(128, 128, 128), 0.35))
        if pixmap is not None:
            p.drawPixmap(r, pixmap, QRectF(pixmap.rect()))
        p.restore()
        return real

    def _draw_transfer_overlay(self, p: QPainter, lay: RowLayout, block: Block, t: Transfer | None) -> None:
        if t is None or (not t.active and not t.error):
            return
        r = block.rect
        white = QColor(255, 255, 255)
        if t.active:
            parts = transfer_parts(lay, block, self.fonts)
            glyphs.round_button(p, parts.cancel, QColor(0, 0, 0, 150), glyphs.cancel, white, glyph_scale=0.5)
            glyphs.progress_ring(p, parts.cancel.adjusted(2, 2, -2, -2), t.fraction, white, QColor(255, 255, 255, 60))
            if not parts.info.isEmpty():
                self._draw_progress_pill(p, parts.info, t)
        elif t.direction == "down" and not t.cancelled:
            centre = QRectF(r.center().x() - 24, r.center().y() - 24, 48, 48)
            glyphs.round_button(p, centre, QColor(0, 0, 0, 140), glyphs.retry, white)

    def _draw_progress_pill(self, p: QPainter, r: QRectF, t: Transfer) -> None:
        """Bytes done of the total over speed and time left, white on a dark pill as wide as they need."""
        p.save()
        p.setFont(self.fonts.small)
        fm = p.fontMetrics()
        lines = [t.bytes_text, t.rate_text]
        width = min(r.width(), max(fm.horizontalAdvance(line) for line in lines) + 16)
        pill = QRectF(r.left(), r.top(), width, r.height())
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(0, 0, 0, 150))
        p.drawRoundedRect(pill, 9, 9)
        p.setPen(QColor(255, 255, 255))
        line_h = (r.height() - 8) / 2
        for i, line in enumerate(lines):
            box = QRectF(pill.left() + 8, pill.top() + 4 + i * line_h, pill.width() - 16, line_h)
            p.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, _fit(fm, line, box.width()))
        p.restore()

    def _draw_bar(self, p: QPainter, r: QRectF, fraction: float, fill: QColor, track: QColor) -> None:
        p.save()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(track)
        p.drawRoundedRect(r, r.height() / 2, r.height() / 2)
        if fraction > 0:
            p.setBrush(fill)
            done = QRectF(r.left(), r.top(), max(r.height(), r.width() * min(1.0, fraction)), r.height())
            p.drawRoundedRect(done, r.height() / 2, r.height() / 2)
        p.restore()

    def _draw_progress_lines(self, p: QPainter, detail: QRectF, rate: QRectF, t: Transfer, ink: QColor) -> None:
        p.save()
        p.setFont(self.fonts.small)
        p.setPen(ink)
        fm = p.fontMetrics()
        for box, text in ((detail, t.bytes_text), (rate, t.rate_text)):
            p.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, _fit(fm, text, box.width()))
        p.restore()

    def _draw_image(self, p: QPainter, lay: RowLayout, block: Block, t: Transfer | None) -> None:
        a = block.attachment
        self._draw_picture(p, lay, block, a.thumbnail or a.blob)
        if block.badge and (t is None or not t.active):  # (a moving one's pill says its size)
            self._draw_corner_pill(p, block.rect, block.badge, self.fonts.small)
        self._draw_transfer_overlay(p, lay, block, t)

    def _draw_video(self, p: QPainter, lay: RowLayout, block: Block, t: Transfer | None) -> None:
        a, r = block.attachment, block.rect
        self._draw_picture(p, lay, block, a.thumbnail)
        if t is not None and (t.active or t.error):
            self._draw_transfer_overlay(p, lay, block, t)
            if t.active:
                return  # the progress pill takes the duration's place
        else:
            d = 52 if min(r.width(), r.height()) >= 120 else 40
            centre = QRectF(r.center().x() - d / 2, r.center().y() - d / 2, d, d)
            glyphs.round_button(p, centre, QColor(0, 0, 0, 120), glyphs.play, QColor(255, 255, 255), glyph_scale=0.62)
        self._draw_corner_pill(p, r, human_duration(a.duration_ms), self.fonts.bold_small)

    def _draw_corner_pill(self, p: QPainter, r: QRectF, label: str, font: QFont) -> None:
        """White words on a dark pill in a picture's top left corner: a video's duration, a photo's "Original"."""
        p.save()
        p.setFont(font)
        w = p.fontMetrics().horizontalAdvance(label) + 2 * BADGE_PAD
        h = p.fontMetrics().height() + 4
        pill = QRectF(r.left() + BADGE_INSET, r.top() + BADGE_INSET, min(w, r.width() - 2 * BADGE_INSET), h)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(0, 0, 0, 130))
        p.drawRoundedRect(pill, h / 2, h / 2)
        p.setPen(QColor(255, 255, 255))
        p.drawText(pill, Qt.AlignmentFlag.AlignCenter, label)
        p.restore()

    def _draw_audio(self, p: QPainter, block: Block, t: Transfer | None, colors: BubbleColors,
                    footer: QRectF) -> None:
        a, r = block.attachment, block.rect
        fill, ink = colors.accent, colors.background
        if t is not None and t.active:
            parts = audio_transfer_parts(r, self.fonts, footer)
            glyphs.round_button(p, parts.cancel, fill, glyphs.cancel, ink, glyph_scale=0.5)
            glyphs.progress_ring(p, parts.cancel.adjusted(-3, -3, 3, 3), t.fraction, fill,
                                 mix(fill, colors.background, 0.7))
            self._draw_bar(p, parts.bar, t.fraction, fill, mix(colors.muted, colors.background, 0.6))
            self._draw_progress_lines(p, parts.detail, parts.rate, t, colors.muted)
            return
        playing, fraction, position = self.playback.state(a.blob) if self.playback else (False, 0.0, 0)
        button = QRectF(r.left(), r.top() + (r.height() - 40) / 2, 40, 40)
        glyphs.round_button(p, button, fill, glyphs.pause if playing else glyphs.play, ink, glyph_scale=0.55)
        bars = _waveform(a.blob, 34)
        left, right = button.right() + 12, r.right()
        step = (right - left) / len(bars)
        mid = r.top() + r.height() * 0.42
        p.save()
        p.setPen(Qt.PenStyle.NoPen)
        for i, level in enumerate(bars):
            played = (i + 0.5) / len(bars) <= fraction
            p.setBrush(colors.accent if played else mix(colors.muted, colors.background, 0.25))
            h = 4 + level * 20
            p.drawRoundedRect(QRectF(left + i * step, mid - h / 2, max(2.0, step * 0.55), h), 1.2, 1.2)
        p.setFont(self.fonts.small)
        p.setPen(colors.muted)
        label = human_duration(position) if playing or position else human_duration(a.duration_ms)
        p.drawText(QRectF(left, mid + 13, right - left, self.fonts.small_metrics.height()), Qt.AlignmentFlag.AlignLeft,
                   label)
        pill = audio_speed_rect(r, self.fonts, a)
        if pill.right() < (footer.left() - 6 if footer.top() < pill.bottom() else right):
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(mix(colors.muted, colors.background, 0.8))
            p.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
            p.setPen(colors.muted)
            speed = self.playback.speed if self.playback else 1.0
            p.drawText(pill, Qt.AlignmentFlag.AlignCenter, speed_label(speed))
        p.restore()

    def _draw_file(self, p: QPainter, block: Block, t: Transfer | None, colors: BubbleColors, cached: bool,
                   palette: QPalette) -> None:
        a, r = block.attachment, block.rect
        moving = t is not None and t.active
        parts = file_parts(r, self.fonts, moving=moving)
        icon = parts.icon
        paper = mix(colors.background, colors.text, 0.10) if not is_dark(palette) else mix(colors.background,
                                                                                            colors.text, 0.2)
        accent = QColor("#e5484d") if file_extension(a.name, a.mime) == "PDF" else colors.accent
        if colors.accent == colors.text:  # own bubble: keep the label readable on the highlight colour
            accent = mix(accent, QColor(0, 0, 0), 0.15)
        glyphs.file_icon(p, icon, file_extension(a.name, a.mime), paper, colors.text, accent)
        if parts.cancel is not None:
            glyphs.round_button(p, parts.cancel, mix(colors.accent, colors.background, 0.12), glyphs.cancel,
                                colors.background, glyph_scale=0.5)
        elif not cached:
            badge = QRectF(icon.right() - 12, icon.bottom() - 14, 20, 20)
            glyphs.round_button(p, badge, colors.accent, glyphs.download, colors.background, glyph_scale=0.75)
        p.save()
        p.setFont(self.fonts.body)
        p.setPen(colors.text)
        name = p.fontMetrics().elidedText(a.name, Qt.TextElideMode.ElideMiddle, round(parts.name.width()))
        p.drawText(parts.name, Qt.AlignmentFlag.AlignLeft | (
            Qt.AlignmentFlag.AlignVCenter if moving else Qt.AlignmentFlag.AlignBottom), name)
        p.restore()
        if t is not None and moving and parts.bar is not None and parts.rate is not None:
            self._draw_bar(p, parts.bar, t.fraction, colors.accent, mix(colors.muted, colors.background, 0.6))
            self._draw_progress_lines(p, parts.detail, parts.rate, t, colors.muted)
            return
        p.save()
        p.setFont(self.fonts.small)
        caption = file_caption(a)
        line = parts.detail
        p.setPen(colors.muted)
        p.drawText(line, Qt.AlignmentFlag.AlignLeft, caption)
        x = line.left() + p.fontMetrics().horizontalAdvance(caption) + 12
        baseline = line.top() + p.fontMetrics().ascent()
        p.setFont(self.fonts.bold_small)
        p.setPen(colors.accent)
        for _, label in file_links(a, cached, t):
            p.drawText(QPointF(x, baseline), label)
            x += p.fontMetrics().horizontalAdvance(label) + 14
        p.restore()

    def _draw_text(self, p: QPainter, lay: RowLayout, colors: BubbleColors) -> None:
        assert lay.text_doc is not None and lay.text_rect is not None
        p.save()
        p.translate(lay.text_rect.topLeft())
        ctx = QAbstractTextDocumentLayout.PaintContext()
        ctx.palette.setColor(QPalette.ColorRole.Text, colors.text)
        lay.text_doc.documentLayout().draw(p, ctx)
        p.restore()

    def _draw_footer(self, p: QPainter, lay: RowLayout, m: Message, colors: BubbleColors, palette: QPalette) -> None:
        f = lay.footer_rect
        p.save()
        p.setFont(self.fonts.small)
        fm = p.fontMetrics()
        ink = colors.muted
        if lay.footer_overlay:
            pill = f.adjusted(-7, -2, 7, 2)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(0, 0, 0, 120))
            p.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
            ink = QColor(255, 255, 255, 235)
        x = f.left()
        baseline = f.top() + fm.ascent()
        if m.state == "failed":
            red = error_color(palette) if not lay.own else QColor(255, 225, 222)
            p.setPen(red)
            p.drawText(QPointF(x, baseline), "Not sent · ")
            x += fm.horizontalAdvance("Not sent · ")
            font = scaled_font(self.fonts.small, 1.0, bold=True)
            font.setUnderline(True)
            p.setFont(font)
            p.drawText(QPointF(x, baseline), "Retry")
            p.setFont(self.fonts.small)
            x += fm.horizontalAdvance("Retry") + 8
        p.setPen(ink)
        time_text = clock_time(m.created_at)
        p.drawText(QPointF(x, baseline), time_text)
        x += fm.horizontalAdvance(time_text) + 4
        if lay.own:
            glyph_rect = QRectF(x, f.top() + (f.height() - 13) / 2, 13, 13)
            if m.state == "pending":
                glyphs.clock(p, glyph_rect, ink)
            elif m.state == "sent":
                glyphs.check(p, glyph_rect.adjusted(-1, -1, 2, 1), ink)
            else:
                glyphs.alert(p, glyph_rect, error_color(palette))
        p.restore()


def _fit(fm: QFontMetrics, text: str, width: float) -> str:
    """``text``, elided at the end only when it is wider than ``width`` (Qt elides a text of exactly that width)."""
    return text if fm.horizontalAdvance(text) <= width else fm.elidedText(text, Qt.TextElideMode.ElideRight,
                                                                         math.floor(width))


def _waveform(sha: str, count: int) -> list[float]:
    """Stable pseudo-levels for a voice note's bars (the bytes' hash, not the audio: cheap and constant)."""
    digest = hashlib.sha256(sha.encode()).digest()
    levels = []
    for i in range(count):
        byte = digest[i % len(digest)] ^ (i * 37 & 255)
        shape = 0.55 + 0.45 * abs((i / count) * 2 - 1)
        levels.append(min(1.0, (byte / 255) * (1.2 - shape * 0.5)))
    return levels
