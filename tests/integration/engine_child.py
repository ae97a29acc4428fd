"""A client engine in its own process, for tests that kill it: ``python -m tests.integration.engine_child``.

Usage: engine_child DATA_DIR send CONVERSATION_ID FILE   (waits until the message is sent)
       engine_child DATA_DIR download SHA256              (waits until the blob is cached)
Prints ``progress DONE TOTAL`` lines (every ~2 %) and ``done`` at the end; stdout is line-buffered.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from desktop.core.engine import Engine
from desktop.core.events import EngineEvent, TransferProgress


def main(argv: list[str]) -> int:
    data_dir, action, *rest = argv
    finished = threading.Event()
    last = [-1]

    def listener(event: EngineEvent) -> None:
        if isinstance(event, TransferProgress) and event.total:
            step = event.done * 50 // event.total
            if step != last[0]:
                last[0] = step
                print(f"progress {event.done} {event.total}", flush=True)

    engine = Engine(Path(data_dir), listener=listener, long_poll_s=1)
    engine.start()
    try:
        if action == "send":
            conversation_id, file = rest
            pending = [m for m in engine.db.messages.page(conversation_id, limit=20) if m.state == "pending"]
            message = pending[0] if pending else engine.send(conversation_id, "big file", [Path(file)])
            while not finished.wait(0.1):
                current = engine.db.messages.get(message.id)
                if current is not None and current.state == "sent":
                    finished.set()
        elif action == "download":
            (sha,) = rest
            engine.download(sha)
            while not finished.wait(0.1):
                if engine.media_path(sha) is not None:
                    finished.set()
        else:
            print(f"unknown action {action}", file=sys.stderr)
            return 2
        print("done", flush=True)
        return 0
    finally:
        engine.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
