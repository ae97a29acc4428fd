"""Sync-initial: messages a second a fresh engine files from the /v1/sync feed, against a bare read of it.

``python -m sync serve`` runs in a subprocess; one conversation of text messages is seeded straight into
its store (in this process, through the server's own ``Metadata``: what a POST stores, without the HTTP),
then read back over HTTP twice per run, alternately: by a bare ``requests`` loop that only fetches and
parses each page (the reference), and by a fresh ``Engine`` that signs in and files every page until it is
caught up (Envelope). Quick: 5,000 messages; ``--full``: 20,000 (the issue's size). Five runs each, the
median reported. ``extra`` also holds how long a profile of 100,000 messages (``bench_db``'s layout) takes
to open and start against an empty one, medians of five (the issue asks that this stays as fast).
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from benchmarks.bench_db import build
from benchmarks.served import PASSWORD, Server, serving, sign_up
from benchmarks.suite.result import Result, row_main
from desktop.core.db.local import LocalDB
from desktop.core.engine import Engine
from desktop.core.events import ConnectionChanged, EngineEvent
from sync.server.at_rest import open_keys
from sync.server.config import ServerConfig
from sync.server.crypto.sealing import Sealer
from sync.server.metadata import Metadata
from sync.server.timefmt import now_iso

ID = "sync-initial"
TARGET = "≥ 0.6 × bare requests read"
GOAL = 0.6
RUNS = 5
PROFILE_MESSAGES = 100_000  # the profile whose start should take no longer than an empty one's
CAUGHT_UP_S = 600  # far beyond any run: a bound so a broken engine fails the row instead of hanging


def seed(server: Server, writer: str, conversation_id: str, count: int) -> None:
    """``count`` text messages from ``writer`` stored as POST /messages stores them, in this process."""
    args = server.proc.args
    assert isinstance(args, list)
    config = ServerConfig(data_dir=Path(args[args.index("--data-dir") + 1]),
                          master_key_file=Path(args[args.index("--master-key-file") + 1]))
    _, keys = open_keys(config)
    meta = Metadata(config.database, sealer=Sealer(keys.metadata_key()))
    try:
        user = meta.accounts.by_name(writer)
        assert user is not None
        for n in range(count):
            meta.messages.post(uuid.uuid4().hex, conversation_id, user, uuid.uuid4().hex,
                               f"seed message {n} about the trip next week", [], created_at=now_iso())
    finally:
        meta.close()


@dataclass
class Spent:
    """What one read of the feed took: wall seconds, and CPU seconds of this process and of the server."""

    seconds: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float = 0.0


@contextmanager
def spending(server: Server) -> Iterator[Spent]:
    spent = Spent()
    wall, cpu, server_cpu = time.perf_counter(), time.process_time(), server.cpu_seconds()
    yield spent
    spent.seconds = time.perf_counter() - wall
    spent.client_cpu = time.process_time() - cpu
    spent.server_cpu = server.cpu_seconds() - server_cpu


def bare_read(server: Server, token: str) -> tuple[int, Spent]:
    """The reference: GET every /v1/sync page with one ``requests`` session and parse it; (events, spent)."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    with spending(server) as spent:
        events = _read_all(session, server)
    session.close()
    return events, spent


def _read_all(session: requests.Session, server: Server) -> int:
    cursor, events = None, 0
    while True:
        page = session.get(f"{server.base}/v1/sync", params={"cursor": cursor} if cursor else {}, timeout=60).json()
        events += len(page["events"])
        cursor = page["cursor"]
        if not page["has_more"]:
            return events


def engine_read(server: Server, username: str) -> Spent:
    """Envelope: a fresh profile, signed in but not started, starts and files the whole feed; what it
    spent from its start until it is caught up (signing in, a password check on the server, is left out as
    the reference's token was made beforehand)."""
    caught_up = threading.Event()

    def listen(event: EngineEvent) -> None:
        if isinstance(event, ConnectionChanged) and event.state == "online":
            caught_up.set()

    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(Path(tmp) / username, listener=listen)
        try:
            engine.sign_in(server.base, username, PASSWORD)
            with spending(server) as spent:
                engine.start()
                if not caught_up.wait(CAUGHT_UP_S):
                    raise SystemExit("the engine did not catch up with the feed")
            return spent
        finally:
            engine.stop()


def start_seconds(data_dir: Path) -> float:
    """How long opening the profile in ``data_dir`` and starting its engine takes (no server: signed out)."""
    started = time.perf_counter()
    engine = Engine(data_dir).start()
    elapsed = time.perf_counter() - started
    engine.stop()
    return elapsed


def profile_start(messages: int) -> tuple[float, float]:
    """Median seconds to start an empty profile and one holding ``messages`` messages (bench_db's layout)."""
    with tempfile.TemporaryDirectory() as tmp:
        empty, full = Path(tmp) / "empty", Path(tmp) / "full"
        LocalDB.in_dir(empty).close()
        with LocalDB.in_dir(full) as db:
            build(db, messages)
            db.sign_out()
        runs = [(start_seconds(empty), start_seconds(full)) for _ in range(RUNS)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def measure(full: bool) -> Result:
    count = 20_000 if full else 5_000
    with serving("--write-rate", "100000000") as server:
        reader = sign_up(server.port, "reader")
        writer = sign_up(server.port, "writer")
        conversation = writer.ok("POST", "/v1/conversations", {"title": "history", "members": ["reader"]})
        writer.close()
        seed(server, "writer", conversation["id"], count)
        events = count + 1  # the conversation event, then its messages
        bare_runs, engine_runs = [], []
        for _ in range(RUNS):
            read, spent = bare_read(server, reader.token)
            if read != events:
                raise SystemExit(f"the feed held {read} events, not {events}")
            bare_runs.append(spent)
            engine_runs.append(engine_read(server, "reader"))
    empty_s, big_s = profile_start(PROFILE_MESSAGES)
    bare = [events / r.seconds for r in bare_runs]
    filed = [events / r.seconds for r in engine_runs]
    envelope, reference = statistics.median(filed), statistics.median(bare)

    def us_per_message(runs: list[Spent], what: str) -> float:
        return round(statistics.median(float(getattr(r, what)) for r in runs) / events * 1e6, 1)

    ratio = envelope / reference
    return Result(
        id=ID, envelope=f"{envelope:,.0f} msg/s", reference=f"{reference:,.0f} msg/s", ratio=ratio, target=TARGET,
        met=ratio >= GOAL,
        detail=f"{count:,} text messages in one conversation, pages of 500; reference: a requests.Session "
               f"GET + .json() loop over the same feed; median of {RUNS}; CPU per message in extra",
        extra={"messages": count, "envelope_msg_per_s": round(envelope, 1), "bare_msg_per_s": round(reference, 1),
               "bare_client_cpu_us_per_msg": us_per_message(bare_runs, "client_cpu"),
               "bare_server_cpu_us_per_msg": us_per_message(bare_runs, "server_cpu"),
               "engine_client_cpu_us_per_msg": us_per_message(engine_runs, "client_cpu"),
               "engine_server_cpu_us_per_msg": us_per_message(engine_runs, "server_cpu"),
               "start_empty_profile_ms": round(empty_s * 1000, 1),
               "start_100k_profile_ms": round(big_s * 1000, 1),
               **{f"run{i}_ratio": round(f / b, 3) for i, (f, b) in enumerate(zip(filed, bare, strict=True))}},
    )


if __name__ == "__main__":
    row_main(measure)
