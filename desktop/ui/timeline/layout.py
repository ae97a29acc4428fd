"""Geometry of a timeline row (day separator, sender, bubble, attachment blocks, text, footer) and its hit areas."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial

from PySide6.QtCore import QPointF, QRectF, QSize
from PySide6.QtGui import QFont, QFontMetricsF, QTextDocument

from desktop.core.db.records import Attachment, Message
from desktop.core.sending import is_original
from desktop.core.units import size_text
from desktop.ui.style.theme import file_extension, human_duration
from desktop.ui.timeline import album
from desktop.ui.timeline.text import TextDocs

MARGIN_X = 16
PAD_X, PAD_Y = 12, 8
MEDIA_PAD = 3
BLOCK_GAP = 4
RADIUS = 16
GAP_GROUP, GAP_SAME = 10, 3
DAY_H = 42
MEDIA_MAX_W, MEDIA_MAX_H = 320, 340
MEDIA_MIN_W, MEDIA_MIN_H = 150, 96
AUDIO_W, AUDIO_H = 280, 56
FILE_W, FILE_H = 300, 58
BUBBLE_MAX_W = 520
TEXT_MIN_W = 60
STATUS_W = 16
CANCEL_D = 30  # the × that stops a file's or a voice note's transfer
MEDIA_CANCEL_D = 36  # the × (with its progress ring) on a photo or video
CELL_CANCEL_D = 28  # the same on a small cell of an album
ALBUM_W, ALBUM_MAX_H = 360, 460
CELL_FOR_TIME_H = 90  # an album's last cell at least this tall carries the time; a smaller one has it below
BADGE_INSET, BADGE_PAD = 8, 7  # the "Original" pill: from the picture's corner; text from the pill's ends
VISUAL = ("image", "video")
PICTURES = ("image", "video", "album")
BAR_H = 3


@dataclass(frozen=True)
class Fonts:
    body: QFont
    small: QFont
    bold_small: QFont
    name: QFont

    @cached_property
    def body_metrics(self) -> QFontMetricsF:
        return QFontMetricsF(self.body)

    @cached_property
    def small_metrics(self) -> QFontMetricsF:
        return QFontMetricsF(self.small)

    @cached_property
    def _small_advances(self) -> dict[str, float]:
        return {}

    def small_advance(self, text: str) -> float:
        """``small_metrics.horizontalAdvance(text)``, remembered (footers repeat the same few strings)."""
        advance = self._small_advances.get(text)
        if advance is None:
            if len(self._small_advances) > 5_000:
                self._small_advances.clear()
            advance = self._small_advances[text] = self.small_metrics.horizontalAdvance(text)
        return advance


@dataclass(frozen=True)
class FileParts:
    """Where a file block's pieces go; ``bar``, ``rate`` and ``cancel`` only while its bytes move.

    Idle: the name, then the caption ("21.6 KB · PDF") and its links. Moving: the name, a bar, the
    bytes done of the total, then the speed and time left; the × stands apart on the right.
    """

    icon: QRectF
    name: QRectF
    detail: QRectF
    bar: QRectF | None = None
    rate: QRectF | None = None
    cancel: QRectF | None = None

    def text_rects(self) -> list[QRectF]:
        return [r for r in (self.name, self.detail, self.bar, self.rate) if r is not None]


@dataclass(frozen=True)
class MediaTransferParts:
    """A photo's or video's transfer: a pill top left (bytes; speed and time left), the × top right."""

    info: QRectF
    cancel: QRectF


@dataclass(frozen=True)
class AudioTransferParts:
    """A voice note's transfer: the × in the round button, bytes over a bar, speed and time left below."""

    cancel: QRectF
    detail: QRectF
    bar: QRectF
    rate: QRectF


@dataclass
class Block:
    """One attachment's area in the bubble (coordinates relative to the row)."""

    kind: str
    rect: QRectF
    attachment: Attachment
    cell: bool = False  # a photo or video in an album's grid
    badge: str = ""  # on a photo sent as its original file: "Original · 12 MP · 6.1 MB", shorter where narrow


@dataclass
class Hit:
    """A clickable area: ``action`` is media, play, download, open, save, cancel, retry_send, retry_down."""

    action: str
    rect: QRectF
    sha256: str = ""


