"""Shared fixtures for the client-core unit tests: a clock the tests move by hand."""

from __future__ import annotations

import pytest

from desktop.core.cache import TOUCH_INTERVAL_MS


class FakeClock:
    """Epoch milliseconds that only change when a test says so."""

    def __init__(self, now: int = 1_700_000_000_000) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now

    def advance(self, ms: int = TOUCH_INTERVAL_MS) -> None:
        self.now += ms


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
