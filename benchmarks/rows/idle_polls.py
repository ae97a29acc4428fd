"""Idle polls: p50 delivery (alice POSTs → bob's waiting long-poll answers) with 200 idle long-polls beside it.

The idle polls are other users' ``/v1/sync?wait=60`` that no message is for; the reference is the same
delivery on the same server (``python -m sync serve``, SQLite) without them, measured in the same run,
the two phases alternating. Also the server's CPU per message in each phase. Quick: 200 idle polls from
40 users (5 each; signing up costs two scrypt hashes a user), 100 deliveries a phase; ``--full``: 200
users with one poll each, 200 deliveries a phase.
"""

from __future__ import annotations

import statistics

from benchmarks.deliveries import IdlePolls, Pair, sign_up_many
from benchmarks.served import serving
from benchmarks.suite.result import Result, row_main

ID = "idle-polls"
TARGET = "p50 ≤ 1.3 × without idle polls"
GOAL = 1.3
IDLE_POLLS = 200


def measure(full: bool) -> Result:
    users, rounds = (200, 200) if full else (40, 100)
    with serving("--write-rate", "100000000", "--signups-per-address", "100000") as server:
        pair = Pair(server.port)
        idle_users = sign_up_many(server.port, [f"idle{i}" for i in range(users)])
        without: list[float] = []
        with_idle: list[float] = []
        cpu = {"without": 0.0, "with": 0.0}
        pair.deliveries(10)  # warm-up: connections, caches, the threadpool
        for _ in range(2):  # alternate phases: the machine's load drifts
            started = server.cpu_seconds()
            without += pair.deliveries(rounds // 2)
            cpu["without"] += server.cpu_seconds() - started
            with IdlePolls(server.port, [u.token for u in idle_users], IDLE_POLLS) as idle:
                pair.deliveries(5)  # the idle polls are all waiting by now
                started = server.cpu_seconds()
                with_idle += pair.deliveries(rounds // 2)
                cpu["with"] += server.cpu_seconds() - started
                answered = idle.answered
            if answered:
                raise SystemExit(f"{answered} idle polls answered: they were woken by messages not for them")
        pair.close()
    p50, p50_ref = statistics.median(with_idle), statistics.median(without)
    ratio = p50 / p50_ref
    cpu_ms = {k: v * 1000 / len(without) for k, v in cpu.items()}
    return Result(
        id=ID, envelope=f"{p50:.1f} ms", reference=f"{p50_ref:.1f} ms", ratio=ratio, target=TARGET,
        met=ratio <= GOAL,
        detail=f"p50 of {len(with_idle)} deliveries with {IDLE_POLLS} idle polls ({users} users) vs without; "
               f"server CPU/message {cpu_ms['with']:.2f} vs {cpu_ms['without']:.2f} ms",
        extra={"p50_ms": round(p50, 2), "p50_without_ms": round(p50_ref, 2),
               "p95_ms": round(statistics.quantiles(with_idle, n=20)[-1], 2),
               "p95_without_ms": round(statistics.quantiles(without, n=20)[-1], 2),
               "server_cpu_ms_per_msg": round(cpu_ms["with"], 3),
               "server_cpu_ms_per_msg_without": round(cpu_ms["without"], 3),
               "idle_polls": IDLE_POLLS, "idle_users": users, "deliveries": len(with_idle)},
    )


if __name__ == "__main__":
    row_main(measure)
