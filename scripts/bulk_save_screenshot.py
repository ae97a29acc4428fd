"""Make docs/bulk-save.png: bob's gallery with three photos selected and the Save window when it is done
(Xvfb: it grabs the screen).

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/bulk_save_screenshot.py docs/bulk-save.png
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QItemSelectionModel, QRect  # noqa: E402
from PySide6.QtWidgets import QApplication, QFileDialog  # noqa: E402

from desktop.ui.bridge import EngineBridge  # noqa: E402
from desktop.ui.gallery.gallery import GalleryDialog  # noqa: E402
from desktop.ui.startup.demo import SAMPLES  # noqa: E402
from scripts.forward_screenshot import people  # noqa: E402
from scripts.scene import wait  # noqa: E402

FILES = ["photos/chelsea.png", "photos/coffee_with_gps.jpg", "video/hubble_pan.mp4",
         "photos/hubble_deep_field.jpg", "photos/portrait_exif6.jpg"]


def main(target: Path) -> None:
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="envelope-bulk-shot-") as tmp, \
            people(Path(tmp), ("alice", "bob")) as engines:
        alice, bob = engines["alice"], engines["bob"]
        cid = alice.create_conversation("Weekend trip", ["bob"])
        wait(app, lambda: bob.db.conversations.get(cid))
        bob.accept_request(cid)
        for name in FILES:
            alice.send(cid, "", [SAMPLES / name])
        wait(app, lambda: len(items := bob.db.messages.media(cid)) == len(FILES)
             and all(i.thumbnail_state == "complete" for i in items))
        bridge = EngineBridge(bob)
        gallery = GalleryDialog(bridge, cid)
        gallery.resize(760, 560)
        gallery.move(40, 40)
        gallery.show()
        wait(app, lambda: gallery.media_model.rowCount() == len(FILES) and gallery.thumbnails.wait_idle(100))
        selection = gallery.grid.selectionModel()
        for row in (0, 2, 3):
            selection.select(gallery.media_model.index(row), QItemSelectionModel.SelectionFlag.Select)
        folder = Path(tmp) / "Pictures"
        QFileDialog.getExistingDirectory = lambda *_args: str(folder)  # type: ignore[method-assign, assignment]
        dialog = gallery.save_selected()
        assert dialog is not None
        dialog.move(gallery.frameGeometry().right() - 200, 330)
        wait(app, lambda: dialog.heading.text().startswith("Saved") and dialog.isVisible())
        for widget in (gallery, dialog):
            widget.repaint()
        app.processEvents()
        area = gallery.frameGeometry().united(dialog.frameGeometry()).adjusted(-10, -10, 10, 10)
        area = area.intersected(QRect(0, 0, 1600, 1000))
        app.primaryScreen().grabWindow(0, area.x(), area.y(), area.width(), area.height()).save(str(target))
        dialog.close()
        bridge.close()
    print(f"wrote {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/bulk-save.png"))
