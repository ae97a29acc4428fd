"""File names that came from another person: cleaned so they are safe to show, send in a header, or save."""

from __future__ import annotations

import unicodedata

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
