"""A program whose start-up the cold-start row times: ``python -m benchmarks.rows._startup_child KIND ...``.

``minimal``: the reference — a PySide6 program that shows one QMainWindow and grabs it (a full paint).
``envelope ARGS...``: Envelope's own ``launch(ARGS)`` (what main.py runs); the QApplication is made here
first (the app takes an existing one as it is) so that a filter sees the first paint of the app's main
window, then closes it as a user would. Prints ``painted`` once the first paint is done, and ``closing``
just before the close (the first turn of the event loop: the app answers input from then on); the row
times both lines and the process's exit from outside.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow


def minimal() -> int:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1100, 720)
    window.show()
    window.grab()
    print("painted", flush=True)
    print("closing", flush=True)
    window.close()
    return 0 if app is not None else 1


class FirstPaint(QObject):
    """Waits for a QMainWindow's first paint, then closes that window from the event loop."""

    def __init__(self) -> None:
        super().__init__()
        self.done = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.done and event.type() == QEvent.Type.Paint and isinstance(watched, QMainWindow):
            self.done = True
            watched.event(event)  # the paint itself, now: "painted" is printed once it is done
            print("painted", flush=True)
            QTimer.singleShot(0, lambda: self.close(watched))  # when the event loop runs: the app is ready
            return True
        return False

    @staticmethod
    def close(window: QMainWindow) -> None:
        print("closing", flush=True)
        window.close()


def envelope(argv: list[str]) -> int:
    app = QApplication(sys.argv[:1])
    probe = FirstPaint()
    app.installEventFilter(probe)
    from desktop.ui.app import launch

    launch(argv)  # ends the process, as the app does


if __name__ == "__main__":
    sys.exit(minimal() if sys.argv[1] == "minimal" else envelope(sys.argv[2:]))
