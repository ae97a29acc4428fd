"""The media pipeline: sniff a file's type, probe its metadata and preview, compress photos for sending.

Everything that decodes untrusted bytes (images, video, audio) runs in a worker process with a
deadline and a pixel limit (see sync.media.worker); `probe` and `compress_for_send` only read magic
numbers in the caller's process, and plain files (PDF, zip, text, ...) never reach a decoder.
`sniff` on its own reads headers only: magic numbers, plus container headers through PyAV with a
pinned demuxer for MP4/QuickTime/WebM/AVI/MP3; it decodes nothing.

Pieces (this package): types (values, errors), sniff (kind and MIME from content), image (Pillow),
video (PyAV), worker (the process pool), probe (the command line).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from sync.media.image import compress_image, probe_image
from sync.media.sniff import SNIFF_BYTES, regular_file_size, sniff, sniff_bytes
from sync.media.types import (
    CorruptMedia,
    EncodedImage,
    MediaError,
    MediaInfo,
    MediaKind,
    MediaTooLarge,
    Preview,
    ProbeTimeout,
    UnsupportedMedia,
)
from sync.media.worker import run_isolated

__all__ = [
    "CorruptMedia",
    "MediaError",
    "MediaInfo",
    "MediaKind",
    "MediaTooLarge",
    "Preview",
    "ProbeTimeout",
    "UnsupportedMedia",
    "compress_for_send",
    "probe",
    "sniff",
    "sniff_magic",
]

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_PIXELS = 100_000_000
CHUNK = 1 << 20
_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp"}


def probe(
    path: Path,
    *,
    thumbnail_dir: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Preview:
    """Describe the file at `path` and, given `thumbnail_dir`, write its thumbnail there.

    Images and videos get width/height (as displayed), rotation, blurhash and a thumbnail of at most
    640 px (named <sha256 of its bytes>.jpg, or .webp with transparency); videos and audio get
    duration_ms. A plain file (kind "file") gets only kind, mime and size.

    Raises:
        CorruptMedia: the file is empty, or its media is damaged or truncated.
        MediaTooLarge: the picture has more than `max_pixels` pixels.
        UnsupportedMedia: no decoder for this format or codec here.
        ProbeTimeout: decoding took longer than `timeout` seconds.
        OSError: the file can't be read (missing, unreadable, not a regular file) or the thumbnail
            can't be written.
        ValueError: `timeout` or `max_pixels` is not positive.
    """
    if timeout <= 0 or max_pixels <= 0:
        raise ValueError("timeout and max_pixels must be positive")
    size = regular_file_size(path)
    if size == 0:
        raise CorruptMedia("This file is empty, so there is nothing to preview; it can still be sent as a file.")
    kind, mime = sniff_magic(path)
    if kind == "file":
        return Preview(MediaInfo(kind=kind, mime=mime, size=size))
    info, thumbnail = run_isolated(
        timeout, _probe_untrusted, path,
        size=size, max_pixels=max_pixels, want_thumbnail=thumbnail_dir is not None,
    )
    if thumbnail is None or thumbnail_dir is None:
        return Preview(info)
    return Preview(info, _store_by_content(thumbnail_dir, [thumbnail.data], thumbnail.extension))


def compress_for_send(
    src: Path,
    dst_dir: Path,
    *,
    max_edge: int = 2560,
    quality: int = 85,
    timeout: float = 30.0,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Path:
    """Make the version of a photo that is sent by default, in `dst_dir`, named by its sha256.

    At most `max_edge` px on the long side, EXIF orientation applied, EXIF (GPS included) and XMP
    dropped, ICC profile kept; JPEG at `quality`, or PNG when the photo has transparency. A photo that
    is already small enough and carries no metadata, and an animated GIF/WebP, keep their original
    bytes. ("Send as file" sends the original bytes instead and doesn't call this.)

    Raises:
        UnsupportedMedia: `src` is not a picture (send it as a file), or its format can't be decoded.
        CorruptMedia, MediaTooLarge, ProbeTimeout: as for `probe`; the photo can still be sent as a file.
        OSError: `src` can't be read or `dst_dir` can't be written.
        ValueError: `max_edge`, `quality`, `timeout` or `max_pixels` is out of range.
    """
    if max_edge < 1 or not 1 <= quality <= 100 or timeout <= 0 or max_pixels <= 0:
        raise ValueError("max_edge, timeout and max_pixels must be positive and quality within 1..100")
    regular_file_size(src)
    kind, mime = sniff_magic(src)
    if kind != "image":
        raise UnsupportedMedia("Only photos can be compressed; this file can be sent as it is.")
    encoded: EncodedImage | None = run_isolated(
        timeout, compress_image, src, mime, max_edge=max_edge, quality=quality, max_pixels=max_pixels,
    )
    if encoded is None:
        return _store_by_content(dst_dir, _read_chunks(src), _EXTENSIONS.get(mime, ""))
    return _store_by_content(dst_dir, [encoded.data], encoded.extension)


def _probe_untrusted(
    path: Path, *, size: int, max_pixels: int, want_thumbnail: bool
) -> tuple[MediaInfo, EncodedImage | None]:
    """The part of `probe` that runs in a worker process: sniff containers, then decode."""
    from sync.media.video import probe_audio, probe_video  # PyAV: loaded in the worker, not with the app

    kind, mime = sniff(path)
    if kind == "image":
        return probe_image(path, mime, size=size, max_pixels=max_pixels, want_thumbnail=want_thumbnail)
    if kind == "video":
        return probe_video(path, mime, size=size, max_pixels=max_pixels, want_thumbnail=want_thumbnail)
    if kind == "audio":
        return probe_audio(path, mime, size=size), None
    return MediaInfo(kind=kind, mime=mime, size=size), None


def sniff_magic(path: Path) -> tuple[MediaKind, str]:
    """Magic numbers only, no decoder, safe on untrusted bytes in any process; raises OSError.

    Enough to route a file and to serve a Content-Type (containers are confirmed in a worker).
    """
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    verdict = sniff_bytes(head, whole=len(head) < SNIFF_BYTES)
    return verdict.kind, verdict.mime


def _read_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


def _store_by_content(directory: Path, chunks: Iterable[bytes], extension: str) -> Path:
    """Write `chunks` to `directory`/<sha256 of them><extension>, atomically (temp file, fsync, rename).

    Raises:
        OSError: the directory can't be created or written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".incoming-", delete=False) as tmp:
        temp_path = Path(tmp.name)
        try:
            for chunk in chunks:
                digest.update(chunk)
                tmp.write(chunk)
            tmp.flush()
            os.fsync(tmp.fileno())
        except BaseException:
            tmp.close()
            temp_path.unlink(missing_ok=True)
            raise
    target = directory / f"{digest.hexdigest()}{extension}"
    try:
        os.replace(temp_path, target)
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise
    return target
