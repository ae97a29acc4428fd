"""Transfers a person can read: bytes done of the total, speed and time left on every bubble; nothing overlaps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QStandardItem, QStandardItemModel
from pytestqt.qtbot import QtBot

from desktop.core.db.records import Message
from desktop.core.engine import Engine
from desktop.ui.bridge import EngineBridge
from desktop.ui.media.thumbnails import ThumbnailCache
from desktop.ui.timeline.layout import (
    RowLayout,
    audio_transfer_parts,
    file_parts,
    media_transfer_parts,
)
from desktop.ui.timeline.model import Roles, TimelineModel, Transfer
from desktop.ui.timeline.progress import TransferMeter, bytes_text, rate_text, time_left_text
from desktop.ui.timeline.view import TimelineView
from tests.gui.timeline.test_delegate import ATTACHMENTS, SHA, message

MB = 1000**2


class FakeClock:
    """Seconds that pass only when a test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# -- speed and time left -------------------------------------------------------------------------
def test_speed_and_time_left_come_from_progress_over_time() -> None:
    clock = FakeClock()
    meter = TransferMeter(clock)
    meter.add(0)
    assert meter.rate() is None  # too early to tell
    for second in range(1, 5):
        clock.now += 1
        meter.add(second * 2 * MB)
    assert meter.rate() == pytest.approx(2 * MB)
    t = Transfer("up", 8 * MB, 200 * MB, rate=meter.rate(), seconds_left=(192 * MB) / (2 * MB))
    assert (t.bytes_text, t.rate_text) == ("8.0 MB of 200.0 MB", "2.0 MB/s · 2 min left")
    clock.now += 10  # nothing moved for ten seconds: it says so rather than keep an old speed
    assert meter.rate() == 0.0
    assert rate_text(meter.rate(), None) == "Waiting…"
    meter.add(1 * MB)  # started over (a resumed upload asked the server again): a new history
    assert meter.rate() is None


def test_the_speed_follows_a_change_within_a_few_seconds() -> None:
    clock = FakeClock()
    meter = TransferMeter(clock)
    done = 0
    for _ in range(10):  # 1 MB/s for ten seconds ...
        meter.add(done)
        clock.now += 1
        done += MB
    for _ in range(6):  # ... then 5 MB/s
        meter.add(done)
        clock.now += 1
        done += 5 * MB
    meter.add(done)
    assert meter.rate() == pytest.approx(5 * MB)


def test_the_words_a_person_reads() -> None:
    assert bytes_text(16_400_000, 100_000_000) == "16.4 MB of 100.0 MB"
    assert [time_left_text(s) for s in (0.2, 8, 59.5, 61, 3599, 3600, 3900)] == [
        "1 s left", "8 s left", "1 min left", "2 min left", "1 h left", "1 h left", "1 h 5 min left"]
    assert rate_text(None, None) == "Starting…"
    assert rate_text(1_500_000, 12) == "1.5 MB/s · 12 s left"


@pytest.fixture
def bridge(tmp_path: Path) -> Iterator[EngineBridge]:
    engine = Engine(tmp_path / "reader")  # not started: its database and the bridge's signals are enough
    engine.db.conversations.upsert({"id": "c1", "title": "", "members": ["alice", "bob"]})
    engine.db.messages.upsert_remote({
        "id": "s1", "client_id": "c1", "conversation_id": "c1", "sender": "bob", "body": "", "seq": 1,
        "created_at": 1_700_000_000_000, "attachments": [ATTACHMENTS["file"].to_wire()]})
    bridge = EngineBridge(engine)
    yield bridge
    bridge.stop()


def test_the_timeline_gives_every_transfer_its_speed_and_time_left(bridge: EngineBridge, qtbot: QtBot) -> None:
    clock = FakeClock()
    model = TimelineModel(bridge, "c1", clock=clock)
    index = model.index(0, 0)
    for second in range(4):  # 4 MB a second, as the engine reports it
        bridge.transfer_progress.emit(SHA, "down", second * 4 * MB, 100 * MB)
        clock.now += 1
    bridge.transfer_progress.emit(SHA, "down", 16 * MB, 100 * MB)
    t: Transfer = index.data(Roles.TRANSFERS)[SHA]
    assert (t.bytes_text, t.rate_text) == ("16.0 MB of 100.0 MB", "4.0 MB/s · 21 s left")
    clock.now += 10  # the server stalls: no reports, and the timer works the speed out again
    with qtbot.waitSignal(model.dataChanged, timeout=3_000):
        pass
    assert index.data(Roles.TRANSFERS)[SHA].rate_text == "Waiting…"
    bridge.transfer_finished.emit(SHA, "down", "", False)
    assert index.data(Roles.TRANSFERS) == {}
    assert not model._rates.isActive()  # nothing moves: no timer left running
    model.deleteLater()


