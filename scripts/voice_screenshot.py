"""Make docs/voice-recording.png: alice's window while she records a voice note (offscreen or Xvfb).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/voice_screenshot.py docs/voice-recording.png

The microphone is the tests' private PulseAudio daemon with a 440 Hz tone (tests/gui/composer/pulse.py),
started before Qt looks for audio devices; the tone's level is modulated so the meter shows speech-like bars.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.gui.composer import pulse  # noqa: E402

pulse.start()  # before Qt connects to PulseAudio

from PySide6.QtMultimedia import QMediaDevices  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop.core.engine import Engine  # noqa: E402
from desktop.ui.bridge import EngineBridge  # noqa: E402
from desktop.ui.main_window import MainWindow  # noqa: E402
from scripts.scene import wait  # noqa: E402
from sync.server.config import ServerConfig  # noqa: E402
from sync.server.runner import EmbeddedServer  # noqa: E402

PASSWORD = "password123"



def main(out: Path) -> None:
    if pulse.problem():
        raise SystemExit(pulse.problem())
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="envelope-voice-shot-") as tmp:
        base = Path(tmp)
        server = EmbeddedServer(ServerConfig(data_dir=base / "server")).start()
        alice = Engine(base / "alice", long_poll_s=1).start()
        bob = Engine(base / "bob", long_poll_s=1).start()
        alice.sign_up(server.url, "alice", PASSWORD)
        bob.sign_up(server.url, "bob", PASSWORD)
        cid = alice.create_conversation("Weekend trip", ["bob"])
        bob.accept_request(cid)
        bob.send(cid, "Are we still on for Saturday?")
        window = MainWindow(EngineBridge(alice))
        window.resize(900, 560)
        window.show()
        wait(app, lambda: window.show_conversation_if_listed(cid))
        wait(app, lambda: window.conversation.model is not None and window.conversation.model.rowCount() >= 1)
        alice.send(cid, "Yes! Let me tell you the plan")
        mic = pulse.Microphone()
        mic.plug()
        wait(app, lambda: bool(QMediaDevices.audioInputs()))
        composer = window.conversation.composer
        composer.voice.start()
        for step in range(40):  # rises and falls, like a voice
            pulse.set_tone_volume(8 + (step * 37) % 92)
            wait(app, lambda s=step: composer.voice.recorder.duration_ms() >= 100 * (s + 1) + 2_000)
        window.grab().save(str(out))
        composer.voice.cancel()
        mic.unplug()
        window.close()
        for engine in (alice, bob):
            engine.stop()
        server.stop()
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/voice-recording.png"))
