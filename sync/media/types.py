"""Values and errors of the media pipeline (see sync.media.pipeline for the functions that make them)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

MediaKind = Literal["image", "video", "audio", "file"]


class MediaError(Exception):
    """A file's media could not be read; the message is a sentence to show to the user.

    Every MediaError leaves the file sendable as a plain file: `sniff` still works on it.
    """


class UnsupportedMedia(MediaError):
    """The format or codec is recognised but can't be decoded on this machine."""


class CorruptMedia(MediaError):
    """The bytes are empty, truncated or damaged, or they made the decoder fail."""


class MediaTooLarge(MediaError):
    """The picture is over the pixel limit (a decompression bomb, or simply huge)."""


class ProbeTimeout(MediaError):
    """Reading the file took longer than the time limit, so it was abandoned."""


@dataclass(frozen=True)
class MediaInfo:
    """What the pipeline learnt about a file; width/height are as displayed (after rotation).

    `rotation` is how far the stored pixels are turned counter-clockwise for display, in degrees
    (0/90/180/270): FFmpeg's display-matrix convention, so PyAV's `set_display_rotation(90)` reads
    back as 90, a phone's portrait video as 270, and EXIF Orientation 6 as 270.
    """

    kind: MediaKind
    mime: str
    size: int
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None
    rotation: int = 0
    blurhash: str | None = None


@dataclass(frozen=True)
class Preview:
    """A file's MediaInfo and, when a directory was given, the thumbnail written into it."""

    info: MediaInfo
    thumbnail: Path | None = None


@dataclass(frozen=True)
class EncodedImage:
    """Encoded image bytes and the file extension that goes with them (".jpg", ".webp", ".png")."""

    data: bytes
    extension: str


def pixels_phrase(pixels: int) -> str:
    """Say a pixel count the way a person would: '2.5 gigapixels', '120 megapixels'."""
    if pixels >= 1_000_000_000:
        return f"{pixels / 1e9:.1f} gigapixels"
    if pixels >= 1_000_000:
        return f"{pixels / 1e6:.0f} megapixels"
    return f"{pixels:,} pixels"


@contextmanager
def decoding(noun: str) -> Iterator[None]:
    """Turn whatever a decoder raises on bad bytes into CorruptMedia (MediaErrors pass through).

    Decoders fed hostile bytes raise every kind of exception (OSError, SyntaxError, ValueError,
    struct.error, IndexError, ...), so the boundary around them catches broadly; the original
    exception stays attached as __cause__ for debugging.

    Raises:
        CorruptMedia: the body raised anything but a MediaError.
        MediaTooLarge: the body ran out of memory.
    """
    try:
        yield
    except MediaError:
        raise
    except MemoryError as exc:
        raise MediaTooLarge(f"This {noun} needs more memory to preview than is available; "
                            "it can still be sent as a file.") from exc
    except Exception as exc:
        raise CorruptMedia(f"This {noun} could not be read; it may be damaged or incomplete. "
                           "It can still be sent as a file.") from exc
