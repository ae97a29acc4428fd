"""The suite's one table: id, Envelope, reference, ratio, target, met — as text and as Markdown."""

from __future__ import annotations

import datetime

from benchmarks.suite.result import Result, ratio_text

HEADER = ["id", "Envelope", "reference", "ratio", "target", "met"]


def cells(result: Result) -> list[str]:
    return [result.id, result.envelope, result.reference, ratio_text(result.ratio), result.target,
            "yes" if result.met else "no"]


def plain(results: list[Result]) -> str:
    rows = [HEADER, *(cells(r) for r in results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    details = [f"{r.id}: {r.detail}" for r in results if r.detail]
    return "\n".join([*lines, "", *details])


def markdown(results: list[Result], started: datetime.datetime, machine: str, command: str) -> str:
    lines = [
        f"`{command}` — started {started:%Y-%m-%d %H:%M} UTC on {machine}.",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
        *("| " + " | ".join(cells(r)) + " |" for r in results),
        "",
        *(f"- **{r.id}**: {r.detail}" for r in results if r.detail),
    ]
    return "\n".join(lines) + "\n"
