"""Python's garbage collection, on the GUI thread only.

Automatic collection runs on whichever thread happens to allocate: the engine's, a decoder's, the
built-in server's. A Qt object in a reference cycle freed there is destroyed off the GUI thread
while the GUI event loop may still hold it (a timer, a pending event): a crash. So the app turns
automatic collection off and collects from a GUI-thread timer instead, by the same thresholds
Python would use, a few times a second.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 250


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, *, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        gc.disable()
        self._timer.start()

    def collect_due(self) -> int:
        """Collect the generation Python would have collected by now (if any); the objects freed."""
        t0, t1, t2 = gc.get_threshold()
        c0, c1, c2 = gc.get_count()
        if t2 and c2 > t2:
            return gc.collect(2)
        if t1 and c1 > t1:
            return gc.collect(1)
        if t0 and c0 > t0:
            return gc.collect(0)
        return 0

    def stop(self) -> None:
        """Back to automatic collection (as it was before)."""
        self._timer.stop()
        if self._was_enabled:
            gc.enable()
