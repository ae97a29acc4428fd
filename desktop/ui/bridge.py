"""The bridge between the engine (plain threads, callbacks) and Qt (signals on the GUI thread)."""

from __future__ import annotations

import logging
import os
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from desktop.core.engine import Engine
from desktop.core.errors import UserFacingError
from desktop.core.events import (
    BlobReady,
    ConnectionChanged,
    ConversationsChanged,
    EngineEvent,
    MessageAdded,
    MessageUpdated,
    TransferFinished,
    TransferProgress,
    TransfersChanged,
)
from sync.client import ApiError, CertificateError, Offline
from sync.media.pipeline import MediaError

log = logging.getLogger(__name__)
PROGRESS_INTERVAL_S = 0.05
STRICT_THREADS = "ENVELOPE_STRICT_THREADS"
_UI = os.path.join("desktop", "ui", "")
"""Set (the GUI tests do) to make a database write on the GUI thread an error, not a logged warning."""


class WriteOnGuiThread(AssertionError):
    """The GUI thread wrote the database: writes go through ``EngineBridge.run`` (a bug of ours)."""


def _write_on_gui_thread(report: str) -> None:
    """Our UI code wrote on the GUI thread. (A test or script driving the engine on that thread
    directly, with no UI code on the stack, is left alone.)"""
    if not any(_UI in f.filename and not f.filename.endswith("bridge.py") for f in traceback.extract_stack()):
        return
    if os.environ.get(STRICT_THREADS):
        raise WriteOnGuiThread(report)
    log.warning("%s", report)


def user_sentence(exc: BaseException) -> str:
    """What to tell a person about a failure: the environment's fault reads as advice, our bug as a bug."""
    if isinstance(exc, ApiError):
        return exc.message
    if isinstance(exc, Offline):
        return "The server can't be reached right now; this will be retried when it can."
    if isinstance(exc, CertificateError):
        return str(exc)
    if isinstance(exc, UserFacingError | MediaError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc} ({exc.filename})" if exc.filename else str(exc)
    return f"Something went wrong inside Envelope ({exc.__class__.__name__}); it has been logged."


