"""The server's view of a blob's type: sniffed from its first bytes by the shared media pipeline."""

from __future__ import annotations

import re

from sync.media.sniff import SNIFF_BYTES, sniff_bytes

MEDIA_KINDS = ("image", "video", "audio")
_TOKEN = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*$")
_ACTIVE = ("html", "xml", "svg", "script", "xsl")  # a browser may run or render these as a document


def sniff_mime(head: bytes) -> str:
    """The MIME type of a blob by the magic numbers in its first bytes (no decoder runs in the server)."""
    return sniff_bytes(head, whole=len(head) < SNIFF_BYTES).mime


def is_active(mime: str) -> bool:
    """Whether a browser could run the type or render it as a document (HTML, SVG, XML, scripts)."""
    return any(marker in mime.lower() for marker in _ACTIVE)


def is_inline(mime: str) -> bool:
    """Whether a browser may show the type in place: passive media only; everything else downloads."""
    kind, _, subtype = mime.split(";")[0].strip().lower().partition("/")
    return kind in MEDIA_KINDS and bool(_TOKEN.match(subtype)) and not is_active(mime)
