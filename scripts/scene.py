"""For the screenshot scripts: run the Qt event loop until a scene has come together."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtWidgets import QApplication


def wait(app: QApplication, done: Callable[[], object], timeout: float = 30.0) -> None:
    """Process events until ``done()`` is true; TimeoutError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the scene did not come together")
        app.processEvents()
        time.sleep(0.02)
