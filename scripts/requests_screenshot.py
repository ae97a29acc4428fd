"""Make docs/requests.png: bob's window with a request from a stranger open (Xvfb or offscreen).

    xvfb-run -a .venv/bin/python scripts/requests_screenshot.py docs/requests.png

alice and bob already talk; dave, whom bob never talked to, starts a conversation with a text and
a photo. The picture shows the Requests list and dave's request with its bar; the photo is its
blurred placeholder, because nothing of a request is downloaded.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtGui import QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from desktop.core.engine import Engine  # noqa: E402
from desktop.ui.bridge import EngineBridge  # noqa: E402
from desktop.ui.main_window import MainWindow  # noqa: E402
from desktop.ui.startup.demo import SAMPLES  # noqa: E402
from desktop.ui.startup.screenshot import compose  # noqa: E402
from scripts.scene import wait  # noqa: E402
from sync.server.config import ServerConfig  # noqa: E402
from sync.server.runner import EmbeddedServer  # noqa: E402

PASSWORD = "password123"



def settle(app: QApplication) -> None:
    """Let the timeline lay out and the placeholders paint."""
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        app.processEvents()


class _Shot(QWidget):
    """A grab already taken, for ``compose``."""

    def __init__(self, pixmap: QPixmap) -> None:
        super().__init__()
        self.pixmap = pixmap

    def grab(self, *_args: object) -> QPixmap:  # type: ignore[override]
        return self.pixmap


def main(target: Path) -> int:
    app = QApplication(sys.argv[:1])
    root = Path(tempfile.mkdtemp(prefix="envelope-requests-"))
    server = EmbeddedServer(ServerConfig(data_dir=root / "server")).start()
    engines = {}
    for name in ("alice", "bob", "dave"):
        engines[name] = Engine(root / name, long_poll_s=1).start()
        engines[name].sign_up(server.url, name, PASSWORD)
    alice, bob, dave = engines["alice"], engines["bob"], engines["dave"]
    chat = alice.create_conversation("", ["bob"])
    bob.accept_request(chat)
    alice.send(chat, "Are we still on for the coast this weekend?")
    bob.send(chat, "Yes! Leaving at nine")
    spam = dave.create_conversation("", ["bob"])
    dave.send(spam, "Hi Bob, I found your camera bag on the 8:15 train. Is this yours?",
              [SAMPLES / "photos/coffee_with_gps.jpg"])
    dave.send(spam, "I can leave it at the station's lost and found.")
    bridge = EngineBridge(bob)
    window = MainWindow(bridge)
    window.resize(820, 600)
    window.show()
    wait(app, lambda: len(bob.db.messages.page(spam)) == 2 and len(bob.db.messages.page(chat)) == 2)
    wait(app, lambda: window.show_conversation_if_listed(chat))
    wait(app, lambda: window.lists.row.isVisible() and window.conversation.model is not None
         and window.conversation.model.rowCount() == 2)
    settle(app)
    before = window.grab()  # the chats, with the Requests row on top
    wait(app, lambda: window.show_conversation_if_listed(spam))
    wait(app, lambda: window.conversation.is_request() and window.conversation.model is not None
         and window.conversation.model.rowCount() == 2)
    settle(app)
    compose([_Shot(before), _Shot(window.grab())]).save(str(target))
    bridge.close()
    for engine in engines.values():
        engine.stop()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/requests.png")))
