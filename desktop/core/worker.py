"""A background thread that repeats a step, sleeping between steps until kicked or stopped."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


class Worker:
    """Subclasses implement ``step()``: do one unit of work, return how long to sleep (None: until kicked)."""

    name = "envelope-worker"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled: set[str] = set()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def kick(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        self._on_stop()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    # -- transfers the user cancelled (by blob) -----------------------------------------------------
    def cancel(self, sha256: str) -> None:
        with self._lock:
            self._cancelled.add(sha256)

    def uncancel(self, sha256: str) -> None:
        with self._lock:
            self._cancelled.discard(sha256)

    def is_cancelled(self, sha256: str) -> bool:
        """Whether a transfer of ``sha256`` should stop now (cancelled, or the worker is stopping)."""
        with self._lock:
            return self.stopping or sha256 in self._cancelled

    def sleep(self, seconds: float) -> bool:
        """Sleep up to ``seconds`` (woken early by ``kick``); False once stopping."""
        self._wake.wait(seconds)
        self._wake.clear()
        return not self.stopping

    def _on_stop(self) -> None:
        """Hook: unblock whatever ``step`` may be waiting on."""

    def step(self) -> float | None:
        raise NotImplementedError

    def _run(self) -> None:
        while not self.stopping:
            try:
                pause = self.step()
            except Exception:  # our bug: log it, keep the thread alive, don't spin
                log.exception("%s: step failed", self.name)
                pause = 5.0
            if self.stopping:
                break
            self._wake.wait(pause)
            self._wake.clear()