@dataclass
class RowLayout:
    size: QSize
    own: bool
    bubble: QRectF
    day_rect: QRectF | None = None
    sender_rect: QRectF | None = None
    blocks: list[Block] = field(default_factory=list)
    text_rect: QRectF | None = None
    text_source: Callable[[], QTextDocument] | None = None  # the laid-out text, built when first painted
    footer_rect: QRectF = field(default_factory=QRectF)
    footer_overlay: bool = False
    album_rect: QRectF | None = None  # an album's grid: its outer corners are the rounded ones
    hits: list[Hit] = field(default_factory=list)

    @property
    def text_doc(self) -> QTextDocument | None:
        return self.text_source() if self.text_source is not None else None

    def hit_at(self, pos: QPointF) -> Hit | None:
        for hit in reversed(self.hits):  # later (smaller, on top) areas win
            if hit.rect.contains(pos):
                return hit
        return None



def media_size(a: Attachment) -> tuple[int, int]:
    """The bubble size of a photo or video: its own aspect ratio, within the box."""
    w, h = a.width or 4, a.height or 3
    scale = min(MEDIA_MAX_W / w, MEDIA_MAX_H / h)
    bw, bh = w * scale, h * scale
    if bw < MEDIA_MIN_W:  # very tall: keep a usable width, crop the middle
        bw = MEDIA_MIN_W
    if bh < MEDIA_MIN_H:  # very wide
        bh = MEDIA_MIN_H
    return round(bw), round(bh)


def footer_width(fonts: Fonts, time_text: str, state: str, own: bool) -> float:
    width = fonts.small_advance(time_text)
    if own:
        width += 4 + STATUS_W
    if state == "failed":
        width += fonts.small_advance("Not sent · Retry") + 8
    return width


