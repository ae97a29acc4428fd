"""timeline-jump: jumping 10,000 messages back (as from search or the gallery), against opening the conversation.

Envelope: in a real MainWindow (offscreen) on a profile whose conversation holds 100,000 messages, one frame
of ``jump_to`` a photo 10,000 messages back from the freshly opened conversation: the model moves its window
there, Qt lays it out, the rows in sight are painted. Reference, in the same window and run: one frame of
opening the conversation (its newest page laid out and painted) from another one. Both are frames as
benchmarks/bench_timeline.py times them (action, ``processEvents()``, repaint). The first jump (nothing of
that part measured yet) and the median of the rest are reported; the ratio is the slower of the two over
the median opening. Quick: 20,000 messages (10,000 back), 5 of each; --full: 100,000, 11 of each.
"""

from __future__ import annotations

import statistics

from benchmarks.bench_timeline import jump_back, jump_target, open_conversation, timeline_window
from benchmarks.suite.result import Result, row_main

ID = "timeline-jump"
TARGET = "≤ 2 × opening the conversation"


def measure(full: bool) -> Result:
    messages, runs = (100_000, 11) if full else (20_000, 5)
    target = jump_target(messages)
    with timeline_window(messages) as bench:
        opens, jumps, photos = [], [], []
        for _ in range(runs):  # interleaved: whatever else the machine does falls on both alike
            frame_ms, photos_ms = jump_back(bench, target)
            jumps.append(frame_ms)
            photos.append(photos_ms)
            opens.append(open_conversation(bench))
    first, rest, opening = jumps[0], statistics.median(jumps[1:]), statistics.median(opens)
    ratio = max(first, rest) / opening
    return Result(
        id=ID, envelope=f"{first:.0f} ms first, {rest:.0f} ms after", reference=f"{opening:.0f} ms (opening)",
        ratio=ratio, target=TARGET, met=ratio <= 2.0,
        detail=(f"jump_to a photo {messages - target:,} messages back in {messages:,}, one frame each, offscreen; "
                f"opening = the conversation's newest page laid out and painted; medians of {runs}"),
        extra={"first_ms": round(first, 2), "jump_median_ms": round(rest, 2), "open_median_ms": round(opening, 2),
               "jump_max_ms": round(max(jumps), 2), "open_max_ms": round(max(opens), 2),
               "photos_painted_median_ms": round(statistics.median(photos), 2), "messages": messages, "runs": runs},
    )


if __name__ == "__main__":
    row_main(measure)
