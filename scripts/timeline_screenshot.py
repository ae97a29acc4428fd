"""Make docs/timeline-jump.png: a 100,000-message conversation, jumped 10,000 messages back (as from the
gallery), the photo jumped to selected in the middle, its neighbours' thumbnails in; the timeline holds a
page on each side of it, not the 10,000 messages in between.

    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/timeline_screenshot.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_timeline import jump_target, timeline_window  # noqa: E402
from desktop.ui.startup.screenshot import compose  # noqa: E402
from scripts.scene import wait  # noqa: E402

MESSAGES = 100_000


def main(target: Path) -> int:
    with timeline_window(MESSAGES) as bench:
        bench.window.resize(1000, 760)
        bench.open_fresh()
        view = bench.view
        if not view.jump_to(jump_target(MESSAGES)):
            raise RuntimeError("the message to jump to is not in the conversation")
        wait(bench.app, view.media_painted)
        model = view.timeline()
        assert model is not None
        print(f"{model.rowCount()} rows loaded of {MESSAGES:,}")
        bench.window.statusBar().clearMessage()  # (the empty chat opened first has no server to ask: never online)
        compose([bench.window]).save(str(target))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/timeline-jump.png")))
