"""Still images: displayed size, thumbnail and blurhash, and photos compressed for sending."""

from __future__ import annotations

import functools
import io
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

import blurhash
from PIL import Image, ImageCms

from sync.media.resize import resize_in_bands
from sync.media.types import (
    EncodedImage,
    MediaInfo,
    MediaTooLarge,
    UnsupportedMedia,
    decoding,
    pixels_phrase,
)

THUMBNAIL_EDGE = 640
THUMBNAIL_QUALITY = 80
BLURHASH_EDGE = 32
BLURHASH_COMPONENTS = (4, 3)

_PIL_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
    "image/heic": "HEIF",
    "image/heif": "HEIF",
    "image/avif": "AVIF",
}
# Formats a compressed send may pass through unchanged when small and free of metadata.
_SENDABLE_AS_IS = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
# Image.info keys that say nothing about the person or place; any other key is metadata to strip.
_PLAIN_INFO = frozenset({
    "adobe", "adobe_transform", "aspect", "background", "chromaticity", "dpi", "duration", "extension",
    "gamma", "icc_profile", "interlace", "jfif", "jfif_density", "jfif_unit", "jfif_version", "loop",
    "progression", "progressive", "srgb", "transparency", "version",
})
_EXIF_ORIENTATION = 0x0112
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# EXIF orientation -> counter-clockwise display rotation (MediaInfo.rotation); mirroring is not shown.
_ROTATION = {1: 0, 2: 0, 3: 180, 4: 180, 5: 90, 6: 270, 7: 270, 8: 90}
_BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")


@functools.cache
def _enable_heif() -> None:
    """Teach Pillow to open HEIC/HEIF, once per process (imported here: the app starts without it)."""
    import pillow_heif

    pillow_heif.register_heif_opener()


@contextmanager
def open_image(path: Path, mime: str, *, max_pixels: int) -> Iterator[Image.Image]:
    """Open `path` with only the Pillow plugin for `mime`, refusing it above `max_pixels`.

    Only the header is read here. Pillow's global MAX_IMAGE_PIXELS is left alone: its warning is
    silenced and our own limit checked from `im.size`; above twice its limit Pillow refuses by itself.

    Raises:
        UnsupportedMedia: no decoder for this image format.
        MediaTooLarge: more than `max_pixels` pixels.
        CorruptMedia: the header can't be parsed.
    """
    pil_format = _pil_format(mime)
    with path.open("rb") as f, decoding("image"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                im = Image.open(f, formats=[pil_format])
        except Image.DecompressionBombError as exc:
            found = _BOMB_PIXELS.search(str(exc))
            raise MediaTooLarge(_too_large(int(found.group(1)) if found else None)) from exc
        with im:
            width, height = im.size
            if width * height > max_pixels:
                raise MediaTooLarge(_too_large(width * height))
            yield im


def _pil_format(mime: str) -> str:
    """The one Pillow plugin allowed to open `mime`, so a file can't pose as another format."""
    pil_format = _PIL_FORMATS.get(mime)
    if pil_format == "HEIF":
        _enable_heif()
    Image.init()
    if pil_format is None or pil_format not in Image.OPEN:
        raise UnsupportedMedia(f"Pictures of type {mime} can't be previewed here; "
                               "this one can still be sent as a file.")
    return pil_format


def probe_image(
    path: Path, mime: str, *, size: int, max_pixels: int, want_thumbnail: bool
) -> tuple[MediaInfo, EncodedImage | None]:
    """Read an image's displayed size, blurhash and (if wanted) thumbnail; GIF/WebP: first frame.

    Raises:
        MediaError: see open_image; CorruptMedia when the pixels can't be decoded.
    """
    with open_image(path, mime, max_pixels=max_pixels) as im, decoding("image"):
        width, height = im.size
        if im.format == "JPEG":
            im.draft(None, fit(im.size, THUMBNAIL_EDGE))  # decode at 1/2, 1/4 or 1/8 scale
        im.load()
        orientation = _orientation(im)
        if orientation in (5, 6, 7, 8):
            width, height = height, width
        icc = _rgb_icc_profile(im)
        picture = im if im.mode in ("RGB", "RGBA", "L", "LA") else _to_rgb(im)
        picture.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE), Image.Resampling.BICUBIC)
        picture = _upright(_to_rgb(picture), orientation)
        info = MediaInfo(
            kind="image", mime=mime, size=size, width=width, height=height,
            rotation=_ROTATION[orientation], blurhash=blurhash_of(picture),
        )
        return info, encode_thumbnail(picture, icc) if want_thumbnail else None


