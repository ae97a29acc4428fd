"""A safe Content-Disposition header for any filename a user gave us."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

MAX_NAME = 200


def clean_filename(name: str, fallback: str = "file") -> str:
    """Drop path parts, control and bidi-override characters; cap the length; keep the extension."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Zl", "Zp"})
    name = name.strip().strip(".") or fallback
    if len(name) > MAX_NAME:
        _stem, dot, ext = name.rpartition(".")
        ext = ext if dot and len(ext) <= 16 else ""
        name = name[: MAX_NAME - len(ext) - 1].rstrip() + ("." + ext if ext else "")
    return name


def content_disposition(name: str, *, inline: bool) -> str:
    """``inline``/``attachment`` with an ASCII fallback and an RFC 5987 UTF-8 name."""
    cleaned = clean_filename(name)
    ascii_name = "".join(ch if 0x20 <= ord(ch) < 0x7F and ch not in '"\\;%' else "_" for ch in cleaned)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(cleaned, safe='')}"
