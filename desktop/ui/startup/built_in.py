"""Keeping the built-in server there for one app, and telling the status line when it starts or starts again."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.ui.bridge import EngineBridge
from sync.server.built_in import IDLE_EXIT_S, BuiltInServer, ensure_running

CHECK_INTERVAL_MS = 60_000
"""Well under the server's idle exit: while an app is open, the server stays."""


def started_sentence(server: BuiltInServer) -> str:
    if server.started:
        return (f"Envelope started its built-in server on this computer (port {server.port}). It keeps running "
                f"while any Envelope is open and stops {IDLE_EXIT_S / 60:.0f} minutes after the last one closes.")
    return (f"Using the built-in server already running on this computer (port {server.port}); "
            "it keeps running when other Envelope windows close.")


def restarted_sentence(server: BuiltInServer) -> str:
    return (f"The built-in server had stopped; Envelope started it again on this computer (port {server.port}). "
            "Waiting messages go out now.")


class BuiltInServerWatch(QObject):
    """Checks the built-in server every minute and as soon as the engine goes offline; starts it if it is gone.

    Each check is also a request, which tells the server that an app still uses it.

    Signals:
        status(sentence): what happened to the built-in server, for the status line.
    """

    status = Signal(str)

    def __init__(self, bridge: EngineBridge, folder: Path, url: str, *, interval_ms: int = CHECK_INTERVAL_MS,
                 idle_exit_s: float = IDLE_EXIT_S, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.folder = folder
        self.url = url
        self.idle_exit_s = idle_exit_s
        self._checking = False
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        bridge.connection_changed.connect(self._on_connection)

    def stop(self) -> None:
        self.timer.stop()
        self.bridge.connection_changed.disconnect(self._on_connection)

    def _on_connection(self, state: str, _detail: str) -> None:
        if state == "offline":
            self.check()

    def check(self) -> None:
        """Make sure the server runs (off the GUI thread); a check already under way covers this one."""
        if self._checking or self.bridge.closed:
            return
        self._checking = True
        folder, idle_exit_s = self.folder, self.idle_exit_s
        self.bridge.read(lambda: ensure_running(folder, idle_exit_s=idle_exit_s), self._checked, self._failed)

    def _checked(self, server: BuiltInServer) -> None:
        self._checking = False
        moved, self.url = server.url != self.url, server.url
        if server.started:
            self.status.emit(restarted_sentence(server))
        engine = self.bridge.engine
        account = engine.account
        if (server.started or moved) and account is not None and account.token:
            self.bridge.run(lambda: engine.use_server(server.url))  # wakes the workers now, not after their backoff

    def _failed(self, sentence: str) -> None:
        self._checking = False
        self.status.emit(sentence)
