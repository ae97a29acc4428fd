"""cold-start: from launching Envelope to its first painted main window, beside a minimal PySide6 program.

Envelope: ``main.py``'s own ``main()`` (through benchmarks/rows/_startup_child.py, which only watches for the
first paint) on a signed-in profile of a remote server (run by this process) with one conversation
of 200 messages — the start a returning user sees. Reference: a program that shows one QMainWindow and
grabs it. Both run offscreen, alternately, each a fresh process (imports included; the OS file cache is
warm after the first run, as on a desktop). Also measured: how long the process takes to end after its
window closes (target ≤ 0.2 s). Quick: 5 runs each; --full: 15.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from benchmarks.suite.result import Result, row_main
from desktop.core.engine import Engine
from sync.client import SyncClient
from sync.protocol import MessageCreate
from sync.server.config import ServerConfig
from sync.server.runner import EmbeddedServer

ID = "cold-start"
TARGET = "≤ 1.5 × minimal PySide6; quit ≤ 0.2 s"
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "benchmark password"
MESSAGES = 200


def make_profile(profile: Path, url: str) -> None:
    """Alice's signed-in profile holding one conversation of MESSAGES messages from bob, synced, closed."""
    SyncClient(url).create_account("bob", PASSWORD)
    engine = Engine(profile, long_poll_s=1).start()
    try:
        engine.sign_up(url, "alice", PASSWORD)
        conversation = engine.create_conversation("Trip photos", ["bob"])
        bob = SyncClient(url)
        bob.sign_in("bob", PASSWORD)
        for i in range(MESSAGES):
            bob.post_message(conversation, MessageCreate(client_id=uuid.uuid4().hex, body=f"message {i}"))
        deadline = time.monotonic() + 60
        while len(engine.db.messages.page(conversation, limit=MESSAGES)) < MESSAGES:
            if time.monotonic() > deadline:
                raise RuntimeError("alice's engine did not receive bob's messages in 60 s")
            time.sleep(0.05)
    finally:
        engine.stop()


def timed_run(args: list[str]) -> tuple[float, float, float]:
    """Seconds to the ``painted`` line, to the ``closing`` line (ready), and from that line to the end."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "benchmarks.rows._startup_child", *args], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert child.stdout is not None
    painted = closing = None
    for line in child.stdout:
        if line.strip() == "painted":
            painted = time.perf_counter()
        elif line.strip() == "closing":
            closing = time.perf_counter()
    child.wait(60)
    ended = time.perf_counter()
    if painted is None or closing is None or child.returncode != 0:
        raise RuntimeError(f"{args[0]} did not paint and close cleanly (exit {child.returncode})")
    return painted - started, closing - started, ended - closing


def measure(full: bool) -> Result:
    runs = 15 if full else 5
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        server = EmbeddedServer(ServerConfig(data_dir=folder / "server")).start()
        url = server.url
        try:
            make_profile(folder / "alice", url)
            envelope_args = ["envelope", "--server", url, "--data-dir", str(folder / "alice")]
            timed_run(["minimal"]), timed_run(envelope_args)  # warm the file cache, compile .pyc
            ours, readies, minimal, quits = [], [], [], []
            for _ in range(runs):
                paint, ready, quit_s = timed_run(envelope_args)
                ours.append(paint)
                readies.append(ready)
                quits.append(quit_s)
                minimal.append(timed_run(["minimal"])[0])
        finally:
            server.stop()
    env_s, ready_s, ref_s, quit_s = (statistics.median(values) for values in (ours, readies, minimal, quits))
    ratio = env_s / ref_s
    return Result(
        id=ID, envelope=f"{env_s:.2f} s; quit {quit_s:.2f} s", reference=f"{ref_s:.2f} s (minimal PySide6)",
        ratio=ratio, target=TARGET, met=ratio <= 1.5 and quit_s <= 0.2,
        detail=(f"launch → first painted main window, signed-in profile of a remote server, {MESSAGES} messages, "
                f"offscreen, median of {runs}; the window is filled and answers input at {ready_s:.2f} s; "
                f"quit = window closed → process ended"),
        extra={"envelope_s": round(env_s, 3), "ready_s": round(ready_s, 3), "minimal_s": round(ref_s, 3),
               "quit_s": round(quit_s, 3),
               "quit_max_s": round(max(quits), 3), "runs": runs},
    )


if __name__ == "__main__":
    row_main(measure)
