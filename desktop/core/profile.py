"""A profile's folder: open in one app at a time (a lock), and the server it uses, remembered."""

from __future__ import annotations

import contextlib
from pathlib import Path

from sync.lockfile import FileLock

BUILT_IN = "built-in"
"""The remembered server when it is the built-in one on this computer (its port may change)."""
SERVER_FILE = "server"
LOCK_FILE = "profile.lock"
LEGACY_BUILT_IN_MARKER = "built-in-server"
"""Written by versions that did not remember the server: this profile used the built-in one."""


class Profile:
    """The folder of one person's messages and media (``--data-dir``)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self._lock = FileLock(self.data_dir / LOCK_FILE)

    # -- one app at a time ---------------------------------------------------------------------------
    def lock(self) -> bool:
        """Claim the profile for this process; False when another app has it open. Raises OSError."""
        return self._lock.acquire()

    def unlock(self) -> None:
        self._lock.release()

    # -- the server ----------------------------------------------------------------------------------
    @property
    def server(self) -> str | None:
        """``BUILT_IN``, a server's URL, or None when the profile never chose (or is from before it did)."""
        with contextlib.suppress(OSError):
            text = (self.data_dir / SERVER_FILE).read_text().strip()
            if text:
                return text
        if (self.data_dir / LEGACY_BUILT_IN_MARKER).exists():
            return BUILT_IN
        return None

    def remember_server(self, server: str) -> None:
        """Use ``server`` (``BUILT_IN`` or a URL) from now on, until told otherwise. Raises OSError."""
        value = server if server == BUILT_IN else server.strip().rstrip("/")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.data_dir / f"{SERVER_FILE}.tmp"
        tmp.write_text(value + "\n")
        tmp.replace(self.data_dir / SERVER_FILE)
        (self.data_dir / LEGACY_BUILT_IN_MARKER).unlink(missing_ok=True)
