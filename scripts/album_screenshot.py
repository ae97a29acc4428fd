"""Make docs/album.png: the demo conversation in bob's window, with alice's album of photos and a video.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/album_screenshot.py docs/album.png

The album is a grid of four cells (three photos and a video with its duration), its caption under it.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop.ui.startup.demo import Demo  # noqa: E402
from desktop.ui.startup.screenshot import compose  # noqa: E402
from scripts.scene import wait  # noqa: E402


def main(target: Path) -> int:
    app = QApplication(sys.argv[:1])
    demo = Demo(long_poll_s=1)
    try:
        windows = demo.show_windows(size=(860, 760))
        wait(app, demo.ready, timeout=90)
        wait(app, lambda: not demo.users["bob"].window.thumbnails.busy())  # type: ignore[union-attr]
        compose([windows[1]]).save(str(target))
    finally:
        demo.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/album.png")))
