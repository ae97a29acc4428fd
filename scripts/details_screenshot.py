"""Make docs/conversation-details.png: alice's window with a conversation's details open over it (Xvfb or offscreen).

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/details_screenshot.py docs/conversation-details.png

alice, bob, carol and dave are in "Book club"; alice opens Details, where the title can be renamed,
each person but herself has Remove, and Add people… is open with a name typed. The dialog is its own
window, so it is drawn over the main window, centred, as the window manager would place it.
"""

from __future__ import annotations

import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QPoint, QRect  # noqa: E402
from PySide6.QtGui import QColor, QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop.core.engine import Engine  # noqa: E402
from desktop.ui.bridge import EngineBridge  # noqa: E402
from desktop.ui.main_window import MainWindow  # noqa: E402
from scripts.scene import wait  # noqa: E402
from sync.server.config import ServerConfig  # noqa: E402
from sync.server.runner import EmbeddedServer  # noqa: E402

PASSWORD = "password123"
SHADOW_PX = 14


def over(window: QPixmap, dialog: QPixmap) -> QPixmap:
    """The dialog centred over the window, with a soft edge around it."""
    out = QPixmap(window)
    painter = QPainter(out)
    at = QPoint((out.width() - dialog.width()) // 2, (out.height() - dialog.height()) // 2)
    for i in range(SHADOW_PX, 0, -1):
        painter.fillRect(QRect(at, dialog.size()).adjusted(-i, -i + 4, i, i + 4), QColor(0, 0, 0, 5))
    painter.drawPixmap(at, dialog)
    painter.end()
    return out


def main(target: Path) -> int:
    app = QApplication(sys.argv[:1])
    root = Path(tempfile.mkdtemp(prefix="envelope-details-"))
    with ExitStack() as stops:  # whatever happens, everything started stops (last started, first stopped)
        server = EmbeddedServer(ServerConfig(data_dir=root / "server")).start()
        stops.callback(server.stop)
        engines: dict[str, Engine] = {}
        for name in ("alice", "bob", "carol", "dave", "erin"):
            engines[name] = Engine(root / name, long_poll_s=1).start()
            stops.callback(engines[name].stop)
            engines[name].sign_up(server.url, name, PASSWORD)
        alice = engines["alice"]
        club = alice.create_conversation("Book club", ["bob", "carol", "dave"])
        for name in ("bob", "carol", "dave"):
            wait(app, lambda name=name: engines[name].db.conversations.get(club))
            engines[name].accept_request(club)
        alice.send(club, "Next month: The Left Hand of Darkness?")
        wait(app, lambda: alice.db.messages.page(club)[0].state == "sent")
        engines["carol"].send(club, "Yes! I have a copy to lend")
        wait(app, lambda: len(alice.db.messages.page(club)) == 2)
        bridge = EngineBridge(alice)
        stops.callback(bridge.close)
        window = MainWindow(bridge)
        window.resize(1000, 680)
        window.show()
        wait(app, lambda: window.show_conversation_if_listed(club))
        wait(app, lambda: window.conversation.model is not None and window.conversation.model.rowCount() == 2)
        dialog = window.conversation.open_details()
        assert dialog is not None
        dialog.add_button.click()
        dialog.usernames.setText("erin")
        status = window.connection
        wait(app, lambda: dialog.usernames.isVisible() and status.width() >= status.sizeHint().width())
        window.conversation.timeline.executeDelayedItemsLayout()
        over(window.grab(), dialog.grab()).save(str(target))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/conversation-details.png")))
