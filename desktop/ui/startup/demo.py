"""``--demo``: a built-in server, alice and bob side by side in one conversation full of sample media."""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QGuiApplication

from desktop.core.engine import Engine
from desktop.ui.bridge import EngineBridge
from desktop.ui.main_window import MainWindow
from sync.client import SyncClient
from sync.server.config import ServerConfig
from sync.server.runner import EmbeddedServer

log = logging.getLogger(__name__)
SAMPLES = Path(__file__).resolve().parents[1] / "assets" / "samples"
PASSWORD = "envelope-demo"

# (sender, text, files): the conversation between alice and bob, in order; several files make one album.
SCRIPT: list[tuple[str, str, list[str]]] = [
    ("bob", "Hey! How was the trip?", []),
    ("alice", "Coffee before the drive home (location stripped, don't worry)", ["photos/coffee_with_gps.jpg"]),
    ("bob", "Chelsea says hi", ["photos/chelsea.png"]),
    ("bob", "Here's the vet's report, all good", ["files/chelsea.pdf"]),
    ("bob", "", ["audio/voice_note.m4a"]),
    ("alice", "And we made it to the launch!", ["photos/portrait_exif6.jpg"]),
    ("alice", "The Hubble exhibit afterwards", ["video/hubble_pan.mp4"]),
    ("bob", "Wow. Send me the rest?", []),
    ("alice", "A few more from the day", ["photos/hubble_deep_field.jpg", "photos/portrait_exif6.jpg",
                                         "video/hubble_pan.mp4", "photos/coffee_with_gps.jpg"]),
    ("alice", "All of them are here: https://example.org/trip", []),
]
CLUB_SCRIPT: list[tuple[str, str, list[str]]] = [
    ("bob", "The deep field print is ready", ["photos/hubble_deep_field.jpg"]),
    ("alice", "Framing it this weekend", []),
]


@dataclass
class DemoUser:
    name: str
    engine: Engine
    bridge: EngineBridge
    window: MainWindow | None = None


class Demo:
    """Everything ``--demo`` runs; ``stop()`` it on the way out (temp dirs go with it)."""

    def __init__(self, *, long_poll_s: float = 25.0) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="envelope-demo-")
        root = Path(self._tmp.name)
        self.server = EmbeddedServer(ServerConfig(data_dir=root / "server")).start()
        engines = {name: Engine(root / name, long_poll_s=long_poll_s).start() for name in ("alice", "bob")}
        self.club_id = self.chat_id = ""
        setup = threading.Thread(target=self._set_up, args=(engines,), name="envelope-demo-setup")
        setup.start()  # accounts and conversations, off the GUI thread (which never writes the database)
        setup.join()
        if not self.chat_id:
            for engine in engines.values():
                engine.stop()
            self.server.stop()
            self._tmp.cleanup()
            raise RuntimeError("the demo could not set up its accounts and conversations (see the log)")
        self.users = {name: DemoUser(name, engine, EngineBridge(engine)) for name, engine in engines.items()}
        self.expected = {self.chat_id: len(SCRIPT), self.club_id: len(CLUB_SCRIPT)}
        self.seeded = threading.Event()
        self.failed = ""
        self._thread = threading.Thread(target=self._seed, name="envelope-demo-seed", daemon=True)

    def _set_up(self, engines: dict[str, Engine]) -> None:
        try:
            for name, engine in engines.items():
                engine.sign_up(self.server.url, name, PASSWORD)
            SyncClient(self.server.url).create_account("carol", PASSWORD)
            self.club_id = engines["alice"].create_conversation("Photo club", ["bob", "carol"])
            engines["bob"].accept_request(self.club_id)  # so alice's chat below is no request
            self.chat_id = engines["alice"].create_conversation("", ["bob"])
        except Exception:
            log.exception("demo set-up failed")

    def show_windows(self, size: tuple[int, int] | None = None) -> list[MainWindow]:
        """Open alice's and bob's windows side by side and start filling the conversation."""
        screen = QGuiApplication.primaryScreen().availableGeometry()
        width = min(940, max(720, screen.width() // 2 - 12))
        height = min(760, max(600, screen.height() - 60))
        if size is not None:
            width, height = size
        windows = []
        for i, user in enumerate(self.users.values()):
            user.window = MainWindow(user.bridge)
            user.window.resize(width, height)
            user.window.move(screen.left() + i * (width + 12), screen.top() + 20)
            user.window.show()
            windows.append(user.window)
        self._thread.start()
        return windows

    def _wait_sent(self, engine: Engine, message_id: int, timeout: float = 60.0) -> int:
        """The message's seq once the server has it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = engine.db.messages.get(message_id)
            if message is not None and message.state == "sent" and message.seq is not None:
                return message.seq
            time.sleep(0.02)
        raise TimeoutError("a demo message was not delivered in time")

    def _seed(self) -> None:
        try:
            for conversation_id, script in ((self.club_id, CLUB_SCRIPT), (self.chat_id, SCRIPT)):
                seen = 0  # the seq of the script's latest message
                for sender, text, files in script:
                    engine = self.users[sender].engine
                    if seen:  # whoever writes next has read what came before, as a person replying has
                        engine.db.conversations.mark_read(conversation_id, seen)
                    message = engine.send(conversation_id, text, [SAMPLES / f for f in files])
                    seen = self._wait_sent(engine, message.id)
        except Exception as exc:  # the demo shows what it managed; the reason goes to the log
            log.exception("demo seeding failed")
            self.failed = str(exc)
        self.seeded.set()

    def ready(self) -> bool:
        """Seeded, delivered to both sides, shown in both windows with every thumbnail in sight painted."""
        if not self.seeded.is_set():
            return False
        for user in self.users.values():
            window = user.window
            if window is None:
                return False
            model = window.conversation.model
            if window.conversation.conversation_id != self.chat_id or model is None:
                window.show_conversation_if_listed(self.chat_id)
                return False
            if model.rowCount() < self.expected[self.chat_id]:
                return False
            if any(model.message_at(r).state != "sent" for r in range(model.rowCount())):
                return False
            if not window.conversation.timeline.media_painted():
                return False
        return True

    def stop(self) -> None:
        for user in self.users.values():
            if user.window is not None:
                user.window.close()
        self._thread.join(timeout=10)
        for user in self.users.values():
            user.bridge.stop(10_000)
        self.server.stop()
        self._tmp.cleanup()
