"""The Save / Export window: Cancel stops the job (the window waits for it), closing it cancels, and a
stopped job's sentence shows."""

from __future__ import annotations

import threading
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.core.export.copyout import CopyStopped, Outcome, Progress, ProgressCallback
from desktop.ui.export.dialog import CopyDialog
from desktop.ui.export.task import Job


def waiting_job(folder: Path, started: threading.Event) -> Job:
    """A job that reports one file of three, then waits for its cancel event, as a copy-out does."""

    def job(progress: ProgressCallback, cancel: threading.Event) -> Outcome:
        progress(Progress(1, 3, 1_500_000, 4_500_000, "IMG_2.jpg"))
        started.set()
        cancel.wait(30)
        return Outcome(folder, written=1, cancelled=cancel.is_set())

    return job


def shown(qtbot: QtBot, job: Job, folder: Path) -> CopyDialog:
    dialog = CopyDialog(job, title="Save to folder", heading="Saving…", done="Saved {files} in {folder}.",
                        folder=folder)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_cancel_waits_for_the_job_then_says_how_far_it_got(qtbot: QtBot, tmp_path: Path) -> None:
    started = threading.Event()
    dialog = shown(qtbot, waiting_job(tmp_path, started), tmp_path)
    qtbot.waitUntil(lambda: dialog.detail.text() == "1 of 3 files · 1.5 MB of 4.5 MB\nIMG_2.jpg")
    assert dialog.bar.value() == 333 and started.is_set()

    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)

    assert dialog.isVisible()  # it stays until the job has stopped
    qtbot.waitUntil(lambda: dialog.heading.text() == "Stopped.")
    assert dialog.detail.text() == (f"1 file is in {tmp_path} so far; choose the same folder again to "
                                    "continue where it stopped.")
    assert dialog.cancel_button.text() == "Close" and dialog.cancel_button.isEnabled()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_closing_the_window_while_it_runs_cancels(qtbot: QtBot, tmp_path: Path) -> None:
    started = threading.Event()
    dialog = shown(qtbot, waiting_job(tmp_path, started), tmp_path)
    qtbot.waitUntil(started.is_set)

    dialog.close()

    assert dialog.isVisible() and dialog.task.cancel.is_set() and dialog.heading.text() == "Stopping…"
    qtbot.waitUntil(lambda: not dialog.task.running)
    qtbot.waitUntil(lambda: dialog.heading.text() == "Stopped.")


def test_a_stopped_job_shows_its_sentence(qtbot: QtBot, tmp_path: Path) -> None:
    def job(progress: ProgressCallback, cancel: threading.Event) -> Outcome:
        raise CopyStopped(f"The disk is full. 2 of 5 files are in {tmp_path}; choose the same folder again to "
                          "continue where it stopped.")

    dialog = shown(qtbot, job, tmp_path)
    qtbot.waitUntil(lambda: dialog.heading.text() == "Stopped.")
    assert dialog.error.isVisible() and dialog.error.text().startswith("The disk is full. 2 of 5 files are in")
    assert dialog.open_button.isVisible()  # what was written can be looked at


def test_when_done_it_says_what_was_there_and_what_was_not_saved(qtbot: QtBot, tmp_path: Path) -> None:
    offline = "It isn't on this computer and the server can't be reached."

    def job(progress: ProgressCallback, cancel: threading.Event) -> Outcome:
        progress(Progress(9, 9, 9_000, 9_000))
        failed = [(f"clip{n}.mp4", offline) for n in range(7)] + [("ghost.txt", "The server wouldn't send it: Gone.")]
        return Outcome(tmp_path, written=0, already_there=1, failed=failed)

    dialog = shown(qtbot, job, tmp_path)
    qtbot.waitUntil(lambda: dialog.heading.text() == f"Saved 1 file in {tmp_path}.")
    assert dialog.detail.text().split("\n") == [
        "1 file was already there from before.",
        f"Not saved: clip0.mp4, clip1.mp4, clip2.mp4, clip3.mp4, clip4.mp4 and 2 more. {offline}",
        "Not saved: ghost.txt. The server wouldn't send it: Gone.",
        "Choose the same folder again later to add what is missing.",
    ]


def test_a_window_deleted_with_its_parent_cancels_its_job(qtbot: QtBot, tmp_path: Path) -> None:
    started = threading.Event()
    dialog = shown(qtbot, waiting_job(tmp_path, started), tmp_path)
    qtbot.waitUntil(started.is_set)
    cancel = dialog.task.cancel

    dialog.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog))

    assert cancel.is_set()
