"""``main.py --screenshot PATH --demo`` renders both demo windows into a real, non-blank PNG."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

from tests.gui.conftest import ROOT, distinct_colours


def test_screenshot_of_the_demo_is_a_plausible_png(tmp_path: Path) -> None:
    out = tmp_path / "demo.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "main.py", "--screenshot", str(out), "--demo", "--timeout", "60"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    image = QImage(str(out))
    assert not image.isNull()
    assert image.width() >= 1200 and image.height() >= 600  # two windows side by side
    assert image.width() > image.height()
    assert distinct_colours(image, step=6) > 500  # photos, text, bubbles: far from one colour
    left = image.copy(0, 0, image.width() // 2, image.height())
    right = image.copy(image.width() // 2, 0, image.width() // 2, image.height())
    assert distinct_colours(left, step=6) > 200 and distinct_colours(right, step=6) > 200
