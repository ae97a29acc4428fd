"""Make docs/transfers.png: alice's window with its Transfers badge, and the transfers panel (Xvfb or offscreen).

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/transfers_screenshot.py docs/transfers.png

alice reaches the server through a slow link (a few MB a second), so her uploads and a download are
still running when the picture is taken: two large uploads and a download with their speed and time
left, one upload queued behind them, one paused half way and one cancelled (failed, with Retry).
"""

from __future__ import annotations

import sys
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop.core.engine import Engine  # noqa: E402
from desktop.ui.bridge import EngineBridge  # noqa: E402
from desktop.ui.main_window import MainWindow  # noqa: E402
from desktop.ui.startup.screenshot import compose  # noqa: E402
from desktop.ui.transfers.model import Roles  # noqa: E402
from scripts.scene import wait  # noqa: E402
from sync.server.config import ServerConfig  # noqa: E402
from sync.server.runner import EmbeddedServer  # noqa: E402
from tests.integration.slow_link import SlowLink  # noqa: E402
from tests.integration.test_lanes import big_file  # noqa: E402

PASSWORD = "password123"
MB = 1024 * 1024


def transfers_under_way(app: QApplication, alice: Engine, bob: Engine, files: Path) -> None:
    """alice: one upload paused half way, one cancelled, two running and one queued, and a download."""
    chat = alice.create_conversation("", ["bob"])
    trip = alice.create_conversation("Weekend trip", ["bob"])
    for cid in (chat, trip):
        wait(app, partial(bob.db.conversations.get, cid))
        bob.accept_request(cid)

    def send(cid: str, name: str, size: int) -> str:
        return alice.send(cid, "", [big_file(files / name, size)]).attachments[0].blob

    def state(sha: str, beyond: int = 0) -> str:
        return next((t.state for t in alice.transfers.current() if t.sha256 == sha and t.done > beyond), "")

    interview = send(chat, "interview.m4a", 36 * MB)
    wait(app, lambda: state(interview, 11 * MB) == "running", 120)
    alice.transfers.pause(interview, "up")
    raw = send(trip, "raw-photos.tar", 24 * MB)
    wait(app, lambda: state(raw, 2 * MB) == "running", 120)
    alice.transfers.cancel(raw, "up")
    wait(app, lambda: state(raw) == "failed")
    archive = bob.send(chat, "All the photos from the weekend", [big_file(files / "weekend-photos.zip", 240 * MB)])
    send(trip, "holiday.mov", 420 * MB)
    send(chat, "drone-footage.mp4", 180 * MB)
    send(trip, "slides.pdf", 14 * MB)
    sha = archive.attachments[0].blob
    wait(app, lambda: alice.db.messages.attachment_of_blob(sha), 120)
    alice.download(sha)


def main(target: Path) -> int:
    app = QApplication(sys.argv[:1])
    root = Path(tempfile.mkdtemp(prefix="envelope-transfers-"))
    (root / "files").mkdir()
    server = EmbeddedServer(ServerConfig(data_dir=root / "server")).start()
    link = SlowLink(server.port, bytes_per_s=3 * MB)  # alice's line: a few MB a second
    engines = [Engine(root / name, long_poll_s=1).start() for name in ("alice", "bob")]
    bridge: EngineBridge | None = None
    try:
        alice, bob = engines
        alice.sign_up(link.url, "alice", PASSWORD)
        bob.sign_up(server.url, "bob", PASSWORD)
        transfers_under_way(app, alice, bob, root / "files")
        bridge = EngineBridge(alice)
        window = MainWindow(bridge)
        window.resize(900, 600)
        window.show()
        panel = window.transfers_button.open_panel()
        panel.resize(640, 600)
        model = window.transfers_button.model

        def settled() -> bool:
            rows = [model.index(i, 0) for i in range(model.rowCount())]
            running = [i for i in rows if i.data(Roles.STATE) == "running"]
            return (window.conversation.model is not None and len(rows) == 6 and len(running) == 3
                    and all("left" in i.data(Roles.STATUS) for i in running))

        wait(app, settled, 60)
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            app.processEvents()
        compose([window, panel]).save(str(target))
    finally:
        if bridge is not None:
            bridge.close()
        for engine in engines:
            engine.stop()
        link.close()
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/transfers.png")))
