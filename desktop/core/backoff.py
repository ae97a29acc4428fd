"""Retry timing: exponential backoff with full jitter, capped."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """``delay(attempt)`` in seconds: uniform in [base·2^attempt / 2, base·2^attempt], at most ``cap``."""

    base: float = 0.5
    cap: float = 30.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> float:
        ceiling = min(self.cap, self.base * (2 ** max(0, min(attempt, 20))))
        return self.rng.uniform(ceiling / 2, ceiling)
