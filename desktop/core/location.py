"""Where a profile lives on disk, answerable before the engine and its database code have loaded.

The app's start-up asks this first: whether the profile has a database (a returning user, whose window can
paint at once) decides what it shows while the rest loads.
"""

from __future__ import annotations

from pathlib import Path

APP_NAME = "Envelope"
DB_FILENAME = "envelope.db"


def default_data_dir() -> Path:
    """The per-user data directory (``~/.local/share/Envelope`` on Linux); callers may pass another."""
    import platformdirs  # ~10 ms, and not needed when --data-dir names the profile

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def db_path(data_dir: Path) -> Path:
    return Path(data_dir) / DB_FILENAME


def has_database(data_dir: Path) -> bool:
    """Whether this profile has been used before (its database exists): a returning user."""
    return db_path(data_dir).is_file()