def layout_row(
    message: Message, *, own: bool, width: int, fonts: Fonts, docs: TextDocs, link_color: str,
    day_break: str, first_in_group: bool, show_sender: bool, time_text: str, font_key: str = "",
    cached: frozenset[str] = frozenset(), transfers: dict | None = None,
) -> RowLayout:
    """Where everything of one row goes at viewport ``width``; also its clickable areas."""
    transfers = transfers or {}
    small_h = fonts.small_metrics.height()
    max_bubble = max(160, min(BUBBLE_MAX_W, round((width - 2 * MARGIN_X) * 0.78)))
    y = float(GAP_GROUP if first_in_group else GAP_SAME)
    lay = RowLayout(size=QSize(width, 0), own=own, bubble=QRectF())
    if day_break:  # (taller with a large font: the day's pill must fit)
        day_h = max(DAY_H, math.ceil(small_h + 26))
        lay.day_rect = QRectF(0, y, width, day_h)
        y += day_h
    if show_sender:
        lay.sender_rect = QRectF(0, y, 0, small_h + 2)
        y += small_h + 3

    visual = [a for a in message.attachments if a.kind in VISUAL]
    grid = album.mosaic([album.ratio(a.width, a.height) for a in visual],
                        min(ALBUM_W, max_bubble - 2 * MEDIA_PAD), ALBUM_MAX_H) if len(visual) > 1 else None
    sizes: list[tuple[str, Attachment, float, float]] = []
    for a in message.attachments:
        if grid is not None and a.kind in VISUAL:  # the album's photos and videos: one grid, where the first is
            if a is visual[0]:
                sizes.append(("album", a, grid.width, grid.height))
            continue
        if a.kind in VISUAL:
            bw, bh = media_size(a)
        elif a.kind == "audio":
            bw, bh = AUDIO_W, max(AUDIO_H, math.ceil((small_h + 16) / 0.58))  # the length fits under the waves
        else:
            bw, bh = FILE_W, file_block_height(fonts)
        bw = min(bw, max_bubble - 2 * MEDIA_PAD)
        sizes.append((a.kind, a, bw, bh))
    footer_w = footer_width(fonts, time_text, message.state, own)
    body = message.body.strip()
    media_w = max((s[2] for s in sizes), default=0.0)
    if sizes:
        bubble_w = max(media_w + 2 * MEDIA_PAD, footer_w + 2 * PAD_X)
        text_max = round(bubble_w - 2 * PAD_X)
    else:
        text_max = round(max_bubble - 2 * PAD_X)
    text_w = max(TEXT_MIN_W, text_max)
    box = docs.measure(message, fonts.body, text_w, link_color, font_key) if body else None

    inner: list[tuple[str, Attachment, QRectF]] = []
    cy = 0.0
    for i, (kind, a, bw, bh) in enumerate(sizes):
        cy += MEDIA_PAD if i == 0 else BLOCK_GAP
        x = MEDIA_PAD if kind in PICTURES else MEDIA_PAD + PAD_X - MEDIA_PAD
        inner.append((kind, a, QRectF(x, cy, bw - (x - MEDIA_PAD), bh)))
        cy += bh
    text_rect = None
    footer: QRectF
    overlay = False
    if box is not None:
        tw, th = box.width, box.height
        cy += PAD_Y if not sizes else PAD_Y - 1
        text_rect = QRectF(PAD_X, cy, tw, th)
        cy += th
        last_line_w = box.last_line
        content_w = tw if not sizes else bubble_w - 2 * PAD_X
        if last_line_w + 10 + footer_w <= max(content_w, min(text_max, tw + footer_w + 10)):
            content_w = max(content_w, last_line_w + 10 + footer_w)
            footer = QRectF(0, cy - small_h, footer_w, small_h)
        else:
            content_w = max(content_w, footer_w)
            footer = QRectF(0, cy + 1, footer_w, small_h)
            cy += small_h + 1
        if not sizes:
            bubble_w = content_w + 2 * PAD_X
        cy += PAD_Y - 1
    elif sizes and sizes[-1][0] in PICTURES and (grid is None or _time_fits_over(grid.cells[-1], footer_w)):
        overlay = True
        last = inner[-1][2]
        footer = QRectF(0, last.bottom() - small_h - 10, footer_w, small_h)
        cy += MEDIA_PAD
    elif sizes and sizes[-1][0] == "audio":  # beside the duration, under the waveform
        footer = QRectF(0, inner[-1][2].bottom() - small_h - 3, footer_w, small_h)
        cy += PAD_Y - 3
    else:
        cy += 1
        footer = QRectF(0, cy, footer_w, small_h)
        cy += small_h + PAD_Y - 2
        if not sizes:
            bubble_w = footer_w + 2 * PAD_X

    bubble_x = width - MARGIN_X - bubble_w if own else MARGIN_X
    lay.bubble = QRectF(bubble_x, y, bubble_w, max(cy, 30.0))
    if lay.sender_rect is not None:
        lay.sender_rect = QRectF(bubble_x + PAD_X, lay.sender_rect.top(), bubble_w, small_h + 2)
    origin = lay.bubble.topLeft()
    for kind, a, rect in inner:
        if kind in PICTURES:
            rect = QRectF(rect.left(), rect.top(), bubble_w - 2 * MEDIA_PAD, rect.height())
        elif kind in ("audio", "file"):
            rect = QRectF(rect.left(), rect.top(), bubble_w - rect.left() - PAD_X, rect.height())
        if kind == "album" and grid is not None:
            lay.album_rect = rect.translated(origin)
            lay.blocks += _cells(grid, visual, lay.album_rect)
        else:
            lay.blocks.append(Block(kind, rect.translated(origin), a))
    for block in lay.blocks:
        if is_original(block.attachment):
            block.badge = original_badge(block.attachment, fonts, block.rect.width() - 2 * BADGE_INSET)
    if text_rect is not None:
        lay.text_rect = text_rect.translated(origin)
        lay.text_source = partial(docs.get, message, fonts.body, text_w, link_color, font_key)
    right_inset = (PAD_X + 6) if overlay else PAD_X
    lay.footer_rect = QRectF(lay.bubble.right() - right_inset - footer.width(), origin.y() + footer.top(),
                             footer.width(), footer.height())
    lay.footer_overlay = overlay
    lay.size = QSize(width, math.ceil(lay.bubble.bottom()))
    _add_hits(lay, message, fonts, cached, transfers)
    return lay



def _cells(grid: album.Mosaic, attachments: list[Attachment], rect: QRectF) -> list[Block]:
    """The album's cells at ``rect`` (as wide as the bubble lets the grid be: cells stretch to it)."""
    stretch = rect.width() / grid.width if grid.width else 1.0
    return [Block(a.kind, QRectF(rect.left() + c.x * stretch, rect.top() + c.y, c.w * stretch, c.h), a, cell=True)
            for a, c in zip(attachments, grid.cells, strict=True)]


