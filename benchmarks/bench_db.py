"""Timings of the local database's hot paths on a 100,000-message conversation; prints a table.

Run: .venv/bin/python benchmarks/bench_db.py [--messages N] [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desktop.core.db.local import LocalDB
from desktop.core.db.messages import PAGE_SQL
from desktop.core.db.records import Account


def build(db: LocalDB, n: int) -> float:
    """n sent messages in c1 (one photo on every tenth), 20 small conversations, 5 pending sends."""
    start = time.perf_counter()
    db.set_account(Account("http://127.0.0.1:8765", "u1", "alice", "t"))
    db.conversations.upsert_many(
        [{"id": f"c{i}", "title": f"Chat {i}", "members": ["alice", "bob"]} for i in range(1, 21)]
    )
    with db._conns.write() as conn:  # one statement each: FTS5 flushes per statement
        conn.execute(
            """WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < ?)
               INSERT INTO messages (client_id, server_id, conversation_id, sender, body, seq, sort_key, state,
                   created_at)
               SELECT 'c' || n, 's' || n, 'c1', CASE n % 3 WHEN 0 THEN 'alice' ELSE 'bob' END,
                      'message number ' || n || ' about the trip', n, n, 'sent', 1700000000000 + n FROM i""",
            [n],
        )
        conn.execute(
            """INSERT INTO attachments (message_id, position, conversation_id, sort_key, blob, size, mime, name,
                   kind)
               SELECT id, 0, 'c1', sort_key, printf('%064x', id), 1000, 'image/jpeg', 'IMG_' || id || '.jpg',
                      CASE WHEN id % 50 = 0 THEN 'file' ELSE 'image' END
                 FROM messages WHERE id % 10 = 0"""
        )
    for i in range(5):
        db.messages.add_local("c1", f"pending {i}")
    return time.perf_counter() - start


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    n, runs = args.messages, args.runs
    with tempfile.TemporaryDirectory() as tmp, LocalDB(Path(tmp) / "envelope.db") as db:
        built = build(db, n)
        counter = iter(range(10**9))

        def upsert_one() -> None:
            i = next(counter)
            db.messages.upsert_remote({"id": f"x{i}", "client_id": f"x{i}", "conversation_id": "c2",
                                       "sender": "bob", "body": "hi", "attachments": [], "seq": i + 1,
                                       "created_at": "2024-01-01T00:00:00Z"})

        def upsert_page() -> None:
            base = 1_000_000 + next(counter) * 500
            db.messages.upsert_remote_many([
                {"id": f"p{base + k}", "client_id": f"p{base + k}", "conversation_id": "c3", "sender": "bob",
                 "body": f"page message {k}", "attachments": [], "seq": base + k, "created_at": "2024-01-01T00:00:00Z"}
                for k in range(500)
            ])

        cases: list[tuple[str, Callable[[], object], int]] = [
            ("messages.page newest 50 (incl. pending)", lambda: db.messages.page("c1", limit=50), runs),
            ("messages.page before=50,000, 50", lambda: db.messages.page("c1", before=50_000, limit=50), runs),
            ("messages.page before=100, 50", lambda: db.messages.page("c1", before=100, limit=50), runs),
            ("messages.media newest 200", lambda: db.messages.media("c1", limit=200), runs // 4 or 1),
            ("conversations.summaries (20)", db.conversations.summaries, runs // 4 or 1),
            ("messages.search 'trip 4242'", lambda: db.messages.search("trip 4242"), runs // 4 or 1),
            ("messages.search 'IMG_99'", lambda: db.messages.search("IMG_99"), runs // 4 or 1),
            ("messages.add_local", lambda: db.messages.add_local("c4", "hello"), runs // 4 or 1),
            ("messages.upsert_remote (1)", upsert_one, runs // 4 or 1),
            ("messages.upsert_remote_many (500)", upsert_page, 5),
        ]
        rows = [(name, count, *timed(fn, count)) for name, fn, count in cases]
        plan = "; ".join(db.query_plan(PAGE_SQL, {"conversation_id": "c1", "before": 50_000, "limit": 50}))

    print(f"local db, {n:,} messages in one conversation (built in {built:.2f} s)")
    print(f"page plan: {plan}")
    print(f"{'operation':<42} {'runs':>5} {'median ms':>10} {'p95 ms':>9}")
    print("-" * 69)
    for name, count, median, p95 in rows:
        print(f"{name:<42} {count:>5} {median:>10.3f} {p95:>9.3f}")


if __name__ == "__main__":
    main()
