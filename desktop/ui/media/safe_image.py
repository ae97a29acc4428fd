"""The one rule for decoding pictures another person chose: allow-listed formats, judged by content, bounded.

A member of a conversation picks every byte of the thumbnails and photos the other members' apps
decode. Qt would hand a file to whichever of its plugins claims it (TIFF, SVG, XPM, PDF, TGA, ICO…),
so here the bytes' magic numbers (``sync.media.sniff``) pick the format, the reader is pinned to that
one plugin, the header's size is checked before any pixel is decoded, and Qt's allocation limit
backs that up. Callers run ``decode`` off the GUI thread and show the blurhash or a file bubble when
it raises ``UnsafeImage``.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageOps
from PySide6.QtCore import QFile, QIODevice, QSize
from PySide6.QtGui import QImage, QImageIOHandler, QImageReader

from sync.media.image import open_image
from sync.media.pipeline import DEFAULT_MAX_PIXELS
from sync.media.sniff import SNIFF_BYTES, regular_file_size, sniff_bytes
from sync.media.types import MediaError, pixels_phrase

QT_FORMATS: dict[str, bytes] = {"image/jpeg": b"jpeg", "image/png": b"png", "image/gif": b"gif",
                                "image/webp": b"webp"}
"""Sniffed type → the only Qt plugin that may read it."""
PILLOW_FORMATS = frozenset({"image/heic", "image/heif"})
"""Qt has no HEIF plugin; Pillow opens these with only the pillow-heif plugin (``sync.media.image``)."""
ALLOWED = frozenset(QT_FORMATS) | PILLOW_FORMATS
MAX_PIXELS = DEFAULT_MAX_PIXELS
"""100 megapixels, checked from the header before decoding. Envelope's own pipeline refuses to make a
photo or thumbnail from anything larger, so no honest sender's picture goes over it, and it is above
every camera's output; a bomb (a small PNG whose header says 50000×50000) is refused unread."""
ALLOCATION_LIMIT_MB = 400
"""Qt refuses any image buffer above this: 100 megapixels × 4 bytes (ARGB32) is 381 MiB. A second line
behind MAX_PIXELS (a plugin that decodes something else than its header said, a frame of another size)."""


class UnsafeImage(MediaError):
    """The picture is not decoded: not an allowed format, too large, or damaged (a sentence for the user)."""


def sniffed_type(path: Path) -> str:
    """The file's MIME type from its first bytes (never its name). Raises OSError."""
    regular_file_size(path)
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    return sniff_bytes(head, whole=len(head) < SNIFF_BYTES).mime


def decode(path: Path, cover: QSize | None = None) -> QImage:
    """Decode a received picture, upright (EXIF orientation), at most scaled down to ``cover`` it.

    Blocking and memory-hungry: call it off the GUI thread. Raises UnsafeImage with a sentence.
    """
    try:
        mime = sniffed_type(path)
    except OSError as exc:
        raise UnsafeImage("This picture can't be read from the disk.") from exc
    if mime not in ALLOWED:
        raise UnsafeImage("Envelope shows only JPEG, PNG, WebP, GIF and HEIC pictures; "
                          "this one can still be saved or opened with another app.")
    if mime in PILLOW_FORMATS:
        return _decode_with_pillow(path, mime, cover)
    file = QFile(str(path))
    if not file.open(QIODevice.OpenModeFlag.ReadOnly):
        raise UnsafeImage("This picture can't be read from the disk.")
    try:
        return _decode_with_qt(file, QT_FORMATS[mime], cover)
    finally:
        file.close()


def _decode_with_qt(file: QFile, fmt: bytes, cover: QSize | None) -> QImage:
    reader = QImageReader(file, fmt)
    reader.setAutoDetectImageFormat(False)  # only the plugin for the sniffed format, never a guess
    reader.setDecideFormatFromContent(False)
    reader.setFormat(fmt)
    reader.setAllocationLimit(ALLOCATION_LIMIT_MB)
    reader.setAutoTransform(True)
    source = reader.size()
    if not source.isValid() or source.isEmpty():
        raise UnsafeImage(f"This picture is damaged ({reader.errorString()}).")
    _check_pixels(source.width(), source.height())
    rotated = bool(reader.transformation() & QImageIOHandler.Transformation.TransformationRotate90)
    upright = source.transposed() if rotated else source
    if cover is not None and not cover.isEmpty():
        scale = max(cover.width() / upright.width(), cover.height() / upright.height())
        if scale < 1.0:
            scaled = QSize(max(1, round(upright.width() * scale)), max(1, round(upright.height() * scale)))
            reader.setScaledSize(scaled.transposed() if rotated else scaled)
    image = reader.read()
    if image.isNull():
        raise UnsafeImage(f"This picture can't be shown ({reader.errorString()}).")
    return image


def _decode_with_pillow(path: Path, mime: str, cover: QSize | None) -> QImage:
    try:
        with open_image(path, mime, max_pixels=MAX_PIXELS) as im:
            im.load()
            picture = ImageOps.exif_transpose(im).convert("RGBA")
    except MediaError as exc:
        raise UnsafeImage(str(exc)) from exc
    if cover is not None and not cover.isEmpty():
        scale = max(cover.width() / picture.width, cover.height() / picture.height)
        if scale < 1.0:
            size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
            picture = picture.resize(size, Image.Resampling.BICUBIC)
    data = picture.tobytes()
    return QImage(data, picture.width, picture.height, picture.width * 4, QImage.Format.Format_RGBA8888).copy()


def _check_pixels(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise UnsafeImage(f"This picture is too large to show here ({pixels_phrase(width * height)}; "
                          f"the limit is {pixels_phrase(MAX_PIXELS)}).")
