"""Seeding: messages posted per second by 4 client threads to one server, and the server's CPU per message.

``python -m sync serve`` runs in a subprocess (SQLite, default settings but ``--write-rate`` raised so the
benchmark is not refused); each thread is its own user posting text messages into its own conversation
with one reader, on one keep-alive connection. No reference: the target is absolute. Quick: 2,000
messages; ``--full``: 20,000 (the size sync-initial reads back), three runs each, the median reported.
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid

from benchmarks.served import Client, serving, sign_up
from benchmarks.suite.result import Result, row_main

ID = "seeding"
TARGET = "≥ 2,000 msg/s"
GOAL = 2000.0
THREADS = 4


def _post_all(client: Client, path: str, count: int, failures: list[str]) -> None:
    try:
        for n in range(count):
            body = f'{{"client_id": "{uuid.uuid4().hex}", "body": "seed message {n}", "attachments": []}}'
            answer = client.call("POST", path, body.encode())
            if answer.status != 201:
                failures.append(f"{answer.status} {answer.body[:200]!r}")
                return
    except OSError as exc:
        failures.append(str(exc))


def seed_once(total: int) -> tuple[float, float]:
    """Post ``total`` messages from THREADS threads; (messages a second, server CPU ms per message)."""
    with serving("--write-rate", "100000000") as server:
        reader = sign_up(server.port, "reader")
        writers, paths = [], []
        for i in range(THREADS):
            writer = sign_up(server.port, f"writer{i}")
            conversation = writer.ok("POST", "/v1/conversations", {"title": f"seed {i}", "members": ["reader"]})
            writers.append(writer)
            paths.append(f"/v1/conversations/{conversation['id']}/messages")
        reader.close()
        failures: list[str] = []
        threads = [threading.Thread(target=_post_all, args=(w, p, total // THREADS, failures))
                   for w, p in zip(writers, paths, strict=True)]
        cpu, started = server.cpu_seconds(), time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed, cpu = time.perf_counter() - started, server.cpu_seconds() - cpu
        if failures:
            raise SystemExit(f"a post failed: {failures[0]}")
        posted = total // THREADS * THREADS
        return posted / elapsed, cpu * 1000 / posted


def measure(full: bool) -> Result:
    total = 20_000 if full else 2_000
    runs = [seed_once(total) for _ in range(3)]
    rate = statistics.median(r[0] for r in runs)
    cpu_ms = statistics.median(r[1] for r in runs)
    return Result(
        id=ID, envelope=f"{rate:,.0f} msg/s", reference="—", ratio=None, target=TARGET, met=rate >= GOAL,
        detail=f"{total:,} text messages, {THREADS} threads (a user and conversation each), SQLite, "
               f"server CPU {cpu_ms:.2f} ms/message; median of 3",
        extra={"messages": total, "msg_per_s": round(rate, 1), "server_cpu_ms_per_msg": round(cpu_ms, 3),
               **{f"run{i}_msg_per_s": round(r[0], 1) for i, r in enumerate(runs)}},
    )


if __name__ == "__main__":
    row_main(measure)
