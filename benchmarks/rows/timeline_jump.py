"""timeline-jump: jumping 10,000 messages back (as from search or the gallery), against opening the conversation.

Envelope: in a real MainWindow (offscreen) on a profile whose conversation holds 100,000 messages, one frame
of ``jump_to`` a photo about 10,000 messages back from the freshly opened conversation: the model moves its
window there, Qt lays it out, the rows in sight are painted. "First" jumps go each to a part not shown
before (80 messages apart: nothing of it measured or laid out yet), "after" ones to the same parts again.
Reference, in the same window and run, interleaved: one frame of opening the conversation (its newest page
laid out and painted) from another one. Frames as benchmarks/bench_timeline.py times them (action,
``processEvents()``, repaint). The ratio is the slower of the two jump medians over the opening's median.
Quick: 20,000 messages, 5 of each; --full: 100,000, 11 of each.
"""

from __future__ import annotations

import os
import statistics

from benchmarks.bench_timeline import jump_back, jump_target, open_conversation, timeline_window
from benchmarks.suite.result import Result, row_main

ID = "timeline-jump"
TARGET = "≤ 2 × opening the conversation"


def measure(full: bool) -> Result:
    messages, runs = (100_000, 11) if full else (20_000, 5)
    targets = [jump_target(messages, step) for step in range(runs)]
    with timeline_window(messages) as bench:
        opens, firsts, agains, photos = [], [], [], []
        for jumps in (firsts, agains):
            for target in targets:  # interleaved: whatever else the machine does falls on both alike
                frame_ms, photos_ms = jump_back(bench, target)
                jumps.append(frame_ms)
                photos.append(photos_ms)
                opens.append(open_conversation(bench))
    first, again, opening = (statistics.median(values) for values in (firsts, agains, opens))
    ratio = max(first, again) / opening
    return Result(
        id=ID, envelope=f"{first:.0f} ms first, {again:.0f} ms after", reference=f"{opening:.0f} ms (opening)",
        ratio=ratio, target=TARGET, met=ratio <= 2.0,
        detail=(f"jump_to a photo {messages - targets[0]:,}–{messages - targets[-1]:,} messages back in {messages:,}, "
                f"one frame each, offscreen; opening = the conversation's newest page laid out and painted; "
                f"medians of {runs} (first = to a part not shown before)"),
        extra={"first_median_ms": round(first, 2), "again_median_ms": round(again, 2),
               "open_median_ms": round(opening, 2), "first_max_ms": round(max(firsts), 2),
               "again_max_ms": round(max(agains), 2), "open_max_ms": round(max(opens), 2),
               "photos_painted_median_ms": round(statistics.median(photos), 2), "messages": messages, "runs": runs,
               "load_avg_1m": round(os.getloadavg()[0], 2)},  # (the machine's load as the run ended)
    )


if __name__ == "__main__":
    row_main(measure)
