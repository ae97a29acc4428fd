"""Initial sync: how long a fresh client engine takes to file N messages from the feed.

Run: .venv/bin/python benchmarks/bench_sync.py [--messages 10000]
The server runs embedded (uvicorn in a thread); messages are seeded over HTTP first.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desktop.core.engine import Engine
from sync.client import SyncClient
from sync.protocol import MessageCreate
from sync.server.config import ServerConfig
from sync.server.limit_settings import Limits
from sync.server.runner import EmbeddedServer

SEEDING = Limits(writes_per_minute=10**9)  # seeding posts 10,000 messages as fast as it can


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = EmbeddedServer(ServerConfig(data_dir=root / "srv", limits=SEEDING)).start()
        try:
            alice = SyncClient(server.url)
            alice.create_account("alice", "benchmark password")
            alice.sign_in("alice", "benchmark password")
            SyncClient(server.url).create_account("bob", "benchmark password")
            conversation = alice.create_conversation("bench", ["bob"])
            started = time.perf_counter()
            for i in range(args.messages):
                alice.post_message(conversation.id, MessageCreate(client_id=uuid.uuid4().hex, body=f"message {i}"))
            seed_s = time.perf_counter() - started

            bob = Engine(root / "bob", long_poll_s=1).start()
            try:
                started = time.perf_counter()
                bob.sign_in(server.url, "bob", "benchmark password")
                while True:
                    page = bob.db.messages.page(conversation.id, limit=1)
                    if page and page[0].seq == args.messages:
                        break
                    time.sleep(0.01)
                sync_s = time.perf_counter() - started
            finally:
                bob.stop()
        finally:
            server.stop()
    n = args.messages
    print(f"{'step':<40}{'messages':>10}{'seconds':>10}{'msg/s':>10}")
    print(f"{'seed: POST /messages one by one':<40}{n:>10}{seed_s:>10.2f}{n / seed_s:>10.0f}")
    print(f"{'initial sync of a fresh engine':<40}{n:>10}{sync_s:>10.2f}{n / sync_s:>10.0f}")


if __name__ == "__main__":
    main()
