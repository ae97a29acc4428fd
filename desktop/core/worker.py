"""Background threads that repeat a step, sleeping between steps until kicked or stopped."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


class Worker:
    """Subclasses implement ``step()`` (or ``step_in(lane)``): do one unit of work, return how long
    to sleep (None: until kicked).

    ``lanes`` names one thread each; a name may repeat (two threads of the same lane). Every
    thread runs ``step_in`` with its lane's name; ``kick`` wakes them all.
    """

    name = "envelope-worker"
    lanes: tuple[str, ...] = ("main",)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled: set[str] = set()
        self._wakes = [threading.Event() for _ in self.lanes]
        self._wake = self._wakes[0]
        self._stopping = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(lane, wake), name=f"{self.name}-{lane}-{i}", daemon=True)
            for i, (lane, wake) in enumerate(zip(self.lanes, self._wakes, strict=True))
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def kick(self) -> None:
        for wake in self._wakes:
            wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self.kick()
        self._on_stop()
        for thread in self._threads:
            if thread.is_alive() and threading.current_thread() is not thread:
                thread.join(timeout)

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

    def _on_stop(self) -> None:
        """Hook: unblock whatever ``step`` may be waiting on."""

    def step(self) -> float | None:
        raise NotImplementedError

    def step_in(self, lane: str) -> float | None:
        """One unit of work of ``lane``; a worker with one lane just runs ``step``."""
        return self.step()

    def _run(self, lane: str, wake: threading.Event) -> None:
        while not self.stopping:
            try:
                pause = self.step_in(lane)
            except Exception:  # our bug: log it, keep the thread alive, don't spin
                log.exception("%s (%s): step failed", self.name, lane)
                pause = 5.0
            if self.stopping:
                break
            wake.wait(pause)
            wake.clear()
