"""Interleaved rounds for the transfer rows: each measurement after ``sync``, the order rotating each round,
and the ratio to the reference taken within each round (this machine is shared, so only ratios measured
side by side mean much)."""

from __future__ import annotations

import os
import statistics
import sys
from collections.abc import Callable

from benchmarks.suite.result import Result


def interleaved(steps: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Seconds of each step per round; ``sync`` before each one so the last one's dirty pages are not its cost."""
    seconds: dict[str, list[float]] = {name: [] for name in steps}
    order = list(steps)
    for n in range(rounds):
        for name in order[n % len(order):] + order[:n % len(order)]:
            os.sync()
            seconds[name].append(steps[name]())
        print(f"round {n + 1}/{rounds}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in seconds.items()),
              file=sys.stderr)
    return seconds


def result(row_id: str, target: str, threshold: float, size: int, seconds: dict[str, list[float]],
           envelope: str, reference: str, detail: str) -> Result:
    """The row: medians in MB/s; ratio = median of the per-round ratios envelope ÷ reference; ``extra`` holds
    every step's median and per-round MB/s."""
    rates = {name: [size / 1e6 / s for s in times] for name, times in seconds.items()}
    ratios = [e / r for e, r in zip(rates[envelope], rates[reference], strict=True)]
    ratio = statistics.median(ratios)
    extra: dict[str, float] = {"bytes": float(size), "rounds": float(len(ratios))}
    for name, values in rates.items():
        extra[f"{name} MB/s"] = round(statistics.median(values), 1)
        for n, value in enumerate(values):
            extra[f"{name} MB/s round {n + 1}"] = round(value, 1)
    extra.update({f"ratio round {n + 1}": round(r, 3) for n, r in enumerate(ratios)})
    return Result(id=row_id, envelope=f"{statistics.median(rates[envelope]):,.0f} MB/s",
                  reference=f"{statistics.median(rates[reference]):,.0f} MB/s", ratio=round(ratio, 3),
                  target=target, met=ratio >= threshold, detail=detail, extra=extra)
