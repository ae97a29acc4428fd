"""Starting a profile: which server it uses (remembered), the built-in server, the engine and its bridge."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from desktop.core.db.records import Account
from desktop.core.engine import Engine
from desktop.core.location import default_data_dir
from desktop.core.profile import BUILT_IN, Profile
from desktop.ui.bridge import EngineBridge
from desktop.ui.startup.built_in import BuiltInServerWatch, started_sentence
from sync.server.built_in import BuiltInServer, ensure_running, saved_port, url_of

log = logging.getLogger(__name__)


def built_in_dir() -> Path:
    """Where the built-in server keeps its data: shared by every profile of this user."""
    return default_data_dir() / "server"


def choose_server(profile: Profile, requested: str | None, account: Account | None, server_dir: Path) -> str:
    """``BUILT_IN`` or a URL: ``--server`` when given (remembered from now on), else what the profile remembers."""
    if requested:
        choice = BUILT_IN if requested.strip().lower() == BUILT_IN else requested.strip().rstrip("/")
    elif profile.server is not None:
        return profile.server
    else:
        choice = _used_before(account, server_dir)
    profile.remember_server(choice)
    return choice


def _used_before(account: Account | None, server_dir: Path) -> str:
    """The server of a profile from before it remembered one: the account's, unless that is the built-in."""
    if account is None or not account.token:
        return BUILT_IN
    port = saved_port(server_dir)
    if port and account.server_url == url_of(port):  # the marker was lost, not the server
        return BUILT_IN
    return account.server_url


@dataclass
class Session:
    """What one window needs: the engine, its bridge, the profile, and the built-in server (if used)."""

    engine: Engine
    bridge: EngineBridge
    profile: Profile
    server_url: str
    built_in: bool
    server: BuiltInServer | None = None
    watch: BuiltInServerWatch | None = None

    @property
    def signed_in(self) -> bool:
        account = self.engine.account
        return account is not None and account.token is not None

    @property
    def greeting(self) -> str:
        """For the status line when the window opens: which server this is and who runs it."""
        return started_sentence(self.server) if self.server is not None else ""

    def remember_account_server(self) -> None:
        """After signing in: a server chosen in the dialog ("Use another server…") becomes the profile's."""
        account = self.engine.account
        if account is not None and account.token and account.server_url != self.server_url:
            self.profile.remember_server(account.server_url)
            self.server_url, self.built_in, self.server = account.server_url, False, None
            if self.watch is not None:
                self.watch.stop()
                self.watch = None

    def stop(self) -> None:
        """Stop the engine (a long-poll in flight is abandoned, not waited for).

        The built-in server keeps running for the other apps; it stops by itself once none uses it.
        """
        if self.watch is not None:
            self.watch.stop()
        self.bridge.stop(10_000)


def open_session(data_dir: Path | None, server_url: str | None, *, server_dir: Path | None = None,
                 long_poll_s: float = 25.0, ca_file: str | None = None,
                 forget_certificate: bool = False) -> Session:
    """Open the profile in ``data_dir`` (default: the user data dir) on its server.

    ``server_url`` (``--server``: a URL, or "built-in") changes the profile's server for good;
    without it the profile uses the one it remembers. The built-in server is started in the
    background when it is not running yet. A token is never sent to a server it was not made by:
    moving to another server signs the profile out, and the sign-in dialog asks for that server.
    ``ca_file`` (``--ca-file``: a PEM file of a private CA, or "system") is remembered likewise;
    ``forget_certificate`` drops the certificate pinned for the server and signs the profile out, so
    the sign-in dialog shows the new certificate's fingerprint to compare. Raises BuiltInServerError
    (an OSError) when the built-in server cannot start, OSError when the profile's folder cannot be
    written.
    """
    data_dir = Path(data_dir or default_data_dir())
    server_dir = server_dir or built_in_dir()
    profile = Profile(data_dir)
    if ca_file is not None:
        profile.remember_ca_file(ca_file)
    engine = Engine(data_dir, long_poll_s=long_poll_s, ca_file=profile.ca_file)
    account = engine.account
    was_built_in = (profile.server or _used_before(account, server_dir)) == BUILT_IN
    choice = choose_server(profile, server_url, account, server_dir)
    server = ensure_running(server_dir) if choice == BUILT_IN else None
    url = server.url if server is not None else choice
    if account is not None and account.token and account.server_url != url:
        if server is not None and was_built_in:
            engine.use_server(url)  # the same built-in server on a new port
        else:
            log.info("the profile moves from %s to %s: sign in there", account.server_url, url)
            engine.sign_out(revoke=False)
    if forget_certificate and engine.forget_certificate(url):
        log.warning("the certificate pinned for %s is forgotten: compare the new one before trusting it", url)
        if engine.account is not None and engine.account.token:
            engine.sign_out(revoke=False)  # the sign-in dialog shows the new fingerprint to compare
    engine.start()
    bridge = EngineBridge(engine)
    watch = BuiltInServerWatch(bridge, server_dir, url) if server is not None else None
    return Session(engine, bridge, profile, url, server is not None, server, watch)
