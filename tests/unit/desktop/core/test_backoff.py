"""Backoff: exponential growth, full jitter within bounds, a cap."""

from __future__ import annotations

import random

from desktop.core.backoff import Backoff


def test_delays_grow_jitter_and_cap() -> None:
    backoff = Backoff(base=0.5, cap=30.0, rng=random.Random(7))
    for attempt in range(12):
        ceiling = min(30.0, 0.5 * 2**attempt)
        samples = [backoff.delay(attempt) for _ in range(200)]
        assert all(ceiling / 2 <= s <= ceiling for s in samples)
        assert len({round(s, 6) for s in samples}) > 100  # jittered, not a fixed value
    assert max(backoff.delay(1000) for _ in range(100)) <= 30.0
