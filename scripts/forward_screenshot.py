"""Make docs/forward.png: bob forwards alice's photo; the picker over his window (Xvfb: it grabs the screen).

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/forward_screenshot.py docs/forward.png

bob has a few chats. alice sent a photo in "Weekend trip"; bob chose Forward… on it, and the picker
lists his chats as the sidebar does, the first one chosen.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop.core.engine import Engine  # noqa: E402
from desktop.ui.bridge import EngineBridge  # noqa: E402
from desktop.ui.dialogs.forward import ForwardDialog, pick_and_forward  # noqa: E402
from desktop.ui.main_window import MainWindow  # noqa: E402
from desktop.ui.startup.demo import SAMPLES  # noqa: E402
from scripts.scene import wait  # noqa: E402
from sync.server.config import ServerConfig  # noqa: E402
from sync.server.runner import EmbeddedServer  # noqa: E402

PASSWORD = "password123"


def settle(app: QApplication, seconds: float = 1.0) -> None:
    """Let the timeline lay out, thumbnails paint and the dialog place itself."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()


def main(target: Path) -> int:
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="envelope-forward-shot-") as tmp:
        root = Path(tmp)
        server = EmbeddedServer(ServerConfig(data_dir=root / "server")).start()
        engines = {}
        for name in ("alice", "bob", "carol", "dave"):
            engines[name] = Engine(root / name, long_poll_s=1).start()
            engines[name].sign_up(server.url, name, PASSWORD)
        alice, bob, carol, dave = engines["alice"], engines["bob"], engines["carol"], engines["dave"]
        club = dave.create_conversation("Book club", ["bob", "carol"])
        dave.send(club, "Next month: The Left Hand of Darkness")
        home = carol.create_conversation("", ["bob"])
        carol.send(home, "Dinner at ours on Sunday?")
        trip = alice.create_conversation("Weekend trip", ["bob"])
        alice.send(trip, "Look what the telescope caught last night", [SAMPLES / "photos/hubble_deep_field.jpg"])
        for cid in (club, home, trip):
            wait(app, lambda cid=cid: bob.db.conversations.get(cid) is not None)
            bob.accept_request(cid)
        bob.send(club, "I'm halfway through, no spoilers!")
        bob.send(home, "Yes please, we'll bring dessert")
        bridge = EngineBridge(bob)
        window = MainWindow(bridge)
        window.resize(1100, 700)
        window.move(40, 40)
        window.show()
        wait(app, lambda: window.show_conversation_if_listed(trip))
        view = window.conversation
        wait(app, lambda: view.model is not None and view.model.rowCount() == 1
             and view.model.message_at(0).attachments != () and view.timeline.media_painted())
        assert view.model is not None
        for cid in (club, home, trip):  # he has read them all
            bob.db.conversations.mark_read(cid)
        bob.conversations_changed()
        dialog = pick_and_forward(bridge, view.model.message_at(0), view)
        wait(app, lambda: isinstance(dialog, ForwardDialog) and dialog.isVisible() and dialog.chats.rowCount() == 3)
        settle(app)
        frame = window.frameGeometry()  # the picker to the right, so alice's photo shows beside it
        dialog.move(frame.right() - dialog.frameGeometry().width() - 40, frame.top() + 70)
        settle(app)
        frame = window.frameGeometry()
        shot = app.primaryScreen().grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
        shot.save(str(target))
        bridge.close()
        for engine in engines.values():
            engine.stop()
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/forward.png")))
