"""A copy-out (bulk save or export) running on a thread of its own, reporting to the GUI thread by signals."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Signal, SignalInstance

from desktop.core.export.copyout import Outcome, Progress, ProgressCallback
from desktop.ui.bridge import user_sentence

log = logging.getLogger(__name__)

Job = Callable[[ProgressCallback, threading.Event], Outcome]
"""What a task runs: given a progress callback and a cancel event, the blocking copy-out."""


class CopyTask(QObject):
    """Runs one job off the GUI thread (it may take hours and hold a lookup thread no one else can use,
    so it is not the bridge's pool); the GUI thread only hears of it.

    Signals:
        progressed(Progress): how far it is (at most ten times a second).
        finished(Outcome): it ended, cancelled or not (``outcome.cancelled``).
        failed(sentence): it stopped (a full disk, offline…); what it wrote stays.
    """

    progressed = Signal(object)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, job: Job, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cancel = threading.Event()
        self._job = job
        self._thread = threading.Thread(target=self._run, name="envelope-copy-out", daemon=True)
        self._ended = threading.Event()
        cancel = self.cancel  # not self: the lambda must outlive it
        self.destroyed.connect(lambda *_: cancel.set())  # its window went away (the gallery closed)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(cancel.set)

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._ended.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job ended (tests, shutdown); False on timeout."""
        return self._ended.wait(timeout)

    def _run(self) -> None:
        try:
            outcome = self._job(self._progress, self.cancel)
        except Exception as exc:
            log.info("copy-out stopped: %s", exc)
            self._ended.set()
            self._emit(self.failed, user_sentence(exc))
            return
        self._ended.set()
        self._emit(self.finished, outcome)

    def _progress(self, progress: Progress) -> None:
        self._emit(self.progressed, progress)

    @staticmethod
    def _emit(signal: SignalInstance, value: object) -> None:
        with contextlib.suppress(RuntimeError):  # the window went away meanwhile: nobody is listening
            signal.emit(value)
