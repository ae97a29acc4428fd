"""Decoding of untrusted media in worker processes that are killed when they pass their deadline.

Why processes and not threads: a decoder stuck inside C code can't be interrupted, and Python can't
kill a thread, so a "timed out" thread would keep burning CPU and memory for as long as the app runs.
A process can be killed for real, and a decoder that crashes (a segfault) or eats memory takes only
its worker down, never the app or the server. The caller gets a MediaError either way.

Why `python -m sync.media.worker` and not multiprocessing: multiprocessing's "spawn" re-runs the
program's entry script in every worker (the desktop app's would import Qt into each one; a script
read from stdin can't be re-run at all), and "fork" is unsafe in a process running Qt or threads.
A plain interpreter started on this module imports only what decoding needs (~0.15 s), and is kept
warm in a small pool so that cost is paid once, not per file. The deadline counts from when a
request reaches a ready worker, so start-up never eats into it.

Protocol: length-prefixed pickles over the worker's stdin/stdout; a thread per worker reads replies
so the caller can wait on a queue with a timeout on every platform. (Replies are pickles from our
own worker; if workers are ever sandboxed, switch replies to a data-only format.)
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, ParamSpec, TypeVar

from sync.media.types import CorruptMedia, MediaError, ProbeTimeout

P = ParamSpec("P")
T = TypeVar("T")

STARTUP_TIMEOUT = 60.0  # seconds for a fresh worker to import its modules (slow disks, antivirus)
MAX_IDLE_WORKERS = 2
# Imported by each worker before it says it is ready, so the first request doesn't pay for them.
_WARM_MODULES = ("sync.media.pipeline",)
_HEADER = 8  # bytes of big-endian length before each pickle


def run_isolated(timeout: float, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run `fn(*args, **kwargs)` in a worker process and return its result within `timeout` seconds.

    `fn` must be a module-level function and its arguments and result picklable.

    Raises:
        ProbeTimeout: no answer within `timeout` seconds (the worker is killed).
        CorruptMedia: the worker died while working (e.g. a decoder crashed on the input).
        MediaError: raised by `fn`, or no worker could be started.
        Exception: whatever else `fn` raised (a bug: `fn` should turn bad input into MediaError).
    """
    worker = _POOL.take()
    try:
        outcome, value = worker.call(timeout, fn, args, kwargs)
    except BaseException:  # timed out, crashed, or interrupted mid-request: the worker can't be reused
        worker.kill()
        raise
    _POOL.give_back(worker)
    if outcome == "error":
        raise value
    result: T = value
    return result


def shutdown() -> None:
    """Stop the idle workers (also done at interpreter exit)."""
    _POOL.close()


class _Worker:
    """One worker process, its pipes and the thread reading its replies; one caller at a time."""

    def __init__(self) -> None:
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parents[2])  # so `sync` imports in the worker
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        try:
            # -P: the current directory (say, Downloads) must not shadow `sync` or `PIL` in the worker.
            self.process = subprocess.Popen(
                [sys.executable, "-P", "-m", "sync.media.worker"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
            )
        except OSError as exc:
            raise MediaError(_NOT_STARTED) from exc
        assert self.process.stdin is not None and self.process.stdout is not None
        self._requests = self.process.stdin
        self._replies: queue.Queue[Any] = queue.Queue()
        reader = threading.Thread(target=_read_replies, args=(self.process.stdout, self._replies),
                                  name="media-worker-replies", daemon=True)
        reader.start()
        try:
            ready = self._next_reply(STARTUP_TIMEOUT)
        except MediaError:
            ready = None
        if ready != "ready":
            self.kill()
            raise MediaError(_NOT_STARTED)

    def call(
        self, timeout: float, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[str, Any]:
        """Send one request; return ("ok", result) or ("error", the exception `fn` raised)."""
        try:
            _write_frame(self._requests, (fn, args, kwargs))
        except OSError as exc:  # the worker is gone
            raise CorruptMedia(_CRASHED) from exc
        outcome, value = self._next_reply(timeout)
        return str(outcome), value

    def _next_reply(self, timeout: float) -> Any:
        try:
            reply = self._replies.get(timeout=timeout)
        except queue.Empty:
            raise ProbeTimeout(f"Reading this file took longer than {timeout:g} seconds, so it was stopped; "
                               "it may be damaged. It can still be sent as a file.") from None
        if reply is _GONE:
            raise CorruptMedia(_CRASHED)
        return reply

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        """Let the worker finish (it exits when its stdin closes), killing it if it lingers."""
        self._close_requests()
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        self._close_requests()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def _close_requests(self) -> None:
        with contextlib.suppress(OSError):  # a broken pipe: the worker is already gone
            self._requests.close()


class _Pool:
    """Idle workers waiting for the next request; a busy caller simply starts another worker."""

    def __init__(self, max_idle: int) -> None:
        self._max_idle = max_idle
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()

    def take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive:
                    return worker
                worker.kill()
        return _Worker()

    def give_back(self, worker: _Worker) -> None:
        with self._lock:
            if worker.alive and len(self._idle) < self._max_idle:
                self._idle.append(worker)
                return
        worker.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close()


_NOT_STARTED = ("The media reader could not be started, so this file can't be previewed now; "
                "it can still be sent as a file.")
_CRASHED = ("The media reader stopped unexpectedly on this file, so it may be damaged; "
            "it can still be sent as a file.")
_GONE = object()  # what the reader thread queues when the worker's stdout ends


def _write_frame(stream: IO[bytes], value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(_HEADER, "big") + data)
    stream.flush()


def _read_frame(stream: IO[bytes]) -> Any:
    """The next pickled value, or _GONE at end of stream."""
    header = stream.read(_HEADER)
    if len(header) < _HEADER:
        return _GONE
    size = int.from_bytes(header, "big")
    data = stream.read(size)
    if len(data) < size:
        return _GONE
    return pickle.loads(data)


def _read_replies(stream: IO[bytes], replies: queue.Queue[Any]) -> None:
    """The reader thread: queue each reply until the worker's stdout ends, then queue _GONE."""
    with stream:
        while True:
            try:
                reply = _read_frame(stream)
            except Exception:  # a garbled reply means a broken worker
                reply = _GONE
            replies.put(reply)
            if reply is _GONE:
                return


def _serve() -> None:
    """The worker's loop: run each request, reply ("ok", result) or ("error", exception)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is for the app, which then closes our stdin
    warnings.simplefilter("ignore")  # decoder warnings about odd files are noise here
    requests = sys.stdin.buffer
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    log = sys.stderr if sys.stderr is not None else open(os.devnull, "w")  # noqa: SIM115 (a GUI app has none)
    os.dup2(log.fileno(), sys.stdout.fileno())  # stray prints, even from C, must not corrupt the replies
    sys.stdout = log
    for name in _WARM_MODULES:
        importlib.import_module(name)
    _write_frame(replies, "ready")
    while (request := _read_frame(requests)) is not _GONE:
        fn, args, kwargs = request
        try:
            reply: tuple[str, Any] = ("ok", fn(*args, **kwargs))
        except Exception as exc:
            reply = ("error", exc)
        try:
            _write_frame(replies, reply)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:  # an unpicklable answer
            _write_frame(replies, ("error", RuntimeError(f"media worker could not send its answer: {exc!r}")))


_POOL = _Pool(MAX_IDLE_WORKERS)
atexit.register(shutdown)

if __name__ == "__main__":
    _serve()
