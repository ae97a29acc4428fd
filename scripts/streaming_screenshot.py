"""Make docs/viewer-streaming.png: bob watching a video alice sent while it is still downloading (Xvfb).

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/streaming_screenshot.py docs/viewer-streaming.png

The clip is the tests' 20-second pan (tests/integration/clips.py). bob's download is held after its first
3 MB (and the end, where the clip's index is), so the picture shows it playing with part of it downloaded.
The video is drawn by the window system, so the picture is taken from the screen, not from the widget.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtMultimedia import QMediaPlayer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop.core.streaming import Streams  # noqa: E402
from desktop.core.streaming.fetcher import BLOCK  # noqa: E402
from desktop.ui.bridge import EngineBridge  # noqa: E402
from desktop.ui.viewer.viewer import MediaViewer  # noqa: E402
from scripts.forward_screenshot import people  # noqa: E402
from scripts.scene import wait  # noqa: E402
from tests.integration.clips import panning_clip  # noqa: E402


def main(target: Path) -> None:
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="envelope-streaming-shot-") as tmp, \
            people(Path(tmp), ("alice", "bob")) as engines:
        alice, bob = engines["alice"], engines["bob"]
        clip = panning_clip(Path(tmp) / "Hubble deep field, a slow pan.mp4")
        cid = alice.create_conversation("Weekend trip", ["bob"])
        wait(app, lambda: bob.db.conversations.get(cid))
        bob.accept_request(cid)
        sha = alice.send(cid, "", [clip]).attachments[0].blob
        wait(app, lambda: any(i.attachment.blob == sha and i.thumbnail_state == "complete"
                              for i in bob.db.messages.media(cid, ("video",))), 60)
        size = clip.stat().st_size
        Streams.of(bob).hold = lambda offset: 3 * BLOCK <= offset < size - BLOCK
        bridge = EngineBridge(bob)
        viewer = MediaViewer(bridge, cid, sha)
        viewer.resize(900, 600)
        viewer.move(40, 40)
        viewer.show()
        player = viewer.player.player
        wait(app, lambda: player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
             and player.position() > 4_000, 60)
        wait(app, lambda: "downloaded" in viewer.player.stream_label.text())
        frame = viewer.frameGeometry()
        app.primaryScreen().grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height()).save(str(target))
        viewer.close()
        bridge.close()
        Streams.stop_for(bob)
    print(f"wrote {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/viewer-streaming.png"))
