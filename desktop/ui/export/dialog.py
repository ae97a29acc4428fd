"""The window of a bulk save or an export: progress (files, bytes, Cancel), then how it went and Open folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from desktop.core.export.copyout import Outcome, Progress
from desktop.core.units import size_text
from desktop.ui.export.task import CopyTask, Job
from desktop.ui.style.theme import error_label, scaled_font

BAR_STEPS = 1000
SHOWN_FAILURES = 5


def files_text(n: int) -> str:
    return "1 file" if n == 1 else f"{n:,} files"


def progress_text(p: Progress) -> str:
    """"3 of 12 files · 14.2 MB of 80.0 MB"."""
    files = f"{p.files_done:,} of {files_text(p.files_total)}"
    return f"{files} · {size_text(p.bytes_done)} of {size_text(p.bytes_total)}" if p.bytes_total else files


def outcome_text(outcome: Outcome) -> str:
    """What to add to "Saved 3 files in …": the files there from a run before, and those not saved, by reason."""
    lines = []
    if outcome.already_there:
        verb = "was" if outcome.already_there == 1 else "were"
        lines.append(f"{files_text(outcome.already_there)} {verb} already there from before.")
    by_reason: dict[str, list[str]] = {}
    for name, why in outcome.failed:
        by_reason.setdefault(why, []).append(name)
    for why, names in by_reason.items():
        more = f" and {len(names) - SHOWN_FAILURES:,} more" if len(names) > SHOWN_FAILURES else ""
        lines.append(f"Not saved: {', '.join(names[:SHOWN_FAILURES])}{more}. {why}")
    if outcome.failed:
        lines.append("Choose the same folder again later to add what is missing.")
    return "\n".join(lines)


class CopyDialog(QDialog):
    """Runs a ``CopyTask`` and shows it: a bar by bytes, "n of m files", Cancel; when it ends, a
    sentence, Open folder and Close. Closing it while it runs cancels (the files so far stay)."""

    def __init__(self, job: Job, *, title: str, heading: str, done: str, folder: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        self.folder = folder
        self._done = done  # what to say when it finished: "Saved {files} in {folder}."
        self.heading = QLabel(heading)
        self.heading.setWordWrap(True)
        self.heading.setFont(scaled_font(self.font(), 1.1, bold=True))
        self.bar = QProgressBar()
        self.bar.setRange(0, BAR_STEPS)
        self.bar.setTextVisible(False)
        self.detail = QLabel("Getting ready…")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = error_label(self.palette())
        self.buttons = QDialogButtonBox()
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.open_button = QPushButton("Open folder")
        self.open_button.clicked.connect(self.open_folder)
        self.open_button.hide()
        self.buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.cancel_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        for widget in (self.heading, self.bar, self.detail, self.error):
            layout.addWidget(widget)
        layout.addWidget(self.buttons)

        self.task = CopyTask(job, self)
        self.task.progressed.connect(self._progressed)
        self.task.finished.connect(self._finished)
        self.task.failed.connect(self._failed)
        self.task.start()

    # -- what the task says --------------------------------------------------------------------------
    def _progressed(self, p: Progress) -> None:
        if self.task.cancel.is_set():
            return
        done, total = (p.bytes_done, p.bytes_total) if p.bytes_total else (p.files_done, p.files_total)
        self.bar.setValue(BAR_STEPS if not total else min(BAR_STEPS, done * BAR_STEPS // total))
        self.detail.setText(progress_text(p) + (f"\n{p.current}" if p.current else ""))

    def _finished(self, outcome: Outcome) -> None:
        if outcome.cancelled:
            self.heading.setText("Stopped.")
            verb = "is" if outcome.files == 1 else "are"
            self.detail.setText(f"{files_text(outcome.files)} {verb} in {outcome.folder} so far; choose the same "
                                "folder again to continue where it stopped.")
        else:
            self.bar.setValue(BAR_STEPS)
            self.heading.setText(self._done.format(files=files_text(outcome.files), folder=outcome.folder))
            self.detail.setText(outcome_text(outcome) or self.detail.text().split("\n")[0])
        self.folder = outcome.folder
        self._ended()

    def _failed(self, sentence: str) -> None:
        self.heading.setText("Stopped.")
        self.detail.hide()
        self.error.setText(sentence)
        self.error.show()
        self._ended()

    def _ended(self) -> None:
        self.cancel_button.setText("Close")
        self.cancel_button.setEnabled(True)
        self.open_button.setVisible(self.folder.is_dir())
        if self.open_button.isVisible():
            self.open_button.setDefault(True)
            self.open_button.setFocus()

    # -- the person --------------------------------------------------------------------------------------
    def open_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder)))

    def reject(self) -> None:
        """Cancel while it runs (the window stays until it has stopped); close once it has ended."""
        if self.task.running:
            self.task.cancel.set()
            self.heading.setText("Stopping…")
            self.cancel_button.setEnabled(False)
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.task.running:
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)
