"""The Qt binding we ship doesn't corrupt the interpreter (PySide6 6.12 dropped references to None/True/False)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QObject, Signal


class _Emitter(QObject):
    fired = Signal(int)


def test_signals_keep_singleton_refcounts(qapp: QCoreApplication) -> None:
    emitter = _Emitter()
    seen: list[int] = []
    emitter.fired.connect(seen.append)
    before = [sys.getrefcount(x) for x in (None, True, False)]
    for i in range(5000):
        emitter.fired.emit(i)
        qapp.processEvents()
    after = [sys.getrefcount(x) for x in (None, True, False)]
    assert len(seen) == 5000
    assert all(a >= b - 100 for a, b in zip(after, before, strict=True)), (before, after)
