"""The built-in server: one background process on this computer that every Envelope app shares.

``python -m sync.server.built_in --data-dir DIR`` serves DIR on loopback while it holds
``DIR/server.lock`` (which names its pid); a second one started at the same moment finds the lock
taken and leaves. The port is kept in ``DIR/port``, so the accounts' addresses stay valid across
restarts. The process belongs to no window: it stops by itself once no app has sent it a request
for ``--idle-exit`` seconds, and an app that finds it gone starts it again on the same port and data.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import logging
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sync.lockfile import FileLock, is_locked

HOST = "127.0.0.1"
LOCK_FILE = "server.lock"
PORT_FILE = "port"
LOG_FILE = "server.log"
IDLE_EXIT_S = 600.0
"""Apps talk to the server at least once a minute, so this is how long it outlives the last app."""
LOG_LIMIT_BYTES = 1024 * 1024
SPAWN_RETRY_S = 5.0  # a server that has not taken its lock this long after being started did not start

log = logging.getLogger(__name__)


class BuiltInServerError(OSError):
    """The built-in server did not come up (the machine's fault, not ours); the message says where its log is."""


@dataclass(frozen=True)
class BuiltInServer:
    url: str
    port: int
    pid: int  # 0 when the lock file cannot be read (Windows)
    started: bool  # this call started the process; False: it was already running


def saved_port(folder: Path) -> int:
    with contextlib.suppress(OSError, ValueError):
        return int((folder / PORT_FILE).read_text().strip())
    return 0


def url_of(port: int) -> str:
    return f"http://{HOST}:{port}"


def running(folder: Path) -> BuiltInServer | None:
    """The built-in server of ``folder`` if one holds its lock and answers, else None."""
    if not is_locked(folder / LOCK_FILE):
        return None
    port = saved_port(folder)
    if not port or not healthy(port):
        return None
    return BuiltInServer(url_of(port), port, _pid(folder), started=False)


def ensure_running(folder: Path, *, idle_exit_s: float = IDLE_EXIT_S, timeout_s: float = 30.0) -> BuiltInServer:
    """The running built-in server of ``folder``, started in the background first when there is none.

    Blocks until it answers (a second or two when it starts). Raises BuiltInServerError.
    """
    folder.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_s
    spawned_pid, spawned_at = 0, -SPAWN_RETRY_S
    while True:
        found = running(folder)
        if found is not None:
            started = bool(spawned_pid) and found.pid == spawned_pid
            return BuiltInServer(found.url, found.port, found.pid, started)
        if not is_locked(folder / LOCK_FILE) and time.monotonic() - spawned_at >= SPAWN_RETRY_S:
            spawned_pid, spawned_at = spawn(folder, idle_exit_s=idle_exit_s), time.monotonic()
        if time.monotonic() > deadline:
            raise BuiltInServerError(
                f"The built-in server on this computer did not start; its log is {folder / LOG_FILE}.")
        time.sleep(0.05)


def spawn(folder: Path, *, idle_exit_s: float = IDLE_EXIT_S) -> int:
    """Start the server in the background and return its pid; it logs to ``folder/server.log``.

    A short-lived go-between starts it and leaves at once, so no app is its parent: the server
    belongs to the folder, not to the window that happened to start it.
    """
    package_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)}
    try:
        done = subprocess.run([*_command(folder, idle_exit_s), "--detach"], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, cwd=folder, env=env, timeout=30, check=False)
        return int(done.stdout.strip())
    except (subprocess.SubprocessError, ValueError) as exc:
        raise BuiltInServerError(f"The built-in server on this computer did not start ({exc}); "
                                 f"its log is {folder / LOG_FILE}.") from None


def _command(folder: Path, idle_exit_s: float) -> list[str]:
    return [sys.executable, "-m", "sync.server.built_in", "--data-dir", str(folder), "--idle-exit", str(idle_exit_s)]


def _detach(folder: Path, idle_exit_s: float) -> int:
    """The go-between: start the server in a session of its own (Ctrl+C in an app's terminal misses it)."""
    log_path = folder / LOG_FILE
    mode = "wb" if log_path.exists() and log_path.stat().st_size > LOG_LIMIT_BYTES else "ab"
    with open(log_path, mode) as output:
        if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
            flags = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.DETACHED_PROCESS
            child = subprocess.Popen(_command(folder, idle_exit_s), stdin=subprocess.DEVNULL, stdout=output,
                                     stderr=subprocess.STDOUT, close_fds=True, creationflags=flags)
        else:
            child = subprocess.Popen(_command(folder, idle_exit_s), stdin=subprocess.DEVNULL, stdout=output,
                                     stderr=subprocess.STDOUT, close_fds=True, start_new_session=True)
    print(child.pid, flush=True)  # and leave: the server is not ours to wait for
    return 0


def healthy(port: int, timeout_s: float = 2.0) -> bool:
    """Whether a server on loopback ``port`` answers /healthz (straight to it: no proxy)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout_s)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def _pid(folder: Path) -> int:
    with contextlib.suppress(OSError, ValueError):
        return int((folder / LOCK_FILE).read_text().strip() or 0)
    return 0


def _bind(port: int) -> socket.socket:
    """A socket on ``port`` (the saved one), or on a free port when that is taken."""
    for candidate in (port, 0) if port else (0,):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if sys.platform != "win32":  # the last server's connections in TIME_WAIT must not block its port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, candidate))
        except OSError:
            sock.close()
            if candidate == 0:
                raise
            log.warning("port %d is taken; the built-in server moves to another", candidate)
            continue
        return sock
    raise AssertionError("unreachable")


def _write_port(folder: Path, port: int) -> None:
    tmp = folder / f"{PORT_FILE}.tmp"
    tmp.write_text(f"{port}\n")
    tmp.replace(folder / PORT_FILE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sync.server.built_in",
                                     description="Run the built-in server of this computer's Envelope apps.")
    parser.add_argument("--data-dir", type=Path, required=True, help="where its database, blobs and port live")
    parser.add_argument("--idle-exit", type=float, default=IDLE_EXIT_S, metavar="SECONDS",
                        help=f"stop after this long without a request (0: never; default {IDLE_EXIT_S:.0f})")
    parser.add_argument("--detach", action="store_true", help="start it in the background, print its pid, return")
    args = parser.parse_args(argv)
    if args.detach:
        return _detach(args.data_dir.resolve(), args.idle_exit)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    folder: Path = args.data_dir.resolve()
    lock = FileLock(folder / LOCK_FILE)
    if not lock.acquire():
        log.info("another built-in server already runs on %s", folder)
        return 0
    lock.write(f"{os.getpid()}\n")
    from sync.server.config import ServerConfig
    from sync.server.runner import run_forever

    sock = _bind(saved_port(folder))
    port = sock.getsockname()[1]
    _write_port(folder, port)
    log.warning("built-in server %s (pid %d) on %s", url_of(port), os.getpid(), folder)
    try:
        run_forever(ServerConfig(data_dir=folder), host=HOST, port=port, log_level="warning",
                    idle_exit_s=args.idle_exit or None, sock=sock)
    finally:
        log.warning("built-in server %s stopped", url_of(port))
        lock.release()
    return 0


if __name__ == "__main__":
    sys.exit(main())
