"""A safe Content-Disposition header for any filename a user gave us."""

from __future__ import annotations

from urllib.parse import quote

from sync.filenames import clean_filename


def content_disposition(name: str, *, inline: bool) -> str:
    """``inline``/``attachment`` with an ASCII fallback and an RFC 5987 UTF-8 name."""
    cleaned = clean_filename(name)
    ascii_name = "".join(ch if 0x20 <= ord(ch) < 0x7F and ch not in '"\\;%' else "_" for ch in cleaned)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(cleaned, safe='')}"
