"""File names that came from another person: cleaned so they are safe to show, send in a header, or save."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

MAX_NAME = 200
MAX_NAME_BYTES = 200
"""UTF-8 bytes: file systems allow 255, and a temp name beside the file needs some room."""
# Names Windows gives to devices, with any extension ("CON.txt" is the console too); a saved file
# may end up on a shared or USB disk read there.
_RESERVED = re.compile(r"(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])", re.IGNORECASE)
_DROPPED = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def clean_filename(name: str, fallback: str = "file") -> str:
    """The last path part, without control, format (bidi), unassigned or surrogate characters.

    Leading and trailing dots and spaces go (no hidden files, no ``..``), a Windows device name gets
    a ``_`` in front, and the name is cut to 200 characters / 200 UTF-8 bytes with its extension kept.
    The result is never empty, never a path, and never ``.`` or ``..``.
    """
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _DROPPED)
    while (stripped := name.strip().strip(".")) != name:
        name = stripped
    name = name or fallback
    if _RESERVED.fullmatch(name.split(".", 1)[0].rstrip()):
        name = "_" + name
    if len(name) > MAX_NAME or len(name.encode()) > MAX_NAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        ext = "." + ext if dot and stem and len(ext) <= 16 else ""
        stem = name[: len(name) - len(ext)]
        room = MAX_NAME - len(ext)
        while len(stem) > room or len((stem + ext).encode()) > MAX_NAME_BYTES:
            stem = stem[:-1]
        name = stem.rstrip() + ext
    return name


def path_inside(folder: Path, name: str) -> Path:
    """``folder / clean_filename(name)``, checked to resolve inside ``folder`` (a second line of defence).

    Raises:
        ValueError: the path would leave the folder (through a link the folder holds, say).
    """
    target = folder / clean_filename(name)
    if not target.resolve().is_relative_to(folder.resolve()) or target.resolve() == folder.resolve():
        raise ValueError(f"{name!r} would not be saved inside {folder}")
    return target
