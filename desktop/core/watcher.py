"""Watched drop folders: a file that appears in a folder bound to a conversation and stops growing is handed on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch

FileReady = Callable[[Path, str], None]  # (path, conversation_id)


@dataclass
class _Candidate:
    conversation_id: str
    size: int
    since: float


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: FolderWatcher, conversation_id: str) -> None:
        self._watcher = watcher
        self._conversation_id = conversation_id

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type not in {"created", "modified", "moved", "closed"}:
            return
        raw = event.dest_path if event.event_type == "moved" else event.src_path
        path = Path(raw.decode() if isinstance(raw, bytes) else raw)
        self._watcher._saw(path, self._conversation_id)


def _is_hidden(path: Path) -> bool:
    """Editors' and browsers' temporary files are not meant to be sent."""
    name = path.name
    return name.startswith((".", "~")) or name.endswith((".part", ".crdownload", ".tmp", ".swp"))


class FolderWatcher:
    """Calls ``on_ready(path, conversation_id)`` once a new file has kept its size for ``settle_s``.

    Files already in a folder when it is watched are offered too: deciding what was sent
    before (across restarts) is the caller's job. ``on_ready`` runs on the watcher's thread.
    """

    def __init__(self, on_ready: FileReady, *, settle_s: float = 1.0) -> None:
        self._on_ready = on_ready
        self._settle_s = settle_s
        self._observer: BaseObserver = Observer()
        self._watches: dict[Path, ObservedWatch] = {}
        self._candidates: dict[Path, _Candidate] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._settle_loop, name="envelope-watch", daemon=True)

    def start(self) -> None:
        self._observer.start()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._observer.stop()
        self._observer.join(timeout=5)
        self._thread.join(timeout=5)

    def watch(self, folder: Path, conversation_id: str) -> None:
        """Start watching ``folder`` (made if missing) for ``conversation_id``."""
        folder = folder.resolve()
        folder.mkdir(parents=True, exist_ok=True)
        with self._lock:
            if folder in self._watches:
                self._observer.unschedule(self._watches.pop(folder))
            self._watches[folder] = self._observer.schedule(_Handler(self, conversation_id), str(folder))
        for path in folder.iterdir():
            self._saw(path, conversation_id)

    def unwatch(self, folder: Path) -> None:
        with self._lock:
            watch = self._watches.pop(folder.resolve(), None)
            if watch is not None:
                self._observer.unschedule(watch)

    def _saw(self, path: Path, conversation_id: str) -> None:
        if _is_hidden(path):
            return
        try:
            if not path.is_file():
                return
            size = path.stat().st_size
        except OSError:
            return
        with self._lock:
            known = self._candidates.get(path)
            if known is None or known.size != size:
                self._candidates[path] = _Candidate(conversation_id, size, time.monotonic())

    def _settle_loop(self) -> None:
        while not self._stop.wait(min(0.25, self._settle_s / 2)):
            now = time.monotonic()
            ready: list[tuple[Path, str]] = []
            with self._lock:
                for path, c in list(self._candidates.items()):
                    try:
                        size = path.stat().st_size
                    except OSError:
                        del self._candidates[path]
                        continue
                    if size != c.size:
                        c.size, c.since = size, now
                    elif now - c.since >= self._settle_s:
                        del self._candidates[path]
                        ready.append((path, c.conversation_id))
            for path, conversation_id in ready:
                self._on_ready(path, conversation_id)
