"""Latencies the test suite used to assert and now only checks for behaviour; prints a table.

Run: .venv/bin/python benchmarks/bench_latency.py [--polls N] [--frames N] [--resumes N]

* long-poll wake-up: ``python -m sync serve`` in a subprocess, bob waiting on ``/v1/sync?wait=20``; from
  just before alice's POST of a message to bob's poll answering with it (``benchmarks/deliveries.py``; was
  ``< 100 ms`` in tests/integration/test_server_api.py);
* timeline fling: 20,000 messages offscreen, jump 5,000 back, then the scroll bar dragged up 400 px at a
  time; a step is the move, ``processEvents()`` (older pages load) and a full repaint (was ``< 50 ms`` a
  step in tests/gui/timeline/test_model.py);
* resume behind a silent PATCH: a client sends 30 KB of a PATCH and goes quiet with the connection open;
  how long its HEAD takes to answer, with the server's body idle timeout at 1 s (was ``< 5 s`` in
  tests/integration/test_uploads.py).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from benchmarks.deliveries import Pair  # noqa: E402
from benchmarks.served import serving  # noqa: E402
from sync.server import uploads  # noqa: E402
from sync.server.config import ServerConfig  # noqa: E402
from sync.server.runner import EmbeddedServer, free_port  # noqa: E402

PASSWORD = "benchmark password"
TUS = {"Tus-Resumable": "1.0.0"}


class Account:
    """A signed-up user talking to a server over HTTP."""

    def __init__(self, base: str, name: str) -> None:
        self.base = base
        self.session = requests.Session()
        requests.post(f"{base}/v1/accounts", json={"username": name, "password": PASSWORD}, timeout=10)
        token = requests.post(f"{base}/v1/tokens", json={"username": name, "password": PASSWORD}, timeout=10)
        self.session.headers["Authorization"] = f"Bearer {token.json()['token']}"

    def call(self, method: str, path: str, **kw: object) -> requests.Response:
        response = self.session.request(method, self.base + path, timeout=60, **kw)  # type: ignore[arg-type]
        response.raise_for_status()
        return response


def long_poll_wakeups(polls: int) -> list[float]:
    with serving() as server:
        pair = Pair(server.port)
        try:
            return pair.deliveries(polls)
        finally:
            pair.close()


def fling_frames(frames: int) -> list[float]:
    from PySide6.QtWidgets import QApplication

    from desktop.core.engine import Engine
    from desktop.ui.bridge import EngineBridge
    from desktop.ui.media.thumbnails import ThumbnailCache
    from desktop.ui.timeline.model import TimelineModel
    from desktop.ui.timeline.view import TimelineView

    app = QApplication.instance() or QApplication([])
    count, jump_to, cid = 20_000, 15_000, "big"
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(Path(tmp) / "reader")  # not started: only its local database is used
        engine.db.conversations.upsert({"id": cid, "title": "Big", "members": ["alice", "bob"]})
        engine.db.messages.upsert_remote_many([
            {"id": f"s{n}", "client_id": f"c{n}", "conversation_id": cid, "sender": "alice" if n % 3 else "bob",
             "body": f"message {n}", "seq": n, "created_at": 1_700_000_000_000 + n * 60_000, "attachments": []}
            for n in range(1, count + 1)
        ])
        bridge = EngineBridge(engine)
        view = TimelineView(ThumbnailCache(engine.media_path))
        view.resize(700, 600)
        view.show()
        model = TimelineModel(bridge, cid)
        view.setModel(model)
        deadline = time.monotonic() + 30
        while not (view.at_bottom() and model.rowCount() > 0) and time.monotonic() < deadline:
            app.processEvents()
        view.jump_to(engine.db.messages.page(cid, before=jump_to + 1, limit=1)[0].id)
        app.processEvents()
        bar = view.verticalScrollBar()
        samples = []
        for _ in range(frames):  # older pages load above as the fling reaches them
            started = time.perf_counter()
            bar.setValue(bar.value() - 400)
            app.processEvents()
            view.viewport().repaint()
            samples.append((time.perf_counter() - started) * 1000)
        loaded = model.rowCount()
        view.close()
        bridge.stop()
    print(f"  (fling: {loaded:,} rows loaded at the end)", file=sys.stderr)
    return samples


def silent_patch_resumes(runs: int) -> list[float]:
    uploads.BODY_IDLE_TIMEOUT_S = 1.0
    samples = []
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedServer(ServerConfig(data_dir=Path(tmp)), metrics_port=free_port()).start()
        try:
            user = Account(server.url, "alice")
            for _ in range(runs):
                data = os.urandom(100_000)
                sha = hashlib.sha256(data).hexdigest()
                meta = "sha256 " + base64.b64encode(sha.encode()).decode()
                created = user.call("POST", "/v1/uploads",
                                    headers={**TUS, "Upload-Length": str(len(data)), "Upload-Metadata": meta})
                path = urlsplit(created.headers["Location"]).path
                stalled = http.client.HTTPConnection("127.0.0.1", urlsplit(server.url).port, timeout=30)
                stalled.putrequest("PATCH", path, skip_accept_encoding=True)
                for name, value in {**TUS, "Authorization": user.session.headers["Authorization"],
                                    "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream",
                                    "Content-Length": str(len(data))}.items():
                    stalled.putheader(name, str(value))
                stalled.endheaders()
                stalled.send(data[:30_000])  # ... and then nothing, the connection left open
                while "envelope_uploads_in_progress 1.0" not in requests.get(server.metrics_url, timeout=10).text:
                    time.sleep(0.01)
                started = time.perf_counter()
                user.call("HEAD", path, headers=TUS)
                samples.append((time.perf_counter() - started) * 1000)
                stalled.close()
        finally:
            server.stop()
    return samples


def row(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (f"{name:<44}{len(samples):>6}{statistics.median(samples):>10.1f}{p95:>10.1f}"
            f"{ordered[0]:>10.1f}{ordered[-1]:>10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--polls", type=int, default=50)
    parser.add_argument("--frames", type=int, default=50)
    parser.add_argument("--resumes", type=int, default=3)
    args = parser.parse_args()
    cases: list[tuple[str, Callable[[], list[float]]]] = [
        ("long-poll wake-up after a POST", lambda: long_poll_wakeups(args.polls)),
        ("timeline fling step, 20k messages, after jump", lambda: fling_frames(args.frames)),
        ("HEAD behind a silent PATCH (idle timeout 1 s)", lambda: silent_patch_resumes(args.resumes)),
    ]
    print(f"{'case (ms)':<44}{'n':>6}{'median':>10}{'p95':>10}{'min':>10}{'max':>10}")
    for name, run in cases:
        print(row(name, run()), flush=True)


if __name__ == "__main__":
    main()
