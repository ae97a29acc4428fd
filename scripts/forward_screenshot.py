"""Make docs/forward.png: bob forwards alice's photo; the picker over his window (Xvfb: it grabs the screen).

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/forward_screenshot.py docs/forward.png

bob has a few chats. alice sent a photo in "Weekend trip"; bob chose Forward… on it, and the picker
lists his chats as the sidebar does, the first one chosen.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop.core.engine import Engine  # noqa: E402
from desktop.ui.bridge import EngineBridge  # noqa: E402
from desktop.ui.dialogs.forward import pick_and_forward  # noqa: E402
from desktop.ui.main_window import MainWindow  # noqa: E402
from desktop.ui.startup.demo import SAMPLES  # noqa: E402
from scripts.scene import wait  # noqa: E402
from sync.server.config import ServerConfig  # noqa: E402
from sync.server.runner import EmbeddedServer  # noqa: E402

PASSWORD = "password123"


def chats(app: QApplication, engines: dict[str, Engine]) -> tuple[str, str]:
    """bob in three chats, all read; the ids of the one where alice sent a photo and of carol's."""
    alice, bob, carol, dave = engines.values()
    club = dave.create_conversation("Book club", ["bob", "carol"])
    dave.send(club, "Next month: The Left Hand of Darkness")
    home = carol.create_conversation("", ["bob"])
    carol.send(home, "Dinner at ours on Sunday?")
    trip = alice.create_conversation("Weekend trip", ["bob"])
    alice.send(trip, "Look what the telescope caught last night", [SAMPLES / "photos/hubble_deep_field.jpg"])
    for cid in (club, home, trip):
        wait(app, lambda cid=cid: bob.db.messages.page(cid))
        bob.accept_request(cid)
        bob.db.conversations.mark_read(cid)  # he has read them all
    bob.send(club, "I'm halfway through, no spoilers!")
    return trip, home


@contextmanager
def people(root: Path, names: tuple[str, ...]) -> Iterator[dict[str, Engine]]:
    """A server on loopback and a signed-up engine for each name, all stopped on the way out."""
    server = EmbeddedServer(ServerConfig(data_dir=root / "server")).start()
    engines: dict[str, Engine] = {}
    try:
        for name in names:
            engines[name] = Engine(root / name, long_poll_s=1).start()
            engines[name].sign_up(server.url, name, PASSWORD)
        yield engines
    finally:
        for engine in engines.values():
            engine.stop()
        server.stop()


def main(target: Path) -> None:
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="envelope-forward-shot-") as tmp, \
            people(Path(tmp), ("alice", "bob", "carol", "dave")) as engines:
        trip, home = chats(app, engines)
        bridge = EngineBridge(engines["bob"])
        window = MainWindow(bridge)
        window.resize(1100, 700)
        window.move(40, 40)
        window.show()
        engines["bob"].send(home, "Yes please, we'll bring dessert")  # (the list re-reads itself once shown)
        wait(app, lambda: window.show_conversation_if_listed(trip))
        view = window.conversation
        wait(app, lambda: view.model is not None and view.model.rowCount() == 1 and view.timeline.media_painted())
        assert view.model is not None
        dialog = pick_and_forward(bridge, view.model.message_at(0), view)
        frame = window.frameGeometry()  # the picker on the right, so alice's photo shows beside it
        left = frame.right() - dialog.frameGeometry().width() - 40
        dialog.move(left, frame.top() + 70)
        chats_list = window.conversations
        wait(app, lambda: dialog.isVisible() and dialog.chats.rowCount() == 3 and dialog.x() == left
             and not chats_list.horizontalScrollBar().isVisible())  # the sidebar laid out at its width
        for widget in (window, dialog):
            widget.repaint()
        app.processEvents()
        app.primaryScreen().grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height()).save(str(target))
        bridge.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/forward.png"))
