"""Voice-note fixtures: a private PulseAudio daemon (started here, at collection, before Qt looks for audio
devices) and ``microphone``, a tone-fed input plugged for one test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtMultimedia import QMediaDevices
from pytestqt.qtbot import QtBot

from tests.gui.composer import pulse

pulse.start()


def pulse_running() -> None:
    if pulse.problem():
        pytest.fail(pulse.problem(), pytrace=False)


@pytest.fixture
def no_microphone(qtbot: QtBot) -> None:
    """The computer has no audio input at all (the daemon runs with no devices).

    Qt's PulseAudio backend never announces a removed input, so once a test has plugged the microphone Qt
    lists it for the rest of the process: tests without one come first in their file.
    """
    pulse_running()
    if pulse.Microphone.plugged_ever:
        pytest.fail("a test plugged the microphone earlier in this process, and Qt still lists it: "
                    "run the tests without a microphone first", pytrace=False)
    qtbot.waitUntil(lambda: not QMediaDevices.audioInputs(), timeout=10_000)


@pytest.fixture
def microphone(qtbot: QtBot) -> Iterator[pulse.Microphone]:
    """A 440 Hz tone as the default microphone, unplugged afterwards."""
    pulse_running()
    mic = pulse.Microphone()
    mic.plug()
    try:
        qtbot.waitUntil(lambda: any(d.description() == mic.NAME for d in QMediaDevices.audioInputs()),
                        timeout=10_000)
        qtbot.waitUntil(lambda: QMediaDevices.defaultAudioInput().description() == mic.NAME, timeout=10_000)
        yield mic
    finally:
        mic.unplug()  # (Qt's PulseAudio backend does not announce removed inputs: nothing to wait for)
