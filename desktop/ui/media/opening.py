"""Opening a received file with the system's app: a private copy, and a question first when it can run code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.core.risky import is_risky_file, risk_sentence
from desktop.ui.bridge import EngineBridge
from desktop.ui.media.offer import offer


def risk_box(parent: QWidget | None, name: str, sender: str, on_open: Callable[[], None]) -> QMessageBox:
    """Ask before opening a file that can run programs; Cancel is the default (Enter and Esc cancel).

    Shown at once and window-modal, not blocking; ``on_open`` runs only when Open is clicked.
    """
    return offer(parent, QMessageBox.Icon.Warning, "Open this file?", risk_sentence(name, sender),
                 "Files like this one can change or harm your computer, and the name a sender gives a file "
                 "can hide what it is.",
                 action="Open", on_action=on_open, dismiss=QMessageBox.StandardButton.Cancel, safe_default=True)


class Opener(QObject):
    """Opens received files for one window: ``open(sha256, name, sender)``.

    The blob is copied (off the GUI thread) into the profile's private ``open`` folder, owner-only and
    never executable; a file that can run code (``desktop.core.risky``) asks first, naming the risk
    and the sender. ``no_app(sha256, name)`` is called when no application takes the file;
    ``report(sentence)`` when the copy fails.
    """

    def __init__(self, bridge: EngineBridge, widget: QWidget, *, no_app: Callable[[str, str], None],
                 report: Callable[[str], None]) -> None:
        super().__init__(widget)
        self.bridge = bridge
        self.widget = widget
        self._no_app = no_app
        self._report = report
        self.risk_box: QMessageBox | None = None

    def open(self, sha256: str, name: str, sender: str = "") -> None:
        engine = self.bridge.engine
        if engine.account is not None and sender == engine.account.username:
            sender = ""  # our own file: "only if you expected this file"

        def copy() -> tuple[Path, bool]:
            path = engine.open_copy(sha256, name)
            return path, is_risky_file(name, path)

        self.bridge.read(copy, on_done=lambda found: self._copied(sha256, name, sender, *found),
                         on_error=self._failed)

    def _copied(self, sha256: str, name: str, sender: str, path: Path, risky: bool) -> None:
        if not shiboken6.isValid(self):
            return
        if risky:
            self.risk_box = risk_box(self.widget.window(), name, sender, lambda: self._hand_over(sha256, name, path))
        else:
            self._hand_over(sha256, name, path)

    def _hand_over(self, sha256: str, name: str, path: Path) -> None:
        if shiboken6.isValid(self) and not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self._no_app(sha256, name)

    def _failed(self, sentence: str) -> None:
        if shiboken6.isValid(self):
            self._report(sentence)
