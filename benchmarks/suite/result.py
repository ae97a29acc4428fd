"""What a row of the benchmark suite reports, and how a row module runs on its own.

A row module (``benchmarks/rows/<id>.py``) measures Envelope and its reference in the same run and returns
a ``Result``; ``python -m benchmarks.rows.<id> [--full]`` prints it as one JSON line on stdout (the suite
runs each row in its own process, so imports, threads and caches never leak from one row to the next).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

MARK = "BENCH-RESULT "  # the line the suite looks for in a row's stdout


@dataclass
class Result:
    id: str
    envelope: str  # Envelope's figure with its unit: "412 MB/s", "0 of 1,309 frames"
    reference: str  # the reference's figure in the same run, or "—" where the target is absolute
    ratio: float | None  # envelope ÷ reference in the target's sense; None where there is no reference
    target: str  # as the issue states it: "≥ 1.0 × nginx PUT"
    met: bool
    detail: str = ""  # one line: sizes, what the reference is, what limits a missed target
    extra: dict[str, float] = field(default_factory=dict)  # raw numbers (medians, runs) for the record


def ratio_text(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio:.2f}"


def row_main(measure: Callable[[bool], Result], argv: list[str] | None = None) -> None:
    """Entry point of a row module: ``--full`` for the issue's sizes, otherwise the quick ones."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--full", action="store_true", help="the sizes the issue names (slower)")
    args = parser.parse_args(argv)
    result = measure(args.full)
    print(MARK + json.dumps(asdict(result)), flush=True)
    print(
        f"{result.id}: {result.envelope} vs {result.reference} → {ratio_text(result.ratio)} "
        f"(target {result.target}: {'met' if result.met else 'NOT met'}) {result.detail}",
        file=sys.stderr,
    )
