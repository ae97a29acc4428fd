"""A user's terminal stays free of Qt's and FFmpeg's chatter unless they ask with --verbose."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.gui.conftest import ROOT, SAMPLES, ServerHandle

NOISE = ("pipewire", "propagateSizeHints", "qt.multimedia", "PulseAudio", "Input #0", "Duration:",
         "No HW decoder found", "Stream #0")

PLAY = """
import sys
from desktop.ui.startup import quiet

verbose = sys.argv[2] == "verbose"
quiet.before_application(verbose=verbose)  # before Qt Multimedia loads: loading it already talks
from PySide6.QtCore import QTimer, QUrl
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])
quiet.after_application(verbose=verbose)
player = QMediaPlayer()
audio = QAudioOutput()
player.setAudioOutput(audio)
player.positionChanged.connect(lambda ms: ms > 0 and app.exit(0))  # decoding is under way: all was said
player.errorOccurred.connect(lambda *_: app.exit(3))
QTimer.singleShot(60_000, lambda: app.exit(2))  # a deadline, not a wait
player.setSource(QUrl.fromLocalFile(sys.argv[1]))
player.play()
sys.exit(app.exec())
"""


def _env() -> dict[str, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("QT_LOGGING_RULES", None)
    env.pop("QT_FFMPEG_DEBUG", None)
    return env


def _noise(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if any(word in line for word in NOISE)]


def _screenshot(tmp_path: Path, server: ServerHandle, *extra: str) -> str:
    done = subprocess.run(
        [sys.executable, "main.py", "--data-dir", str(tmp_path / "alice"), "--server", server.url,
         "--screenshot", str(tmp_path / "shot.png"), *extra],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stderr


def test_the_first_window_prints_nothing_but_with_verbose_qt_may_speak(tmp_path: Path, server: ServerHandle) -> None:
    assert _noise(_screenshot(tmp_path, server)) == []
    verbose = _screenshot(tmp_path, server, "--verbose")
    assert all(" qt: " in line for line in _noise(verbose))  # whatever Qt says comes through logging, marked


def test_playing_a_video_prints_no_stream_dump(tmp_path: Path) -> None:
    video = str(SAMPLES / "video" / "hubble_pan.mp4")
    quiet = subprocess.run([sys.executable, "-c", PLAY, video, "quiet"], cwd=ROOT, env=_env(),
                           capture_output=True, text=True, timeout=120)
    assert quiet.returncode == 0, quiet.stderr[-3000:]
    assert _noise(quiet.stderr) == []
    verbose = subprocess.run([sys.executable, "-c", PLAY, video, "verbose"], cwd=ROOT, env=_env(),
                             capture_output=True, text=True, timeout=120)
    assert verbose.returncode == 0, verbose.stderr[-3000:]
    assert "Input #0" in verbose.stderr  # FFmpeg's own dump: what --verbose lets through
