"""Opening and saving received files: fetch them first if needed, then hand them to the desktop."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QWidget

from desktop.ui.bridge import EngineBridge

OPEN_DIR = Path(tempfile.gettempdir()) / "envelope-open"


def named_copy(cached: Path, sha256: str, name: str) -> Path:
    """The cached blob under its real file name (a hard link when possible), for other apps to open."""
    folder = OPEN_DIR / sha256[:16]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (Path(name).name or "file")
    if not target.exists():
        try:
            os.link(cached, target)
        except OSError:
            shutil.copyfile(cached, target)
    return target


class FileActions(QObject):
    """Open / save / download a blob for the user; waits for the download when it isn't cached.

    Signals:
        status(sentence): what happened, for the status line.
    """

    status = Signal(str)

    def __init__(self, bridge: EngineBridge, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self.bridge = bridge
        self.widget = parent_widget
        self._waiting: dict[str, list[tuple[str, str, Path | None]]] = {}
        bridge.blob_ready.connect(self._on_blob_ready)

    def download(self, sha256: str) -> None:
        self.bridge.run(lambda: self.bridge.engine.download(sha256))

    def open(self, sha256: str, name: str) -> None:
        self._when_cached(sha256, ("open", name, None))

    def save(self, sha256: str, name: str) -> None:
        target, _ = QFileDialog.getSaveFileName(self.widget, "Save as", str(Path.home() / name))
        if target:
            self._when_cached(sha256, ("save", name, Path(target)))

    def _when_cached(self, sha256: str, intent: tuple[str, str, Path | None]) -> None:
        engine = self.bridge.engine

        def locate() -> Path | None:
            return engine.media_path(sha256)

        def located(path: Path | None) -> None:
            if path is not None:
                self._do(sha256, path, intent)
                return
            self._waiting.setdefault(sha256, []).append(intent)
            self.status.emit(f"Downloading {intent[1]}…")
            self.download(sha256)

        self.bridge.run(locate, located)

    def _on_blob_ready(self, sha256: str) -> None:
        intents = self._waiting.pop(sha256, [])
        if not intents:
            return
        engine = self.bridge.engine
        self.bridge.run(lambda: engine.media_path(sha256),
                        lambda path: [self._do(sha256, path, i) for i in intents] if path else None)

    def _do(self, sha256: str, cached: Path, intent: tuple[str, str, Path | None]) -> None:
        action, name, target = intent
        if action == "open":
            def prepare() -> Path:
                return named_copy(cached, sha256, name)

            self.bridge.run(prepare, lambda path: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))
        elif target is not None:
            self.bridge.run(lambda: shutil.copyfile(cached, target),
                            lambda _result: self.status.emit(f"Saved {target.name}."))
