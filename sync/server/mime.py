"""The server's view of a blob's type: sniffed from its bytes by the shared media pipeline."""

from __future__ import annotations

from pathlib import Path

from sync.media.pipeline import sniff_magic

MEDIA_KINDS = ("image", "video", "audio")


def sniff_mime(path: Path) -> str:
    """The MIME type of a file by its magic numbers (no decoder runs in the server); octet-stream if unreadable."""
    try:
        return sniff_magic(path)[1]
    except OSError:
        return "application/octet-stream"


def is_inline(mime: str) -> bool:
    """Whether a browser may show the type in place (media); everything else downloads."""
    return mime.split("/")[0] in MEDIA_KINDS and mime not in {"image/svg+xml"}
