"""Opening and saving received files: fetch them first if needed, then hand them to the desktop."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QWidget

from desktop.ui.bridge import EngineBridge
from sync.filenames import clean_filename

OPEN_DIR = Path(tempfile.gettempdir()) / "envelope-open"


def named_copy(cached: Path, sha256: str, name: str) -> Path:
    """A copy of a cached blob under its (cleaned) real name, for other apps to open.

    A copy, not a link: an app that edits the file in place must not change the cache.
    """
    folder = OPEN_DIR / sha256[:16]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / clean_filename(name)
    if not (target.is_file() and target.stat().st_size == cached.stat().st_size):
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

        self.bridge.read(locate, located)

    def _on_blob_ready(self, sha256: str) -> None:
        intents = self._waiting.pop(sha256, [])
        if not intents:
            return
        engine = self.bridge.engine
        self.bridge.read(lambda: engine.media_path(sha256),
                        lambda path: [self._do(sha256, path, i) for i in intents] if path else None)

    def _do(self, sha256: str, cached: Path, intent: tuple[str, str, Path | None]) -> None:
        action, name, target = intent
        if action == "open":
            def prepare() -> Path:
                return named_copy(cached, sha256, name)

            self.bridge.read(prepare, lambda path: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))
        elif target is not None:
            self.bridge.read(lambda: shutil.copyfile(cached, target),
                            lambda _result: self.status.emit(f"Saved {target.name}."))