def _time_fits_over(last: album.Cell, footer_w: float) -> bool:
    """Whether the time can sit over an album's last cell, clear of its × (else it goes under the grid)."""
    return last.h >= CELL_FOR_TIME_H and last.w >= footer_w + 2 * (PAD_X + 6)


def original_badge(a: Attachment, fonts: Fonts, room: float) -> str:
    """ "Original · 12 MP · 6.1 MB", or as much of it as fits in ``room`` pixels (at least "Original")."""
    pixels = (a.width or 0) * (a.height or 0) / 1e6
    megapixels = f"{round(pixels)} MP" if pixels >= 9.95 else f"{pixels:.1f} MP"
    parts = ["Original", megapixels, size_text(a.size)]
    while len(parts) > 1 and fonts.small_advance(" · ".join(parts)) + 2 * BADGE_PAD > room:
        parts.pop()
    return " · ".join(parts)


def file_block_height(fonts: Fonts) -> float:
    """Tall enough for the name and, while moving, a bar and two lines of progress."""
    return max(float(FILE_H), math.ceil(fonts.body_metrics.height() + 2 * fonts.small_metrics.height() + BAR_H + 12))


def file_parts(r: QRectF, fonts: Fonts, *, moving: bool) -> FileParts:
    """The pieces of a file block at ``r`` (row coordinates); see FileParts."""
    icon = QRectF(r.left(), r.top() + (r.height() - 44) / 2, 36, 44)
    text_left = r.left() + 52
    small_h = fonts.small_metrics.height()
    if not moving:
        return FileParts(icon, QRectF(text_left, r.top() + 4, r.right() - text_left, r.height() / 2 - 4),
                         QRectF(text_left, r.top() + r.height() / 2 + 3, r.right() - text_left, small_h))
    cancel = QRectF(r.right() - CANCEL_D, r.center().y() - CANCEL_D / 2, CANCEL_D, CANCEL_D)
    width = max(0.0, cancel.left() - 8 - text_left)
    body_h = fonts.body_metrics.height()
    top = r.top() + (r.height() - (body_h + BAR_H + 2 * small_h + 6)) / 2
    name = QRectF(text_left, top, width, body_h)
    bar = QRectF(text_left, name.bottom() + 3, width, BAR_H)
    detail = QRectF(text_left, bar.bottom() + 3, width, small_h)
    rate = QRectF(text_left, detail.bottom(), width, small_h)
    return FileParts(icon, name, detail, bar, rate, cancel)


def media_transfer_parts(r: QRectF, fonts: Fonts, *, cell: bool = False,
                         footer: QRectF | None = None) -> MediaTransferParts:
    """The pieces of a photo's or video's transfer (top of the picture: the footer sits at its foot).

    In an album's ``cell`` the × with its ring sits in the middle, above ``footer`` (the time over the
    cell) when they would meet; the pill shows only where there is room for it above the ×, else
    ``info`` is empty.
    """
    pill_h = 2 * fonts.small_metrics.height() + 8
    if not cell:
        cancel = QRectF(r.right() - 8 - MEDIA_CANCEL_D, r.top() + 8, MEDIA_CANCEL_D, MEDIA_CANCEL_D)
        return MediaTransferParts(QRectF(r.left() + 8, r.top() + 8, max(0.0, cancel.left() - 8 - (r.left() + 8)),
                                         pill_h), cancel)
    d = MEDIA_CANCEL_D if min(r.width(), r.height()) >= 100 else CELL_CANCEL_D
    cancel = QRectF(r.center().x() - d / 2, r.center().y() - d / 2, d, d)
    if footer is not None and footer.adjusted(-7, -6, 7, 2).intersects(cancel):  # the time's pill, and a gap
        cancel.moveBottom(max(r.top() + 4 + d, footer.top() - 6))
    info = QRectF(r.left() + 8, r.top() + 8, r.width() - 16, pill_h)
    if r.width() < 150 or info.bottom() + 4 > cancel.top():
        info = QRectF()
    return MediaTransferParts(info, cancel)


def transfer_parts(lay: RowLayout, block: Block, fonts: Fonts) -> MediaTransferParts:
    """``media_transfer_parts`` of a photo or video block of ``lay``."""
    return media_transfer_parts(block.rect, fonts, cell=block.cell,
                                footer=lay.footer_rect if lay.footer_overlay else None)


