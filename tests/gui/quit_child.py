"""Two app windows in their own process, then Ctrl+Q in one: ``python -m tests.gui.quit_child DATA_DIR``.

Quitting ends a QApplication for good (a later event loop returns at once), so the test that quits
runs here, not in the pytest process. Prints ``visible <n>`` (windows still shown) after the loop
ends; the exit code is the event loop's (0 after Quit, 3 when the guard timer had to end it).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop.core.engine import Engine
from desktop.ui.bridge import EngineBridge
from desktop.ui.main_window import MainWindow
from sync.server.config import ServerConfig
from sync.server.runner import EmbeddedServer

GUARD_MS = 20_000


def main(data_dir: Path) -> int:
    app = QApplication(sys.argv[:1])
    server = EmbeddedServer(ServerConfig(data_dir=data_dir / "server")).start()
    engines, bridges, windows = [], [], []
    for name in ("alice", "bob"):
        engine = Engine(data_dir / name, long_poll_s=1).start()
        engine.sign_up(server.url, name, "correct horse battery")
        bridge = EngineBridge(engine)
        window = MainWindow(bridge)
        window.show()
        engines.append(engine)
        bridges.append(bridge)
        windows.append(window)
    QTimer.singleShot(GUARD_MS, lambda: QApplication.exit(3))

    def press_quit() -> None:
        windows[0].activateWindow()
        if not QTest.qWaitForWindowActive(windows[0], 10_000):  # a shortcut acts in the active window
            print("never active", flush=True)
        QTest.keyClick(windows[0], Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)

    QTimer.singleShot(0, press_quit)
    code = app.exec()
    print(f"visible {sum(w.isVisible() for w in windows)}", flush=True)
    for bridge in bridges:
        bridge.close()
    for engine in engines:
        engine.stop()
    server.stop()
    return code


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