def compress_image(
    path: Path, mime: str, *, max_edge: int, quality: int, max_pixels: int
) -> EncodedImage | None:
    """Re-encode a photo for sending, or return None when its original bytes are fine as they are.

    The result is at most `max_edge` px on the long side, upright, with no EXIF (so no GPS) and no
    XMP, and keeps an RGB ICC profile; JPEG, or PNG when the picture has transparency. Animated
    images are left as they are (None) since re-encoding would drop the animation.

    Raises:
        MediaError: see open_image; CorruptMedia when the pixels can't be decoded.
    """
    with open_image(path, mime, max_pixels=max_pixels) as im, decoding("image"):
        if getattr(im, "is_animated", False):
            return None
        target = fit(im.size, max_edge)
        small_enough = target == im.size
        if im.format == "JPEG":
            im.draft(None, target)
        im.load()
        if small_enough and mime in _SENDABLE_AS_IS and not _has_metadata(im):
            return None
        orientation = _orientation(im)
        icc = _rgb_icc_profile(im)
        picture = _to_rgb(im)
        if picture.size != target:
            picture = resize_in_bands(picture, target)
        picture = _upright(picture, orientation)
        picture.info = {}  # nothing of the source's metadata may ride along
        out = io.BytesIO()
        extra = {"icc_profile": icc} if icc else {}
        if picture.mode == "RGBA":
            picture.save(out, "PNG", **extra)
            return EncodedImage(out.getvalue(), ".png")
        # optimize=True (a second pass for Huffman tables) costs ~12 % of the time for ~10 % of the bytes.
        picture.save(out, "JPEG", quality=quality, **extra)
        return EncodedImage(out.getvalue(), ".jpg")


def encode_thumbnail(picture: Image.Image, icc: bytes | None = None) -> EncodedImage:
    """Encode an RGB picture as JPEG, an RGBA one as WebP (keeps the transparency)."""
    out = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
    if picture.mode == "RGBA":
        picture.save(out, "WEBP", quality=THUMBNAIL_QUALITY, **extra)
        return EncodedImage(out.getvalue(), ".webp")
    picture.convert("RGB").save(out, "JPEG", quality=THUMBNAIL_QUALITY, **extra)
    return EncodedImage(out.getvalue(), ".jpg")


def blurhash_of(picture: Image.Image) -> str:
    """The blurhash (4x3 components) of a picture, computed on a copy at most 32 px wide."""
    small = picture.resize(fit(picture.size, BLURHASH_EDGE), Image.Resampling.BOX)
    if small.mode == "RGBA":
        backdrop = Image.new("RGBA", small.size, (255, 255, 255, 255))
        small = Image.alpha_composite(backdrop, small)
    small = small.convert("RGB")
    width, height = small.size
    data = small.tobytes()
    rows = [[data[i : i + 3] for i in range(y * width * 3, (y + 1) * width * 3, 3)] for y in range(height)]
    return str(blurhash.encode(rows, *BLURHASH_COMPONENTS))


def fit(size: tuple[int, int], edge: int) -> tuple[int, int]:
    """`size` scaled down (never up) so that its long side is at most `edge`."""
    width, height = size
    scale = edge / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


def _orientation(im: Image.Image) -> int:
    """The EXIF orientation (1-8); 1 when absent or unreadable (a broken EXIF is not a broken image)."""
    try:
        value = im.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:  # EXIF parsers raise many types on malformed tags; the pixels are still fine
        return 1
    return value if isinstance(value, int) and value in _ROTATION else 1


def _upright(picture: Image.Image, orientation: int) -> Image.Image:
    method = _UPRIGHT.get(orientation)
    return picture.transpose(method) if method is not None else picture


def _to_rgb(im: Image.Image) -> Image.Image:
    """`im` as RGB, or RGBA when it shows transparency; CMYK goes through its ICC profile if any."""
    if im.has_transparency_data:
        rgba = im if im.mode == "RGBA" else im.convert("RGBA")
        lowest_alpha, _ = cast(tuple[int, int], rgba.getchannel("A").getextrema())
        return rgba if lowest_alpha < 255 else rgba.convert("RGB")  # all opaque: plain RGB
    if im.mode == "RGB":
        return im
    icc = im.info.get("icc_profile")
    if im.mode == "CMYK" and icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            converted = None
        if converted is not None:
            return converted
    return im.convert("RGB")


def _rgb_icc_profile(im: Image.Image) -> bytes | None:
    """The image's ICC profile when it describes RGB (a CMYK or grey one doesn't fit the output)."""
    icc = im.info.get("icc_profile")
    if isinstance(icc, bytes) and icc[16:20] == b"RGB ":
        return icc
    return None


def _has_metadata(im: Image.Image) -> bool:
    """Whether the image carries EXIF, XMP, comments or text chunks that a compressed send drops."""
    return any(key not in _PLAIN_INFO for key in im.info) or len(im.getexif()) > 0


def _too_large(pixels: int | None) -> str:
    size = f" ({pixels_phrase(pixels)})" if pixels else ""
    return f"This image is too large to preview{size}; it can still be sent as a file."
