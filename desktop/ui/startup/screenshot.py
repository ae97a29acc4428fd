"""``--screenshot PATH``: wait until the windows show what they should, grab them into one PNG, quit."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter
from PySide6.QtWidgets import QApplication, QWidget

log = logging.getLogger(__name__)
GAP = 24
SETTLE_MS = 400


def compose(widgets: list[QWidget], background: QColor | None = None) -> QImage:
    """The widgets grabbed and laid side by side (top-aligned) with a gap around them."""
    shots = [w.grab().toImage() for w in widgets]
    dpr = max((s.devicePixelRatio() for s in shots), default=1.0)
    gap = round(GAP * dpr) if len(shots) > 1 else 0
    width = sum(s.width() for s in shots) + gap * (len(shots) + 1)
    height = max(s.height() for s in shots) + 2 * gap
    out = QImage(width, height, QImage.Format.Format_ARGB32)
    out.fill(background or QGuiApplication.palette().window().color().darker(115))
    painter = QPainter(out)
    x = gap
    for shot in shots:
        shot.setDevicePixelRatio(1.0)
        painter.drawImage(QPoint(x, gap), shot)
        x += shot.width() + gap
    painter.end()
    return out


def capture(widgets: Callable[[], list[QWidget]], path: Path, ready: Callable[[], bool], *,
            timeout_s: float = 60.0) -> int:
    """Run the event loop until ``ready()`` (or the timeout), save the grab; returns the exit code.

    0 when saved after ``ready()``; 2 when the timeout came first (the PNG is saved all the same).
    """
    app = QApplication.instance()
    assert app is not None
    deadline = time.monotonic() + timeout_s
    state = {"code": 0, "ready_at": 0.0}

    def poll() -> None:
        now = time.monotonic()
        if ready():
            if not state["ready_at"]:
                state["ready_at"] = now  # let the last paints and layouts settle
            elif now - state["ready_at"] >= SETTLE_MS / 1000 and ready():
                finish(0)
                return
        elif now > deadline:
            log.warning("screenshot: the windows were not ready within %.0f s", timeout_s)
            finish(2)
            return
        else:
            state["ready_at"] = 0.0
        QTimer.singleShot(100, poll)

    def finish(code: int) -> None:
        QApplication.processEvents()
        path.parent.mkdir(parents=True, exist_ok=True)
        image = compose(widgets())
        if not image.save(str(path), "PNG"):
            log.error("screenshot: could not write %s", path)
            code = 1
        state["code"] = code
        app.exit(code)

    QTimer.singleShot(100, poll)
    app.exec()
    return int(state["code"])
