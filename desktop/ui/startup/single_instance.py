"""One app per profile: the first start holds the profile; a later one asks it to come to the front and leaves."""

from __future__ import annotations

import getpass
import hashlib
import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from desktop.core.profile import Profile

RAISE = b"raise\n"
ANSWER = b"raised\n"


def socket_name(data_dir: Path) -> str:
    """The local socket (a pipe on Windows) of the app that has ``data_dir`` open: one per user and profile."""
    key = f"{getpass.getuser()}\0{Path(data_dir).resolve()}".encode()
    return "envelope-" + hashlib.sha256(key).hexdigest()[:24]


def _ms_left(deadline: float) -> int:
    return max(1, int((deadline - time.monotonic()) * 1000))


class SingleInstance(QObject):
    """The profile's lock (``Profile.lock``) plus a local socket on which the holder hears later starts.

    Signals:
        activation_requested(): another start of this profile asked this app to show its window.
    """

    activation_requested = Signal()

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.profile = Profile(data_dir)
        self.name = socket_name(data_dir)
        self._server: QLocalServer | None = None

    def claim(self) -> bool:
        """Whether this process now has the profile (and listens for later starts). Raises OSError."""
        if not self.profile.lock():
            return False
        QLocalServer.removeServer(self.name)  # left by an app that crashed; the lock says nobody uses it
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.newConnection.connect(self._on_connection)
        if not server.listen(self.name):  # the profile is still ours; only the "come to the front" is lost
            server.deleteLater()
            return True
        self._server = server
        return True

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        self.profile.unlock()

    def ask_holder_to_raise(self, timeout_s: float = 5.0) -> bool:
        """Ask the app that has the profile open to show its window; False when it did not answer in time.

        Blocks (no event loop needed): this is what a second start does before it exits.
        """
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            socket = QLocalSocket()
            socket.connectToServer(self.name)
            if socket.waitForConnected(500):
                socket.write(RAISE)
                socket.waitForBytesWritten(1000)
                answer = b""
                while not answer.endswith(ANSWER) and socket.waitForReadyRead(_ms_left(deadline)):
                    answer += bytes(socket.readAll().data())
                socket.disconnectFromServer()
                return answer.endswith(ANSWER)
            time.sleep(0.1)  # the holder has the lock but is not listening yet (it is just starting)
        return False

    def _on_connection(self) -> None:
        assert self._server is not None
        while (connection := self._server.nextPendingConnection()) is not None:
            connection.disconnected.connect(connection.deleteLater)
            connection.readyRead.connect(lambda c=connection: self._on_ready(c))
            if connection.bytesAvailable():
                self._on_ready(connection)

    def _on_ready(self, connection: QLocalSocket) -> None:
        if not connection.canReadLine():
            return
        if bytes(connection.readLine().data()) == RAISE:
            self.activation_requested.emit()
            connection.write(ANSWER)
            connection.flush()
        connection.disconnectFromServer()
