"""Starting a profile: the built-in sync server (or a remote one), the engine and its bridge."""

from __future__ import annotations

import contextlib
import logging
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from desktop.core.cache import default_data_dir
from desktop.core.engine import Engine
from desktop.ui.bridge import EngineBridge
from sync.server.config import ServerConfig
from sync.server.runner import EmbeddedServer

log = logging.getLogger(__name__)
PORT_FILE = "port"
BUILT_IN_MARKER = "built-in-server"
"""In a profile's data dir: this profile's account lives on the built-in server."""


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def built_in_server(folder: Path) -> tuple[str, EmbeddedServer | None]:
    """The loopback server whose data lives in ``folder``: reuse the one another Envelope runs, else start it.

    The port is kept in ``folder/port`` so accounts made on it stay valid across restarts.
    Returns its URL and the server we started (None when another process runs it).
    """
    folder.mkdir(parents=True, exist_ok=True)
    port_file = folder / PORT_FILE
    saved = 0
    with contextlib.suppress(OSError, ValueError):
        saved = int(port_file.read_text().strip())
    if saved and _healthy(f"http://127.0.0.1:{saved}"):
        return f"http://127.0.0.1:{saved}", None
    config = ServerConfig(data_dir=folder)
    try:
        server = EmbeddedServer(config, port=saved).start() if saved else EmbeddedServer(config).start()
    except (OSError, RuntimeError, SystemExit):
        log.info("port %s is taken; the built-in server moves to another", saved)
        server = EmbeddedServer(config).start()
    port_file.write_text(str(server.port))
    return server.url, server


@dataclass
class Session:
    """What one window needs: the engine, its bridge, and the server we started (if any)."""

    engine: Engine
    bridge: EngineBridge
    server_url: str
    built_in: bool
    server: EmbeddedServer | None = None

    @property
    def signed_in(self) -> bool:
        account = self.engine.account
        return account is not None and account.token is not None

    def stop(self) -> None:
        """Stop the engine (a long-poll in flight is abandoned, not waited for), then our server."""
        self.bridge.stop(10_000)
        if self.server is not None:
            self.server.stop()


def open_session(data_dir: Path | None, server_url: str | None, *, server_dir: Path | None = None,
                 long_poll_s: float = 25.0) -> Session:
    """Open the profile in ``data_dir`` (default: the user data dir) against ``server_url``.

    Without a URL the profile keeps the server it signed in to, unless that was the built-in
    one (or there is no account yet): then the built-in server starts on loopback (or the one
    another Envelope on this computer runs is reused).
    """
    data_dir = data_dir or default_data_dir()
    engine = Engine(data_dir, long_poll_s=long_poll_s)
    account = engine.account
    marker = Path(data_dir) / BUILT_IN_MARKER
    server: EmbeddedServer | None = None
    built_in = False
    if server_url:
        url = server_url.rstrip("/")
        marker.unlink(missing_ok=True)
    elif account is not None and account.token and not marker.exists():
        url = account.server_url
    else:
        url, server = built_in_server(server_dir or default_data_dir() / "server")
        built_in = True
        marker.write_text(url + "\n")
        if account is not None and account.token and account.server_url != url:
            engine.use_server(url)  # same built-in server, new port
    engine.start()
    return Session(engine, EngineBridge(engine), url, built_in, server)
