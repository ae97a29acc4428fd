"""Make docs/storage.png: alice's Settings on the Storage tab, after the demo conversation.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/storage_screenshot.py docs/storage.png

alice has downloaded bob's vet report and voice note besides the photos, so every kind shows; the
conversations are listed by size, each with Clear media, and the largest items under them.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop.ui.dialogs.settings import SettingsDialog  # noqa: E402
from desktop.ui.startup.demo import Demo  # noqa: E402
from scripts.scene import wait  # noqa: E402


def main(target: Path) -> int:
    app = QApplication(sys.argv[:1])
    demo = Demo(long_poll_s=1)
    try:
        demo.show_windows(size=(860, 760))
        wait(app, demo.ready, timeout=90)
        alice = demo.users["alice"]
        engine = alice.engine
        wanted = [a.blob for m in engine.db.messages.page(demo.chat_id, limit=100) for a in m.attachments
                  if a.kind in ("file", "audio")]
        alice.bridge.run(lambda: [engine.download(sha) for sha in wanted])  # (the GUI thread writes nothing)
        wait(app, lambda: all(engine.media_path(sha) for sha in wanted), timeout=60)
        dialog = SettingsDialog(alice.bridge, alice.window)
        dialog.tabs.setCurrentIndex(1)
        dialog.show()
        dialog.move(60, 40)
        view = dialog.storage
        wait(app, lambda: view.loaded is not None and view.loaded.totals.media == engine.cache.usage()
             and len(view.items.rows()) > 0)
        rows = view.items.rows()
        wait(app, lambda: rows[-1].isVisible() and rows[0].width() > 400)  # laid out
        dialog.grab().save(str(target))
        dialog.close()
    finally:
        demo.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/storage.png")))
