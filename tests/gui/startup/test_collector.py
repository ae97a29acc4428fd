"""Garbage made on other threads is collected on the GUI thread, never where it was made."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from desktop.ui.startup.collector import GuiThreadCollector


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


@pytest.fixture
def collections() -> Iterator[list[str]]:
    """The name of the thread each garbage collection ran on."""
    seen: list[str] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen.append(threading.current_thread().name)

    gc.callbacks.append(note)
    yield seen
    gc.callbacks.remove(note)


def test_cycles_made_on_a_worker_thread_are_collected_on_the_gui_thread(qtbot: QtBot, collections: list[str]) -> None:
    gc.enable()  # as in the app before the collector starts (the GUI tests' conftest turns it off)
    collector = GuiThreadCollector(interval_ms=10)
    try:
        assert not gc.isenabled()
        freed = threading.Event()

        def make_garbage() -> None:
            node = Node()
            weakref.finalize(node, freed.set)
            del node
            for _ in range(50_000):  # far past generation 0's threshold: automatic collection would run here
                Node()

        worker = threading.Thread(target=make_garbage, name="engine-like worker")
        worker.start()
        worker.join()
        assert not freed.is_set()
        qtbot.waitUntil(freed.is_set, timeout=5000)
        assert collections and set(collections) == {threading.main_thread().name}
    finally:
        collector.stop()
        gc.disable()


def test_stopping_gives_automatic_collection_back() -> None:
    gc.enable()
    collector = GuiThreadCollector()
    assert not gc.isenabled()
    collector.stop()
    assert gc.isenabled()
    gc.disable()
