"""Make docs/keyboard.png: the demo in alice's window with a larger font, the keyboard on a bubble's button.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/keyboard_screenshot.py docs/keyboard.png

The application font is made a third larger (as a system set to large text does) and the keys a person
would press are sent: F6 to the messages, Up to bob's report, Tab to its Download link, which gets the
focus ring.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop.ui.startup.demo import Demo  # noqa: E402
from desktop.ui.startup.screenshot import compose  # noqa: E402
from scripts.scene import wait  # noqa: E402


def main(target: Path) -> int:
    app = QApplication(sys.argv[:1])
    font = app.font()
    font.setPointSizeF(max(10.0, font.pointSizeF()) * 4 / 3)
    app.setFont(font)
    demo = Demo(long_poll_s=1)
    try:
        windows = demo.show_windows(size=(1000, 780))
        wait(app, demo.ready, timeout=90)
        window = windows[0]
        wait(app, lambda: not window.thumbnails.busy())
        window.activateWindow()
        wait(app, window.isActiveWindow)
        timeline = window.conversation.timeline
        QTest.keyClick(window.windowHandle(), Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)
        wait(app, timeline.hasFocus)
        while "report" not in timeline.currentIndex().data(Qt.ItemDataRole.AccessibleDescriptionRole):
            QTest.keyClick(timeline, Qt.Key.Key_Up)  # (the report's caption is in its description)
        QTest.keyClick(timeline, Qt.Key.Key_Tab)
        wait(app, lambda: timeline.keys.focused == 0)
        compose([window]).save(str(target))
    finally:
        demo.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/keyboard.png")))
