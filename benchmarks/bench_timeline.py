"""How smooth the timeline is on a 100,000-message conversation, offscreen, in a real MainWindow; prints a table.

Run: .venv/bin/python benchmarks/bench_timeline.py [--messages N] [--profile CASE]

A "frame" is the action, one ``processEvents()`` (layouts, history pages, thumbnails that landed, Qt's own
partial repaint), then ``viewport().repaint()`` (every visible row painted): an upper bound of one frame's
work on the GUI thread. Thumbnails decode on the ThumbnailCache's pool meanwhile, as in the app.

``timeline_window``, ``scroll_rows`` and ``jump_back`` are the rig the suite's rows timeline-scroll and
timeline-jump (benchmarks/rows/) measure with.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from PySide6.QtCore import QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QWheelEvent  # noqa: E402
from PySide6.QtWidgets import QAbstractSlider, QApplication  # noqa: E402

from benchmarks.bench_db import build  # noqa: E402
from desktop.core.db.local import LocalDB  # noqa: E402
from desktop.core.db.records import Account  # noqa: E402
from desktop.core.engine import Engine  # noqa: E402
from desktop.ui.app import make_application, parse_args  # noqa: E402
from desktop.ui.bridge import EngineBridge  # noqa: E402
from desktop.ui.main_window import MainWindow  # noqa: E402
from desktop.ui.timeline.model import Roles  # noqa: E402

CONVERSATION, OTHER = "c1", "c2"  # bench_db.build's big conversation and an empty one
FRAME_MS = 16.7
WITH_THUMBNAILS = 3_000  # the newest messages whose photos have real thumbnails (and as many around the jump)
Row = tuple[str, list[float]]


def add_thumbnails(engine: Engine, spans: list[range]) -> int:
    """Real 640 px JPEG thumbnails (as the media pipeline makes them) for the photos among these message ids."""
    size = (640, 480)
    detail = Image.effect_mandelbrot(size, (-2.2, -1.2, 1.0, 1.2), 48)
    noise = Image.effect_noise(size, 40)
    shade = Image.linear_gradient("L").resize(size)
    with engine.db._conns.write() as db:  # no public API files a thumbnail on an existing attachment
        photos = list(dict.fromkeys(message_id for span in spans for (message_id,) in db.execute(
            "SELECT message_id FROM attachments WHERE kind = 'image' AND message_id BETWEEN ? AND ?",
            [span.start, span.stop - 1])))
    updates = []
    for i, message_id in enumerate(photos):
        tint = shade.point(lambda v, i=i: (v + i * 37) % 256)
        picture = Image.merge("RGB", (tint, detail, noise) if i % 2 else (detail, tint, noise))
        portrait = i % 3 == 0
        if portrait:
            picture = picture.transpose(Image.Transpose.ROTATE_90)
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=80)
        blob = engine.cache.add_thumbnail(out.getvalue())
        updates.append((blob.sha256, 3024 if portrait else 4032, 4032 if portrait else 3024, message_id))
    with engine.db._conns.write() as db:
        db.conn.executemany("UPDATE attachments SET thumbnail = ?, width = ?, height = ? WHERE message_id = ?", updates)
    return len(updates)


class Bench:
    """The window under test and the ways to drive it; ``frame`` times one action with its paint."""

    def __init__(self, app: QApplication, window: MainWindow, bridge: EngineBridge, profile: str | None = None) -> None:
        self.app, self.window, self.bridge = app, window, bridge
        self.view = window.conversation.timeline
        self.profile_case = profile
        self.profiler = cProfile.Profile()
        self.case = ""
        self.cpu_ms = 0.0  # the GUI thread's own CPU time in the last frame (the rest is waiting for a core)
        self.n = 0  # messages in the big conversation
        self.setup = ""  # how the database was made, for the table's heading

    def frame(self, action: Callable[[], object]) -> float:
        profiling = self.case == self.profile_case
        start, cpu = time.perf_counter(), time.thread_time()
        if profiling:
            self.profiler.enable()
        action()
        self.app.processEvents()
        self.view.viewport().repaint()
        if profiling:
            self.profiler.disable()
        self.cpu_ms = (time.thread_time() - cpu) * 1000
        return (time.perf_counter() - start) * 1000

    def settle(self, timeout_s: float = 5.0) -> None:
        """Let background work (history pages, thumbnail decodes, bridge calls) land."""
        deadline = time.perf_counter() + timeout_s
        while time.perf_counter() < deadline:
            self.app.processEvents()
            if not self.window.thumbnails.busy() and self.bridge.pool.activeThreadCount() == 0:
                self.app.processEvents()
                return
            time.sleep(0.002)

    def until_photos_painted(self, start: float, timeout_s: float = 10.0) -> float:
        """Milliseconds from ``start`` until every photo in sight shows its real thumbnail."""
        while not self.view.media_painted() and time.perf_counter() - start < timeout_s:
            self.app.processEvents()
            time.sleep(0.001)
        self.app.processEvents()
        return (time.perf_counter() - start) * 1000

    def open_fresh(self) -> None:
        self.window.open_conversation(OTHER)
        self.settle()
        self.window.open_conversation(CONVERSATION)
        self.settle()

    def wheel_up(self) -> None:
        viewport = self.view.viewport()
        pos = QPointF(viewport.width() / 2, viewport.height() / 2)
        QApplication.sendEvent(viewport, QWheelEvent(
            pos, viewport.mapToGlobal(pos), QPoint(), QPoint(0, 120), Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False))

    def page_up(self) -> None:
        self.view.verticalScrollBar().triggerAction(QAbstractSlider.SliderAction.SliderPageStepSub)

    def fetch_one_page(self) -> None:
        model = self.view.timeline()
        assert model is not None
        model.history_wanted = True
        model.fetchMore()
        while model.fetching:
            self.app.processEvents()

    def top_message_id(self) -> int:
        index = self.view.indexAt(QPoint(1, 1))
        return int(index.data(Roles.MESSAGE_ID)) if index.isValid() else 0

    def loaded(self) -> int:
        model = self.view.timeline()
        return model.rowCount() if model is not None else 0

    def history_left(self) -> bool:
        model = self.view.timeline()
        return model is not None and model.has_more


@contextmanager
def timeline_window(n: int, profile: str | None = None) -> Iterator[Bench]:
    """A shown MainWindow (offscreen unless QT_QPA_PLATFORM says otherwise) on a fresh profile whose
    conversation c1 holds ``n`` messages (``bench_db.build``); photos near the newest and around the
    message a jump lands on have real thumbnails."""
    app = make_application(parse_args([]))
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        started = time.perf_counter()
        with LocalDB.in_dir(data_dir) as db:
            build(db, n)
            db.set_account(Account("http://127.0.0.1:9", "u1", "alice", None))  # signed in, never online
        built = time.perf_counter() - started
        engine = Engine(data_dir).start()
        started = time.perf_counter()
        back = min(10_000, n // 2)
        spans = [range(n - WITH_THUMBNAILS, n + 1), range(n - back - 1_000, n - back + 500)]
        thumbnails = add_thumbnails(engine, spans)
        thumbed = time.perf_counter() - started
        bridge = EngineBridge(engine)
        window = MainWindow(bridge)
        window.show()
        bench = Bench(app, window, bridge, profile)
        bench.n = n
        bench.setup = (f"db built in {built:.1f} s; {thumbnails} photos with real thumbnails, made in "
                       f"{thumbed:.1f} s")
        try:
            yield bench
        finally:
            window.close()
            bridge.wait_idle()
            window.thumbnails.wait_idle()
            bridge.close()
            engine.stop()
            window.deleteLater()
            app.processEvents()


@dataclass
class Scroll:
    """One scroll upwards, a wheel step per frame: each frame's wall and GUI-thread CPU milliseconds."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    paged: list[bool] = field(default_factory=list)  # whether a history page came in during the frame
    rows: int = 0
    seconds: float = 0.0

    def over(self, limit_ms: float = FRAME_MS, *, cpu: bool = False) -> int:
        return sum(ms > limit_ms for ms in (self.cpu if cpu else self.wall))


