"""A copy-out: blobs written into a folder one file at a time, downloaded on the way when not cached,
with progress, cancelling, and a manifest so that running it again continues where it stopped."""

from __future__ import annotations

import errno
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.core.errors import CorruptDownload, NotSignedIn, UserFacingError
from desktop.core.events import EngineEvent, TransferProgress
from desktop.core.export.folder import Folder
from desktop.core.saving import SaveFailed
from sync.client import ApiError

if TYPE_CHECKING:
    from desktop.core.engine import Engine

REPORT_EVERY_S = 0.1
OFFLINE = "It isn't on this computer and the server can't be reached."
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a copy-out is: files and bytes so far of the totals, and the file being written."""

    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    current: str = ""


@dataclass
class Outcome:
    """What a finished (or cancelled) copy-out did in ``folder``."""

    folder: Path
    written: int = 0
    already_there: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(file name, sentence) of each file that could not be written; a new run tries them again."""
    cancelled: bool = False

    @property
    def files(self) -> int:
        return self.written + self.already_there


class CopyStopped(UserFacingError):
    """A copy-out stopped before the end (full disk, offline, signed out); what it wrote stays."""


class CopyCancelled(Exception):
    """Raised inside a copy-out when its cancel event is set; ``run`` functions turn it into an Outcome."""


ProgressCallback = Callable[[Progress], None]


class CopyOut:
    """Writes blobs into ``root`` through ``Engine.save_media`` (whole files, verified, streamed).

    ``header`` goes in the first line of the folder's manifest (what the copy-out is about).
    Call ``plan`` with the totals, ``copy`` for each file, then ``finish``. ``progress`` is called
    from this thread, after each file and while a file downloads (at most every 0.1 s); setting
    ``cancel`` stops the run at the next file, or the download under way.
    """

    def __init__(self, engine: Engine, root: Path, *, progress: ProgressCallback | None = None,
                 cancel: threading.Event | None = None, header: Mapping[str, str] | None = None) -> None:
        self.engine = engine
        self.root = Path(root)
        self.cancel = cancel or threading.Event()
        self._progress = progress
        self.outcome = Outcome(self.root)
        self._files_total = self._bytes_total = self._files_done = self._bytes_done = 0
        self._current: tuple[str, str] | None = None  # (sha, name) being written
        self._last_report = 0.0
        self._failed_paths: set[str] = set()
        self._offline = False
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self.folder = Folder(self.root, header)
        except OSError as exc:
            raise CopyStopped(disk_sentence(exc, self.root)) from exc
        engine.add_listener(self._on_event)

    def plan(self, files: int, size: int) -> None:
        self._files_total, self._bytes_total = files, size
        self._report(force=True)

    def copy(self, sha256: str, name: str, size: int, *, under: str = "", one_per_blob: bool = False) -> str | None:
        """Write the blob as ``name`` in ``under``; its path in the folder, or None when it failed.

        Raises CopyCancelled, CopyStopped (what was written stays, and a new run continues).
        """
        if self.cancel.is_set():
            raise CopyCancelled()
        try:
            placement = self.folder.place(sha256, name, size, under=under, one_per_blob=one_per_blob)
        except OSError as exc:
            raise self.stopped(disk_sentence(exc, self.root)) from exc
        if placement.state == "again":
            return None if placement.path in self._failed_paths else placement.path
        if placement.state == "done":
            self.outcome.already_there += 1
            self._count(size)
            return placement.path
        if self._offline and self.engine.media_path(sha256) is None:  # don't wait on the network for each
            self._failed(placement.path, placement.target.name, OFFLINE, size)
            return None
        self._current = (sha256, name)
        self._last_report = 0.0  # the first block of a download is reported at once
        try:
            placement.target.parent.mkdir(parents=True, exist_ok=True)
            self.engine.save_media(sha256, placement.target)
            self.folder.record(placement, sha256, size, name)
        except SaveFailed as exc:
            if self.cancel.is_set():
                raise CopyCancelled() from exc
            if self.engine.state != "offline":
                raise self.stopped(str(exc)) from exc
            self._offline = True  # what is on this computer is still written; the rest waits for a new run
            self._failed(placement.path, placement.target.name, OFFLINE, size)
            return None
        except NotSignedIn as exc:
            raise self.stopped(str(exc)) from exc
        except ApiError as exc:
            if exc.is_retryable:  # the server is busy or broken: every next file would fail too
                raise self.stopped(exc.message) from exc
            self._failed(placement.path, placement.target.name, _blob_sentence(exc), size)
            return None
        except CorruptDownload as exc:  # this blob only: the rest go on
            self._failed(placement.path, placement.target.name, _blob_sentence(exc), size)
            return None
        except OSError as exc:
            raise self.stopped(disk_sentence(exc, placement.target)) from exc
        finally:
            self._current = None
        self.outcome.written += 1
        self._count(size)
        return placement.path

    def finish(self) -> Outcome:
        """Close the manifest and stop listening; the outcome so far."""
        self.engine.remove_listener(self._on_event)
        self.folder.manifest.close()
        return self.outcome

    def _failed(self, path: str, name: str, sentence: str, size: int) -> None:
        self._failed_paths.add(path)
        self.outcome.failed.append((name, sentence))
        self._count(size)

    # -- progress ----------------------------------------------------------------------------------
    def _count(self, size: int) -> None:
        self._files_done += 1
        self._bytes_done += size
        self._report(force=True)

    def _report(self, *, force: bool = False, within: int = 0) -> None:
        now = time.monotonic()
        if self._progress is None or (not force and now - self._last_report < REPORT_EVERY_S):
            return
        self._last_report = now
        current = self._current[1] if self._current else ""
        self._progress(Progress(self._files_done, self._files_total, self._bytes_done + within,
                                self._bytes_total, current))

    def _on_event(self, event: EngineEvent) -> None:
        current = self._current
        if not isinstance(event, TransferProgress) or current is None or event.sha256 != current[0] \
                or event.direction != "down":
            return
        if self.cancel.is_set():
            self.engine.downloads.cancel(event.sha256)  # saving stops the stream at its next block
            return
        self._report(within=event.done)

    def stopped(self, reason: str) -> CopyStopped:
        """The error to raise: ``reason``, how far it got, and how to continue."""
        done = self.outcome.files
        return CopyStopped(f"{reason} {done} of {self._files_total} files are in {self.root}; "
                           "choose the same folder again to continue where it stopped.")


def disk_sentence(exc: OSError, where: Path) -> str:
    if exc.errno in _DISK_FULL:
        return "The disk is full."
    return f"Envelope couldn't write {where}: {exc.strerror or exc}."


def _blob_sentence(exc: ApiError | CorruptDownload) -> str:
    if isinstance(exc, ApiError):
        return f"The server wouldn't send it: {exc.message}"
    return "It arrived damaged; try again later."