class _Call(QRunnable):
    def __init__(self, bridge: EngineBridge, token: int, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._bridge, self._token, self._fn = bridge, token, fn

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:
            if not isinstance(exc, ApiError | Offline | CertificateError | UserFacingError | MediaError | OSError):
                log.exception("background call failed")
            self._bridge._call_failed.emit(self._token, user_sentence(exc))
            return
        self._bridge._call_done.emit(self._token, result)


class EngineBridge(QObject):
    """Turns engine events into Qt signals and runs blocking engine calls off the GUI thread.

    Signals:
        conversations_changed(): the conversation list should be re-read.
        message_added(message_id, conversation_id)
        message_updated(message_id, conversation_id)
        transfer_progress(sha256, direction, done, total): at most every 50 ms per transfer.
        transfer_finished(sha256, direction, error, cancelled): error is "" on success.
        blob_ready(sha256): the blob's bytes are in the local cache now.
        connection_changed(state, detail): online / offline / syncing / signed_out / untrusted (the
            server's certificate was refused; the detail names the fingerprints).
        error(sentence): a background call failed; something a person can act on.

    Every signal is emitted on the GUI thread, and none after ``close()`` (or ``stop()``).
    """

    conversations_changed = Signal()
    message_added = Signal(int, str)
    message_updated = Signal(int, str)
    transfer_progress = Signal(str, str, "qint64", "qint64")
    transfer_finished = Signal(str, str, str, bool)
    blob_ready = Signal(str)
    transfers_changed = Signal()  # a transfer was queued, started, paused, moved or left (the panel)
    connection_changed = Signal(str, str)
    error = Signal(str)

    _call_done = Signal(int, object)
    _call_failed = Signal(int, str)
    _event = Signal(object)

    def __init__(self, engine: Engine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.pool = QThreadPool(self)  # changes: one at a time, in the order asked
        self.pool.setMaxThreadCount(1)
        self.reads = QThreadPool(self)  # lookups and copies: any order, in parallel
        self.reads.setMaxThreadCount(2)
        self._last_progress: dict[tuple[str, str], float] = {}
        self._callbacks: dict[int, tuple[Callable[[Any], None] | None, Callable[[str], None] | None]] = {}
        self._next_token = 0
        self._closed = False
        self._call_done.connect(self._deliver)
        self._call_failed.connect(self._deliver_error)
        self._event.connect(self._dispatch)
        engine.add_listener(self._on_event)
        engine.db.forbid_writes_on(threading.current_thread(), _write_on_gui_thread)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Emit nothing more and drop pending callbacks (before the engine stops: its db closes)."""
        self._closed = True
        self._callbacks.clear()

    def stop(self, msecs: int = 30_000) -> None:
        """Finish background calls, close, stop the engine: the clean way out."""
        self.wait_idle(msecs)
        self.close()
        self.engine.stop()

    # -- engine events (any thread) --------------------------------------------------------------------
    def _on_event(self, event: EngineEvent) -> None:
        if self._closed:
            return
        if isinstance(event, TransferProgress):
            key = (event.sha256, event.direction)
            now = time.monotonic()
            if event.done < event.total and now - self._last_progress.get(key, 0.0) < PROGRESS_INTERVAL_S:
                return
            self._last_progress[key] = now
        elif isinstance(event, TransferFinished):
            self._last_progress.pop((event.sha256, event.direction), None)
        self._event.emit(event)  # queued to the GUI thread, where _dispatch emits the public signal

    def _dispatch(self, event: EngineEvent) -> None:
        if self._closed:
            return
        match event:
            case ConversationsChanged():
                self.conversations_changed.emit()
            case MessageAdded(message_id, conversation_id):
                self.message_added.emit(message_id, conversation_id)
            case MessageUpdated(message_id, conversation_id):
                self.message_updated.emit(message_id, conversation_id)
            case TransferProgress(sha, direction, done, total):
                self.transfer_progress.emit(sha, direction, done, total)
            case TransferFinished(sha, direction, error, cancelled):
                self.transfer_finished.emit(sha, direction, error or "", cancelled)
            case BlobReady(sha):
                self.blob_ready.emit(sha)
            case TransfersChanged():
                self.transfers_changed.emit()
            case ConnectionChanged(state, detail):
                self.connection_changed.emit(state, detail)

    # -- blocking calls, off the GUI thread -------------------------------------------------------------
    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        """Run a change (send, pin, sign out…) off the GUI thread, after every change asked before it.

        ``on_done(result)`` or ``on_error(sentence)`` then run on the GUI thread; without
        ``on_error`` a failure is emitted as ``error``. Nothing runs after ``close()``.
        """
        self._start(self.pool, fn, on_done, on_error)

    def read(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        """Like ``run`` for work that changes nothing (look-ups, decoding, copies out): no ordering."""
        self._start(self.reads, fn, on_done, on_error)

    def _start(
        self,
        pool: QThreadPool,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[str], None] | None,
    ) -> None:
        if self._closed:
            return
        self._next_token += 1
        self._callbacks[self._next_token] = (on_done, on_error)
        pool.start(_Call(self, self._next_token, fn))

    def _deliver(self, token: int, result: object) -> None:
        if self._closed:
            return
        on_done, _ = self._callbacks.pop(token, (None, None))
        if on_done is not None:
            on_done(result)

    def _deliver_error(self, token: int, sentence: str) -> None:
        if self._closed:
            return
        _, on_error = self._callbacks.pop(token, (None, None))
        if on_error is not None:
            on_error(sentence)
        else:
            self.error.emit(sentence)

    def wait_idle(self, msecs: int = 30_000) -> bool:
        """Block until background calls finish (shutdown, tests)."""
        return self.pool.waitForDone(msecs) and self.reads.waitForDone(msecs)
