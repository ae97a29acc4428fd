"""One app per profile (item 18): a second start brings the first window forward and opens nothing itself."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QProcess, QProcessEnvironment
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop.ui.app import bring_forward
from desktop.ui.startup.single_instance import SingleInstance
from tests.gui.conftest import ROOT


@pytest.fixture
def holders() -> Iterator[list[SingleInstance]]:
    made: list[SingleInstance] = []
    yield made
    for holder in made:
        holder.release()


def _instance(holders: list[SingleInstance], data_dir: Path) -> SingleInstance:
    instance = SingleInstance(data_dir)
    holders.append(instance)
    return instance


def test_one_app_per_profile(tmp_path: Path, holders: list[SingleInstance]) -> None:
    first = _instance(holders, tmp_path / "alice")
    second = _instance(holders, tmp_path / "alice")
    assert first.claim()
    assert not second.claim()
    assert _instance(holders, tmp_path / "bob").claim()  # bob's profile is open beside it
    first.release()
    assert second.claim()


def test_a_second_start_raises_the_first_window_and_opens_no_engine(
        tmp_path: Path, holders: list[SingleInstance], qtbot: QtBot) -> None:
    profile = tmp_path / "alice"
    first = _instance(holders, profile)
    assert first.claim()
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    window.showMinimized()
    first.activation_requested.connect(lambda: bring_forward(window))

    second = QProcess()
    env = QProcessEnvironment.systemEnvironment()
    env.insert("QT_QPA_PLATFORM", "offscreen")
    env.insert("XDG_DATA_HOME", str(tmp_path / "xdg"))  # the built-in server, were it started, lands here
    second.setProcessEnvironment(env)
    second.setWorkingDirectory(str(ROOT))
    try:
        with qtbot.waitSignal(second.finished, timeout=60_000), \
                qtbot.waitSignal(first.activation_requested, timeout=60_000):
            second.start(sys.executable, ["main.py", "--data-dir", str(profile)])
        stderr = bytes(second.readAllStandardError().data()).decode()
        assert second.exitCode() == 0, stderr
    finally:
        if second.state() != QProcess.ProcessState.NotRunning:
            second.kill()
            second.waitForFinished(30_000)
    assert "already has the profile" in stderr
    assert not window.isMinimized()
    assert not (profile / "envelope.db").exists(), "the second start opened an engine on the profile"
    assert not (tmp_path / "xdg").exists() or not os.listdir(tmp_path / "xdg")
