"""timeline-scroll: frames over 16.7 ms while scrolling a long conversation upwards, a wheel step per frame.

Envelope: a real MainWindow (offscreen) on a profile whose conversation holds 100,000 messages (a photo on
every tenth, real thumbnails near the newest), scrolled 2,000 rows up from the newest, 96 px (one wheel step)
per frame; a frame is the wheel event, one ``processEvents()`` (history pages, layout, thumbnails that
landed) and a repaint of every visible row (benchmarks/bench_timeline.py). The target is absolute (no
reference). Counted twice: by wall time (what a user sees, and what the other processes on a shared machine
take from it) and by the GUI thread's own CPU time (the work the timeline does per frame).
The first scroll counts (rows never laid out, thumbnails not decoded); the later ones, over the same rows,
are reported beside it. Quick: 20,000 messages, 1,000 rows, two scrolls; --full: 100,000 messages, 2,000
rows, three scrolls.
"""

from __future__ import annotations

import os
import statistics

from benchmarks.bench_timeline import FRAME_MS, Scroll, scroll_rows, timeline_window
from benchmarks.suite.result import Result, row_main

ID = "timeline-scroll"
TARGET = "0 frames over 16.7 ms"


def measure(full: bool) -> Result:
    messages, rows, runs = (100_000, 2_000, 3) if full else (20_000, 1_000, 2)
    with timeline_window(messages) as bench:
        scrolls: list[Scroll] = [scroll_rows(bench, rows) for _ in range(runs)]
    # The first scroll is the one a user sees first: rows never laid out, thumbnails not decoded yet. The
    # later ones go over the same rows again (warm), so they are reported beside it, not instead of it.
    over, over_cpu = scrolls[0].over(), scrolls[0].over(cpu=True)
    over_warm = statistics.median(s.over() for s in scrolls[1:]) if len(scrolls) > 1 else over
    frames = statistics.median(len(s.wall) for s in scrolls)
    paged = [ms for s in scrolls for ms, p in zip(s.wall, s.paged, strict=True) if p]
    over_paging = statistics.median(sum(ms > FRAME_MS for ms, p in zip(s.wall, s.paged, strict=True) if p)
                                    for s in scrolls)
    worst_cpu = max(max(s.cpu) for s in scrolls)
    return Result(
        id=ID, envelope=(f"{over:,.0f} of {frames:,.0f} frames over {FRAME_MS} ms ({over_cpu:,.0f} by GUI-thread "
                         f"CPU); {over_warm:,.0f} scrolling back over them"),
        reference="—", ratio=None, target=TARGET, met=over == 0,
        detail=(f"{scrolls[0].rows:,} rows up a wheel step per frame in {messages:,} messages, offscreen; the first "
                f"scroll, then the median of {runs - 1} more over the same rows; worst frame's GUI-thread CPU "
                f"{worst_cpu:.1f} ms"),
        extra={"frames": frames, "over_wall": over, "over_cpu": over_cpu, "over_wall_warm": over_warm,
               "median_ms": round(statistics.median(ms for s in scrolls for ms in s.wall), 2),
               "max_ms": round(max(max(s.wall) for s in scrolls), 2),
               "median_cpu_ms": round(statistics.median(ms for s in scrolls for ms in s.cpu), 2),
               "max_cpu_ms": round(worst_cpu, 2),
               "paging_frames": len(paged), "over_wall_paging": over_paging,
               "paging_median_ms": round(statistics.median(paged), 2) if paged else 0.0,
               "seconds": round(sum(s.seconds for s in scrolls), 1), "messages": messages, "runs": runs,
               "load_avg_1m": round(os.getloadavg()[0], 2)},  # (the machine's load as the run ended)
    )


if __name__ == "__main__":
    row_main(measure)
