"""User settings (JSON values with defaults) and watched drop folders in the local database."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from desktop.core.db.connection import Connections
from desktop.core.db.records import WatchedFile, WatchedFolder
from desktop.core.errors import UnknownConversation, UnknownSetting
from desktop.core.units import GB, MB

DEFAULT_SETTINGS: dict[str, Any] = {
    "cache_limit_bytes": 5 * GB,  # full media kept before least-recently-used eviction
    "auto_download_max_bytes": 8 * MB,  # images up to this size download without a click
    "compress_photos": True,  # photos are sent at most 2560 px unless sent "as file"
    "notifications": True,
    "voice_speed": 1.0,  # voice notes play at 1×, 1.5× or 2× (the last one chosen)
}


class Settings:
    """Reached as ``LocalDB.settings``. Keys are those of DEFAULT_SETTINGS; values are JSON."""

    def __init__(self, conns: Connections) -> None:
        self._conns = conns

    def get(self, key: str) -> Any:
        """The stored value, else the default; raises UnknownSetting for a key with no default."""
        with self._conns.read() as db:
            rows = list(db.query("SELECT value FROM settings WHERE key = ?", [key]))
        if rows:
            return json.loads(rows[0]["value"])
        if key not in DEFAULT_SETTINGS:
            raise UnknownSetting(key)
        return DEFAULT_SETTINGS[key]

    def set(self, key: str, value: Any) -> None:
        """Store a JSON-serialisable value; raises UnknownSetting, TypeError (not JSON)."""
        if key not in DEFAULT_SETTINGS:
            raise UnknownSetting(key)
        encoded = json.dumps(value)
        with self._conns.write() as db:
            db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, encoded],
            )

    def reset(self, key: str) -> None:
        """Back to the default."""
        with self._conns.write() as db:
            db.execute("DELETE FROM settings WHERE key = ?", [key])

    def all(self) -> dict[str, Any]:
        """Every setting, stored values over defaults."""
        with self._conns.read() as db:
            stored = {r["key"]: json.loads(r["value"]) for r in db.query("SELECT key, value FROM settings")}
        return {**DEFAULT_SETTINGS, **stored}


class WatchedFolders:
    """Reached as ``LocalDB.watched``: drop folders and the files already sent from them.

    A file is identified by its path; it counts as already sent while its size and mtime are
    those recorded, so a restart never sends it twice.
    """

    def __init__(self, conns: Connections, clock: Callable[[], int]) -> None:
        self._conns = conns
        self._clock = clock

    def add_folder(self, path: str, conversation_id: str) -> WatchedFolder:
        """Watch ``path``, sending new files to the conversation; raises UnknownConversation."""
        with self._conns.write() as db:
            if not list(db.query("SELECT 1 FROM conversations WHERE id = ?", [conversation_id])):
                raise UnknownConversation(conversation_id)
            db.execute(
                """INSERT INTO watched_folders (path, conversation_id, created_at) VALUES (?, ?, ?)
                   ON CONFLICT (path) DO UPDATE SET conversation_id = excluded.conversation_id""",
                [path, conversation_id, self._clock()],
            )
        return WatchedFolder(path, conversation_id)

    def remove_folder(self, path: str) -> bool:
        with self._conns.write() as db:
            return db.execute("DELETE FROM watched_folders WHERE path = ?", [path]).rowcount > 0

    def folders(self) -> list[WatchedFolder]:
        with self._conns.read() as db:
            return [WatchedFolder(r["path"], r["conversation_id"])
                    for r in db.query("SELECT path, conversation_id FROM watched_folders ORDER BY path")]

    def file(self, path: str) -> WatchedFile | None:
        with self._conns.read() as db:
            rows = list(db.query("SELECT * FROM watched_files WHERE path = ?", [path]))
        if not rows:
            return None
        r = rows[0]
        return WatchedFile(r["path"], r["size"], r["mtime_ns"], r["sha256"], bool(r["sent"]))

    def already_sent(self, path: str, *, size: int, mtime_ns: int) -> bool:
        """True if this very file (same size and mtime) was sent before."""
        known = self.file(path)
        return known is not None and known.sent and (known.size, known.mtime_ns) == (size, mtime_ns)

    def record_file(
        self, path: str, *, size: int, mtime_ns: int, sha256: str | None = None, sent: bool = False
    ) -> WatchedFile:
        """Remember a file seen in a watched folder (and whether it has been sent)."""
        with self._conns.write() as db:
            db.execute(
                """INSERT INTO watched_files (path, size, mtime_ns, sha256, sent, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,
                       sha256 = excluded.sha256, sent = excluded.sent, updated_at = excluded.updated_at""",
                [path, size, mtime_ns, sha256, int(sent), self._clock()],
            )
        return WatchedFile(path, size, mtime_ns, sha256, sent)
