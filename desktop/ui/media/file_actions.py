"""Opening and saving received files: a private copy for the system's app, or a copy where the user says."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QStandardPaths, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from desktop.core.units import size_text
from desktop.ui.bridge import EngineBridge
from desktop.ui.media.offer import offer
from desktop.ui.media.opening import Opener
from sync.filenames import clean_filename, path_inside


def save_target(parent: QWidget | None, name: str) -> Path | None:
    """Ask where to save a received file, suggesting its cleaned name in the Downloads folder.

    The suggestion is always a plain name inside that folder (``path_inside``); the user may then
    pick any place they like.
    """
    folder = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation)
                  or Path.home())
    try:
        suggested = path_inside(folder, name)
    except ValueError:  # the Downloads folder holds a link by that name: suggest no name at all
        suggested = folder
    target, _ = QFileDialog.getSaveFileName(parent, "Save as", str(suggested))
    return Path(target) if target else None


def no_app_sentence(name: str) -> str:
    """"No application on this computer opens PDF files." (by the cleaned name's extension)."""
    stem, dot, extension = clean_filename(name).rpartition(".")
    if dot and stem and extension.isalnum() and len(extension) <= 8:
        return f"No application on this computer opens {extension.upper()} files."
    return "No application on this computer opens this kind of file."


def no_app_box(parent: QWidget | None, name: str, save: Callable[[], None]) -> QMessageBox:
    """Say that nothing opens the file and offer Save as… instead; shown at once, not blocking."""
    return offer(parent, QMessageBox.Icon.Information, "Open", no_app_sentence(name),
                 "Save a copy with Save as…, then open it with a program you choose.",
                 action="Save as…", on_action=save, dismiss=QMessageBox.StandardButton.Close)


class FileActions(QObject):
    """Open / save / download a blob for the user.

    Open writes a private copy (the profile's ``open`` folder) and hands it to the desktop, asking
    first when the file can run code (``Opener``); when no application takes it, a box says so and
    offers Save as…. Save as copies from the cache, or streams
    from the server straight into the chosen file. A Download of a file larger than the cache limit
    asks where to save it instead: the cache could not keep it.

    Signals:
        status(sentence): what happened, for the status line.
    """

    status = Signal(str)

    def __init__(self, bridge: EngineBridge, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self.bridge = bridge
        self.widget = parent_widget
        self.no_app_box: QMessageBox | None = None
        self.opener = Opener(bridge, parent_widget, no_app=self._no_app, report=self._report)

    def download(self, sha256: str) -> None:
        engine = self.bridge.engine
        if engine.cache.would_keep(sha256):
            self.bridge.run(lambda: engine.download(sha256))
            return
        attachment = engine.db.messages.attachment_of_blob(sha256)
        name = clean_filename(attachment.name) if attachment else "file"
        self.status.emit(f"{name} ({size_text(attachment.size if attachment else 0)}) is larger than the cache "
                         f"limit ({size_text(engine.cache.limit())}); choose where to save it.")
        self.save(sha256, name)

    def open(self, sha256: str, name: str, sender: str = "") -> None:
        """Open a private copy in the system's app; ``sender`` is named if the file can run code."""
        self.opener.open(sha256, name, sender)

    def save(self, sha256: str, name: str) -> None:
        target = save_target(self.widget, name)
        if target is not None:
            self.save_to(sha256, target)

    def save_to(self, sha256: str, target: Path) -> None:
        """Write the file to ``target`` off the GUI thread; the status line says how it went."""
        engine = self.bridge.engine
        self.bridge.read(lambda: engine.save_media(sha256, target),
                         on_done=lambda _path: self._report(f"Saved {target.name} in {target.parent}."),
                         on_error=self._report)

    def _no_app(self, sha256: str, name: str) -> None:
        if shiboken6.isValid(self):
            self.no_app_box = no_app_box(self.widget.window(), name, lambda: self.save(sha256, name))

    def _report(self, sentence: str) -> None:
        if shiboken6.isValid(self):
            self.status.emit(sentence)