def audio_transfer_parts(r: QRectF, fonts: Fonts, footer: QRectF | None = None) -> AudioTransferParts:
    """The pieces of a voice note's transfer; the lines stop short of ``footer`` when it shares their height."""
    cancel = QRectF(r.left(), r.top() + (r.height() - 40) / 2, 40, 40)
    left = cancel.right() + 12
    small_h = fonts.small_metrics.height()
    top = r.top() + (r.height() - (2 * small_h + BAR_H + 6)) / 2
    detail = QRectF(left, top, max(0.0, r.right() - left), small_h)
    bar = QRectF(left, detail.bottom() + 3, detail.width(), BAR_H)
    rate = QRectF(left, bar.bottom() + 3, detail.width(), small_h)
    if footer is not None and footer.top() < rate.bottom() and footer.bottom() > rate.top():
        rate.setRight(max(left, footer.left() - 8))
    return AudioTransferParts(cancel, detail, bar, rate)


def audio_speed_rect(r: QRectF, fonts: Fonts, a: Attachment) -> QRectF:
    """A voice note's speed pill (1× / 1.5× / 2×): after its duration, under the waveform."""
    fm = fonts.small_metrics
    left = r.left() + 40 + 12
    mid = r.top() + r.height() * 0.42
    x = left + max(fm.horizontalAdvance("00:00"), fm.horizontalAdvance(human_duration(a.duration_ms))) + 8
    return QRectF(x, mid + 12, fm.horizontalAdvance("1.5×") + 12, fm.height() + 2)


def file_links(a: Attachment, cached: bool, transfer: object | None) -> list[tuple[str, str]]:
    """The text actions a file block offers now: (action, label); none while it moves (the × stops it)."""
    t = transfer
    if t is not None and getattr(t, "active", False):
        return []
    if t is not None and getattr(t, "error", "") and not getattr(t, "cancelled", False):
        return [("retry_down" if getattr(t, "direction", "") == "down" else "retry_send", "Retry")]
    if cached:
        return [("open", "Open"), ("save", "Save as…")]
    return [("download", "Download")]


def _add_hits(lay: RowLayout, message: Message, fonts: Fonts, cached: frozenset[str], transfers: dict) -> None:
    fm = fonts.small_metrics
    for block in lay.blocks:
        a, r = block.attachment, block.rect
        t = transfers.get(a.blob)
        centre = QRectF(r.center().x() - 24, r.center().y() - 24, 48, 48)
        if block.kind in ("image", "video"):
            lay.hits.append(Hit("media", r, a.blob))
            if t is not None and t.active:
                lay.hits.append(Hit("cancel", transfer_parts(lay, block, fonts).cancel, a.blob))
            elif t is not None and t.error and not t.cancelled and t.direction == "down":
                lay.hits.append(Hit("retry_down", centre, a.blob))
        elif block.kind == "audio":
            lay.hits.append(Hit("media", r, a.blob))
            button = QRectF(r.left(), r.top() + (r.height() - 40) / 2, 40, 40)
            lay.hits.append(Hit("cancel" if t is not None and t.active else "play", button, a.blob))
            if t is None or not t.active:
                lay.hits.append(Hit("speed", audio_speed_rect(r, fonts, a), a.blob))
        else:
            moving = t is not None and t.active
            parts = file_parts(r, fonts, moving=moving)
            is_cached = a.blob in cached
            lay.hits.append(Hit("open" if is_cached else "download", r, a.blob))
            x = parts.detail.left() + fm.horizontalAdvance(file_caption(a)) + 12
            for action, label in file_links(a, is_cached, t):
                w = fm.horizontalAdvance(label)
                lay.hits.append(Hit(action, QRectF(x - 3, r.top() + r.height() / 2, w + 6, fm.height() + 6), a.blob))
                x += w + 14
            if parts.cancel is not None:
                lay.hits.append(Hit("cancel", parts.cancel, a.blob))
    if message.state == "failed":
        w = fm.horizontalAdvance("Retry")
        f = lay.footer_rect
        x = f.left() + fm.horizontalAdvance("Not sent · ")
        lay.hits.append(Hit("retry_send", QRectF(x - 4, f.top() - 3, w + 8, f.height() + 6)))


def file_caption(a: Attachment) -> str:
    return f"{size_text(a.size)} · {file_extension(a.name, a.mime)}"
