"""Make docs/settings.png: alice's Settings, the General tab beside the Conversations tab.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/settings_screenshot.py docs/settings.png

The server gives alice a 1 GB quota, of which her photos use some; she is in two conversations and
watches a "Camera uploads" folder for one of them. (The Storage tab is docs/storage.png.)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtGui import QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop.core.engine import Engine  # noqa: E402
from desktop.ui.bridge import EngineBridge  # noqa: E402
from desktop.ui.dialogs.settings import SettingsDialog  # noqa: E402
from desktop.ui.startup.demo import SAMPLES  # noqa: E402
from scripts.scene import wait  # noqa: E402
from sync.server.config import ServerConfig  # noqa: E402
from sync.server.limit_settings import Limits  # noqa: E402
from sync.server.runner import EmbeddedServer  # noqa: E402

GAP = 24


def main(target: Path) -> int:
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="envelope-settings-shot-") as tmp:
        root = Path(tmp)
        server = EmbeddedServer(ServerConfig(data_dir=root / "server", limits=Limits(quota_bytes=10**9))).start()
        engine = Engine(root / "alice", long_poll_s=1).start()
        try:
            engine.sign_up(server.url, "alice", "password123")
            engine.create_conversation("Photo club", [])
            trip = engine.create_conversation("Weekend trip", [])
            for photo in ("hubble_deep_field.jpg", "chelsea.png", "coffee_with_gps.jpg"):
                engine.send(trip, "", [SAMPLES / "photos" / photo])
            folder = root / "Camera uploads"
            folder.mkdir()
            engine.watch_folder(folder, trip)
            wait(app, lambda: all(m.state == "sent" for m in engine.db.messages.page(trip)))
            bridge = EngineBridge(engine)
            dialog = SettingsDialog(bridge)
            dialog.show()
            wait(app, lambda: "used" in dialog.server_storage.label.text())
            shots = []
            for title in ("General", "Conversations"):
                dialog.tabs.setCurrentIndex([dialog.tabs.tabText(i) for i in range(dialog.tabs.count())].index(title))
                app.processEvents()
                shots.append(dialog.grab())
            canvas = QPixmap(sum(s.width() for s in shots) + GAP * 3, max(s.height() for s in shots) + GAP * 2)
            canvas.fill(dialog.palette().color(dialog.backgroundRole()).darker(115))
            painter = QPainter(canvas)
            for n, shot in enumerate(shots):
                painter.drawPixmap(GAP + n * (shots[0].width() + GAP), GAP, shot)
            painter.end()
            canvas.save(str(target))
            dialog.close()
            bridge.stop(10_000)
        finally:
            engine.stop()
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/settings.png")))
