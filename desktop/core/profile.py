"""A profile's folder: open in one app at a time (a lock), and the server it uses, remembered."""

from __future__ import annotations

import contextlib
from pathlib import Path

from sync.lockfile import FileLock

BUILT_IN = "built-in"
"""The remembered server when it is the built-in one on this computer (its port may change)."""
SERVER_FILE = "server"
CA_FILE = "ca-file"
"""The path of the private CA file (``--ca-file``) this profile verifies its server with, when it has one."""
SYSTEM_STORE = "system"
"""``--ca-file system``: back to the system's trust store."""
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

    # -- the CA that vouches for the server ------------------------------------------------------------
    @property
    def ca_file(self) -> Path | None:
        """The private CA file the profile trusts its server's certificate by, or None (the system store)."""
        with contextlib.suppress(OSError):
            text = (self.data_dir / CA_FILE).read_text().strip()
            if text:
                return Path(text)
        return None

    def remember_ca_file(self, ca_file: str) -> None:
        """Trust the CAs in ``ca_file`` from now on (``SYSTEM_STORE``: the system's store). Raises OSError."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if ca_file.strip() == SYSTEM_STORE:
            (self.data_dir / CA_FILE).unlink(missing_ok=True)
            return
        tmp = self.data_dir / f"{CA_FILE}.tmp"
        tmp.write_text(str(Path(ca_file).expanduser().resolve()) + "\n")
        tmp.replace(self.data_dir / CA_FILE)
