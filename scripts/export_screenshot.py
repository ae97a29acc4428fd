"""Make docs/export.png: bob's export of "Weekend trip" opened in headless Chromium (index.html from disk).

    .venv/bin/python scripts/export_screenshot.py docs/export.png

Needs Debian's ``chromium`` (apt-get install chromium) for the picture only; nothing else uses it.
alice and bob share a chat with text, photos, a video, a voice note and a PDF; bob exports it with
``desktop.core.export`` and Chromium renders the page as any browser would, offline.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop.core.engine import Engine  # noqa: E402
from desktop.core.export.conversation import export_conversation  # noqa: E402
from desktop.ui.startup.demo import SAMPLES  # noqa: E402
from sync.server.config import ServerConfig  # noqa: E402
from sync.server.runner import EmbeddedServer  # noqa: E402

PASSWORD = "password123"
SCRIPT = [
    ("alice", "Made it to the observatory! The sky was perfectly clear tonight.", []),
    ("alice", "Look what the telescope caught", ["photos/hubble_deep_field.jpg"]),
    ("bob", "Wow. Is that one photo or a stack of them?", []),
    ("alice", "A stack, panned slowly across the field:", ["video/hubble_pan.mp4"]),
    ("alice", "", ["audio/voice_note.m4a"]),
    ("bob", "The café on the way back <3", ["photos/coffee_with_gps.jpg"]),
    ("alice", "And the booking form for next time", ["files/chelsea.pdf"]),
]


def wait(done: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("the scene did not come together")
        time.sleep(0.05)


def chat(engines: dict[str, Engine]) -> str:
    alice, bob = engines["alice"], engines["bob"]
    cid = alice.create_conversation("Weekend trip", ["bob"])
    wait(lambda: bob.db.conversations.get(cid))
    bob.accept_request(cid)
    for n, (who, text, files) in enumerate(SCRIPT, start=1):
        sent = engines[who].send(cid, text, [SAMPLES / f for f in files])
        wait(lambda sent=sent, who=who: engines[who].db.messages.get(sent.id).state == "sent")  # type: ignore[union-attr]
        wait(lambda n=n: len(bob.db.messages.page(cid, limit=50)) == n)
    return cid


def shoot(page: Path, target: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("Chromium is needed for this picture: apt-get install chromium")
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--window-size=1000,2080",
                    "--virtual-time-budget=10000", f"--screenshot={target.resolve()}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)


def main(target: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="envelope-export-shot-") as tmp:
        root = Path(tmp)
        server = EmbeddedServer(ServerConfig(data_dir=root / "server")).start()
        engines: dict[str, Engine] = {}
        try:
            for name in ("alice", "bob"):
                engines[name] = Engine(root / name, long_poll_s=1).start()
                engines[name].sign_up(server.url, name, PASSWORD)
            cid = chat(engines)
            outcome = export_conversation(engines["bob"], cid, root / "exports")
        finally:
            for engine in engines.values():
                engine.stop()
            server.stop()
        shoot(outcome.folder / "index.html", target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/export.png"))
