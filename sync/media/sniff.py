"""Content sniffing: a file's kind and MIME type from its bytes, never from its name."""

from __future__ import annotations

import codecs
import errno
import stat
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from sync.media.types import MediaKind

if TYPE_CHECKING:  # PyAV (FFmpeg) loads when a container is first opened, not with the app (~50 ms)
    import av.container
    from av.video.stream import VideoStream

SNIFF_BYTES = 8192
OCTET_STREAM = "application/octet-stream"

_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"}
_HEIF_BRANDS = {b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
_M4A_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
_3GPP_PREFIXES = (b"3gp", b"3gg", b"3g2")
# Container MIME types and what they become when the container holds sound only.
_AUDIO_ONLY = {
    "video/mp4": "audio/mp4",
    "video/quicktime": "audio/mp4",
    "video/3gpp": "audio/3gpp",
    "video/webm": "audio/webm",
    "video/x-matroska": "audio/x-matroska",
}
# The only FFmpeg demuxer each container type may be opened with (see open_container).
_DEMUXERS = {
    "video/mp4": "mov",
    "video/quicktime": "mov",
    "video/3gpp": "mov",
    "audio/mp4": "mov",
    "video/webm": "matroska",
    "video/x-matroska": "matroska",
    "video/x-msvideo": "avi",
    "video/ogg": "ogg",
    "audio/ogg": "ogg",
    "audio/mpeg": "mp3",
    "audio/aac": "aac",
    "audio/wav": "wav",
    "audio/flac": "flac",
}
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\x1b")


class Sniffed(NamedTuple):
    """The verdict of the magic numbers; `confirm` asks for a look inside the container."""

    kind: MediaKind
    mime: str
    confirm: bool = False


def sniff(path: Path) -> tuple[MediaKind, str]:
    """Return (kind, mime) of the file at `path` from its content.

    Magic numbers decide most formats; MP4/QuickTime/WebM files and bare MPEG audio are opened with
    PyAV (headers only, nothing is decoded) to tell video from audio. Damaged media still gets an
    answer, so it can be sent as a plain file.

    Raises:
        OSError: the file can't be opened or read.
    """
    regular_file_size(path)
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    verdict = sniff_bytes(head, whole=len(head) < SNIFF_BYTES)
    if verdict.confirm:
        return _look_inside(path, verdict)
    return verdict.kind, verdict.mime


def regular_file_size(path: Path) -> int:
    """The size of the regular file at `path`; refuses pipes and devices (reading them could block).

    Raises:
        OSError: missing, unreadable, a directory, or not a regular file.
    """
    info = path.stat()
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
    if not stat.S_ISREG(info.st_mode):
        raise OSError(errno.EINVAL, "Not a regular file", str(path))
    return info.st_size


def sniff_bytes(head: bytes, *, whole: bool) -> Sniffed:
    """Judge the first bytes of a file; `whole` says whether `head` is the entire file."""
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image", "image/jpeg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image", "image/png")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Sniffed("image", "image/gif")
    if head[4:8] == b"ftyp":
        return _sniff_iso_media(head)
    if head.startswith(b"RIFF") and head[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return {
            b"WEBP": Sniffed("image", "image/webp"),
            b"WAVE": Sniffed("audio", "audio/wav"),
            b"AVI ": Sniffed("video", "video/x-msvideo", confirm=True),
        }[head[8:12]]
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        mime = "video/webm" if b"webm" in head[:64] else "video/x-matroska"
        return Sniffed("video", mime, confirm=True)
    if head.startswith(b"OggS"):
        return Sniffed("video", "video/ogg") if b"\x80theora" in head else Sniffed("audio", "audio/ogg")
    if head.startswith(b"fLaC"):
        return Sniffed("audio", "audio/flac")
    if head.startswith(b"ID3"):
        return Sniffed("audio", "audio/mpeg", confirm=True)
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        # An MPEG audio frame sync; only 11 bits, so PyAV must agree before we call it audio.
        layer = (head[1] >> 1) & 0b11
        return Sniffed("audio", "audio/aac" if layer == 0 else "audio/mpeg", confirm=True)
    if b"%PDF-" in head[:1024]:
        return Sniffed("file", "application/pdf")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return Sniffed("file", "application/zip")
    if head and _looks_like_text(head, whole=whole):
        return Sniffed("file", "text/plain")
    return Sniffed("file", OCTET_STREAM)


def _sniff_iso_media(head: bytes) -> Sniffed:
    """ISO base media (MP4, QuickTime, 3GP, HEIF, AVIF): judge by the brands in the ftyp box."""
    box_end = min(int.from_bytes(head[:4], "big"), len(head))
    major = head[8:12]
    brands = {major, *(head[i : i + 4] for i in range(16, box_end - 3, 4))}
    if brands & _AVIF_BRANDS:
        return Sniffed("image", "image/avif")
    if brands & _HEIC_BRANDS:
        return Sniffed("image", "image/heic")
    if brands & _HEIF_BRANDS:
        return Sniffed("image", "image/heif")
    if major in _M4A_BRANDS:
        return Sniffed("audio", "audio/mp4")
    if major == b"qt  ":
        return Sniffed("video", "video/quicktime", confirm=True)
    if major.startswith(_3GPP_PREFIXES):
        return Sniffed("video", "video/3gpp", confirm=True)
    return Sniffed("video", "video/mp4", confirm=True)


def _looks_like_text(head: bytes, *, whole: bool) -> bool:
    """UTF-8 without NULs and with almost no control characters (a cut-off last character is fine)."""
    if b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=whole)
    except UnicodeDecodeError:
        return False
    controls = sum(1 for byte in head if byte < 0x20 and byte not in _TEXT_CONTROLS)
    return controls * 100 <= len(head)


def open_container(path: Path, mime: str) -> av.container.InputContainer:
    """Open `path` with PyAV using only the demuxer its sniffed MIME type names.

    Pinning the demuxer keeps FFmpeg from re-guessing the format: playlist or concat demuxers would
    follow paths and URLs written inside an untrusted file.

    Raises:
        av.FFmpegError: the container can't be parsed.
        OSError: the file can't be read.
    """
    import av

    return av.open(str(path), format=_DEMUXERS.get(mime), metadata_errors="ignore")


def _look_inside(path: Path, verdict: Sniffed) -> tuple[MediaKind, str]:
    """Read the container's headers: video streams make it video, sound alone audio."""
    import av

    try:
        with open_container(path, verdict.mime) as container:
            has_video = any(not is_cover_art(s) for s in container.streams.video)
            has_audio = bool(container.streams.audio)
    except (av.FFmpegError, OSError, UnicodeDecodeError):
        has_video = has_audio = False
    if has_video and verdict.kind == "video":
        return "video", verdict.mime
    if has_audio:
        return "audio", _AUDIO_ONLY.get(verdict.mime, verdict.mime)
    if verdict.kind == "audio":
        return "file", OCTET_STREAM  # a chance frame sync or a bare ID3 tag: not audio after all
    return verdict.kind, verdict.mime  # damaged video: keep the magic numbers' verdict


def is_cover_art(stream: VideoStream) -> bool:
    """An album cover that FFmpeg shows as a one-picture 'video' stream inside an audio file."""
    from av.stream import Disposition

    return bool(stream.disposition & Disposition.attached_pic)