def scroll_rows(bench: Bench, count: int) -> Scroll:
    """From the newest message, scroll ``count`` rows up a wheel step (96 px) per frame."""
    bench.open_fresh()
    model = bench.view.timeline()
    assert model is not None
    pages: list[int] = []
    model.history_loaded.connect(pages.append)
    out = Scroll()
    newest = bench.top_message_id()
    started = time.perf_counter()
    while newest - bench.top_message_id() < count:
        before, top = len(pages), bench.top_message_id()
        out.wall.append(bench.frame(bench.wheel_up))
        out.cpu.append(bench.cpu_ms)
        out.paged.append(len(pages) != before)
        if bench.top_message_id() == top and not bench.history_left():
            break  # a short conversation ran out
    out.rows, out.seconds = newest - bench.top_message_id(), time.perf_counter() - started
    bench.settle()
    return out


def jump_target(n: int, step: int = 0) -> int:
    """A photo about 10,000 messages back (half-way in a smaller conversation), as a gallery jump lands on
    (build: a photo on every 10th message, a file on every 50th); ``step`` n goes 80 × n messages further
    back, to a part no jump has shown yet (the photos up to 1,000 further back have real thumbnails)."""
    target = (n - min(10_000, n // 2)) // 10 * 10 - 80 * step
    return target - 10 if target % 50 == 0 else target


def open_conversation(bench: Bench) -> float:
    """One frame: open the big conversation (from the empty one), its newest page laid out and painted."""
    bench.window.open_conversation(OTHER)
    bench.settle()
    ms = bench.frame(lambda: bench.window.open_conversation(CONVERSATION))
    bench.settle()
    return ms


def jump_back(bench: Bench, target: int) -> tuple[float, float]:
    """From the freshly opened conversation, one frame: jump to ``target``; and milliseconds until its
    photos in sight show their thumbnails."""
    bench.open_fresh()
    start = time.perf_counter()
    ms = bench.frame(lambda: bench.view.jump_to(target))
    photos = bench.until_photos_painted(start)
    bench.settle()
    return ms, photos


def run_cases(bench: Bench, n: int) -> list[Row]:
    rows: list[Row] = []

    def case(name: str, key: str = "") -> list[float]:
        """A row of the table; a row with a ``key`` starts a case (``--profile`` names it), others report on it."""
        if key:
            bench.case = key
        samples: list[float] = []
        rows.append((name, samples))
        return samples

    bench.open_fresh()
    samples = case("repaint the viewport, nothing changed", "repaint")
    for _ in range(30):
        samples.append(bench.frame(lambda: None))

    samples = case("open conversation (model + first paint)", "open")
    for _ in range(8):
        samples.append(open_conversation(bench))

    samples = case("scroll one wheel step up (96 px)", "wheel")
    for _ in range(40):
        samples.append(bench.frame(bench.wheel_up))
        bench.settle()
    paged, photos = case("page up (scroll bar page step)", "page"), case("  … until photos in sight (decoded)")
    for _ in range(20):
        start = time.perf_counter()
        paged.append(bench.frame(bench.page_up))
        photos.append(bench.until_photos_painted(start))
        bench.settle()

    bench.open_fresh()
    samples = case(f"fetchMore one page of history ({bench.loaded()}+ loaded)", "fetch")
    for _ in range(10):
        samples.append(bench.frame(bench.fetch_one_page))
        bench.settle()

    bench.case = "flick"
    flick = scroll_rows(bench, 2_000)
    rows.append(("scroll 2,000 rows, 1 wheel step/frame: all", flick.wall))
    paged = list(zip(flick.wall, flick.paged, strict=True))
    rows.append(("  … frames that loaded a history page", [ms for ms, p in paged if p]))
    rows.append(("  … other frames", [ms for ms, p in paged if not p]))
    rows.append(("  … GUI thread CPU per frame", flick.cpu))
    rows.append((f"  ({flick.rows:,} rows in {flick.seconds:.1f} s, {flick.over()} of {len(flick.wall)} frames over "
                 f"{FRAME_MS} ms; {flick.over(cpu=True)} by GUI-thread CPU)", []))

    target = jump_target(n)
    jumped, photos = case(f"jump_to a photo {n - target:,} messages back", "jump"), case("  … until photos in sight")
    for _ in range(3):
        frame_ms, photos_ms = jump_back(bench, target)
        jumped.append(frame_ms)
        photos.append(photos_ms)
    samples = case(f"  then a wheel step ({bench.loaded():,} loaded)", "wheel_big")
    for _ in range(20):
        samples.append(bench.frame(bench.wheel_up))
        bench.settle()
    samples = case(f"  then fetchMore one page ({bench.loaded():,}+ loaded)", "fetch_big")
    for _ in range(5):
        samples.append(bench.frame(bench.fetch_one_page))
        bench.settle()
    return rows


def summary(samples: list[float]) -> str:
    if not samples:
        return ""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (f"{len(samples):>5} {samples[0]:>9.1f} {statistics.median(samples):>9.1f} {p95:>9.1f} "
            f"{ordered[-1]:>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--profile", metavar="CASE", choices=["repaint", "open", "wheel", "page", "fetch", "flick",
                                                              "jump", "wheel_big", "fetch_big"],
                        help="print where the time of one case goes (cProfile, GUI thread)")
    args = parser.parse_args()
    n = args.messages
    with timeline_window(n, args.profile) as bench:
        rows = run_cases(bench, n)
        size = bench.view.viewport().size()

    print(f"timeline, {n:,} messages in one conversation ({bench.setup}); viewport {size.width()}x{size.height()}, "
          f"{os.environ['QT_QPA_PLATFORM']}")
    print(f"{'frame (action + processEvents + repaint)':<52} {'runs':>5} {'first ms':>9} {'median':>9} "
          f"{'p95':>9} {'max':>9}")
    print("-" * 98)
    for name, samples in rows:
        print(f"{name:<52} {summary(samples)}".rstrip())
    if args.profile:
        out = io.StringIO()
        pstats.Stats(bench.profiler, stream=out).sort_stats("tottime").print_stats(20)
        print(f"\nprofile of '{args.profile}' (GUI thread, by own time):")
        print(out.getvalue())


if __name__ == "__main__":
    main()
