"""Quit (Ctrl+Q) quits Envelope: every window closes and the event loop ends, not just the one window."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ctrl_q_in_one_window_quits_the_app(tmp_path: Path) -> None:
    """In a process of its own: a quit QApplication cannot run another event loop in this one."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-m", "tests.gui.quit_child", str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]  # 3: the guard ended a loop that Quit left running
    assert "visible 0" in done.stdout