# -- nothing overlaps ------------------------------------------------------------------------------
@pytest.fixture
def view(qtbot: QtBot) -> TimelineView:
    view = TimelineView(ThumbnailCache(lambda _sha: None))
    qtbot.addWidget(view)
    return view


def laid_out(view: TimelineView, m: Message, *, own: bool, width: int, transfer: Transfer) -> RowLayout:
    model = QStandardItemModel(view)
    item = QStandardItem()
    for role, value in {Roles.MESSAGE: m, Roles.MESSAGE_ID: m.id, Roles.CACHED: frozenset(),
                        Roles.TRANSFERS: {SHA: transfer}, Roles.LAYOUT_KEY: (m, own, "", True, False)}.items():
        item.setData(value, role)
    model.appendRow(item)
    return view.bubbles.layout(model.index(0, 0), width)


def assert_apart(rects: dict[str, QRectF], within: QRectF) -> None:
    names = list(rects)
    for i, a in enumerate(names):
        assert rects[a].width() > 0 and rects[a].height() > 0, a
        assert within.contains(rects[a]), f"{a} {rects[a]} sticks out of {within}"
        for b in names[i + 1:]:
            assert not rects[a].intersects(rects[b]), f"{a} {rects[a]} overlaps {b} {rects[b]}"


MOVING = Transfer("up", 32 * MB, 200 * MB, rate=2.5 * MB, seconds_left=67)


@pytest.mark.parametrize("width", [300, 640])
@pytest.mark.parametrize("own", [True, False])
def test_a_moving_files_cancel_button_stays_clear_of_its_icon_and_text(view: TimelineView, width: int,
                                                                       own: bool) -> None:
    lay = laid_out(view, message("file"), own=own, width=width, transfer=MOVING)
    block = lay.blocks[0]
    parts = file_parts(block.rect, view.bubbles.fonts, moving=True)
    assert parts.cancel is not None and parts.bar is not None and parts.rate is not None
    assert_apart({"cancel": parts.cancel, "icon": parts.icon, "name": parts.name, "bar": parts.bar,
                  "bytes": parts.detail, "speed": parts.rate}, block.rect)
    cancel = [h.rect for h in lay.hits if h.action == "cancel"]
    assert cancel == [parts.cancel]
    assert lay.hit_at(parts.icon.center()).action != "cancel"  # a click on the icon is not a cancel


@pytest.mark.parametrize("kind", ["image", "video"])
@pytest.mark.parametrize("width", [300, 640])
def test_a_moving_photos_progress_and_cancel_stay_clear_of_each_other_and_the_time(
        view: TimelineView, kind: str, width: int) -> None:
    lay = laid_out(view, message(kind), own=True, width=width, transfer=MOVING)
    block = lay.blocks[0]
    parts = media_transfer_parts(block.rect, view.bubbles.fonts)
    assert_apart({"cancel": parts.cancel, "progress": parts.info}, block.rect)
    assert not lay.footer_rect.adjusted(-7, -2, 7, 2).intersects(parts.info)  # the time's pill
    assert not lay.footer_rect.adjusted(-7, -2, 7, 2).intersects(parts.cancel)
    assert [h.rect for h in lay.hits if h.action == "cancel"] == [parts.cancel]


def test_a_moving_voice_notes_lines_stay_clear_of_the_time(view: TimelineView) -> None:
    lay = laid_out(view, message("audio"), own=True, width=640, transfer=MOVING)
    block = lay.blocks[0]
    parts = audio_transfer_parts(block.rect, view.bubbles.fonts, lay.footer_rect)
    assert_apart({"cancel": parts.cancel, "bytes": parts.detail, "bar": parts.bar, "speed": parts.rate},
                 block.rect)
    assert not parts.rate.intersects(lay.footer_rect)
    assert view.bubbles.fonts.small_metrics.horizontalAdvance(MOVING.rate_text) <= parts.rate.width()
