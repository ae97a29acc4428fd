"""How sizes are written for people: decimal units (1 MB = 1000² bytes) on every screen, as macOS and GNOME do."""

from __future__ import annotations

KB = 1000
MB = 1000**2
GB = 1000**3
TB = 1000**4


def size_text(size: int) -> str:
    """``size`` bytes as a person reads it: "999 bytes", "1.5 KB", "314.6 MB", "5.0 GB"."""
    if size < KB:
        return "1 byte" if size == 1 else f"{size} bytes"
    for unit, factor in (("KB", KB), ("MB", MB), ("GB", GB), ("TB", TB)):
        value = size / factor
        if round(value, 1) < 1000 or unit == "TB":  # 999.96 KB reads "1.0 MB", not "1000.0 KB"
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")
