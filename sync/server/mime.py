"""The server's view of a blob's type: sniffed from its first bytes by the shared media pipeline."""

from __future__ import annotations

from sync.media.sniff import SNIFF_BYTES, sniff_bytes

MEDIA_KINDS = ("image", "video", "audio")


def sniff_mime(head: bytes) -> str:
    """The MIME type of a blob by the magic numbers in its first bytes (no decoder runs in the server)."""
    return sniff_bytes(head, whole=len(head) < SNIFF_BYTES).mime


def is_inline(mime: str) -> bool:
    """Whether a browser may show the type in place (media); everything else downloads."""
    return mime.split("/")[0] in MEDIA_KINDS and mime not in {"image/svg+xml"}
