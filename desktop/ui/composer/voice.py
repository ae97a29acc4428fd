"""Voice notes in the composer: the microphone button, and recording from its click to Send or Cancel.

Click the microphone to start; the text row gives way to the recording bar (time, level, Cancel, Send).
Send hands the M4A to the composer's usual send path, so it is hashed into the cache, shown as pending and
uploaded by the outbox like any file. See docs/decisions.md for why click-to-record rather than hold.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMicrophonePermission, QObject, QSize, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtMultimedia import QMediaDevices
from PySide6.QtWidgets import QToolButton, QToolTip, QWidget

from desktop.ui.composer.voice_bar import RecordingBar, microphone
from desktop.ui.composer.voice_recorder import VoiceRecorder
from desktop.ui.style import glyphs

RECORD_TIP = "Record a voice note"
NO_MICROPHONE = "No microphone found. Connect one to record a voice note."
TOO_SHORT = "Too short to send: a voice note needs at least half a second."
NOT_ALLOWED = "Envelope may not use the microphone. Allow it in your system's privacy settings, then try again."


class MicButton(QToolButton):
    """Enabled only while the computer has a microphone; its tooltip says why not."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIcon(glyphs.icon(microphone, self.palette().color(QPalette.ColorRole.Text), 22))
        self.setIconSize(QSize(22, 22))
        self.setAutoRaise(True)
        self.setAccessibleName("Record a voice note")
        self._devices = QMediaDevices(self)
        self._devices.audioInputsChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        available = bool(QMediaDevices.audioInputs())
        self.setEnabled(available)
        self.setToolTip(RECORD_TIP if available else NO_MICROPHONE)
        self.setAccessibleDescription("" if available else NO_MICROPHONE)


class VoiceNotes(QObject):
    """The microphone button, the recording bar and the recorder, wired together.

    Signals:
        recording_changed(on): the bar should show in place of the text row (or give it back).
        send_requested(path): a finished voice note to send.
        message(sentence): what the person should know (too short, no microphone, not allowed).
    """

    recording_changed = Signal(bool)
    send_requested = Signal(Path)
    message = Signal(str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.button = MicButton()
        self.button.clicked.connect(self.start)
        self.bar = RecordingBar()
        self.bar.hide()
        self.recorder = VoiceRecorder(self)
        self.recorder.level.connect(self.bar.meter.add)
        self.recorder.duration.connect(self.bar.set_duration)
        self.recorder.recorded.connect(self._recorded)
        self.recorder.too_short.connect(self._too_short)
        self.recorder.failed.connect(self._failed)
        self.bar.cancel_requested.connect(self.cancel)
        self.bar.send_requested.connect(self.finish)

    @property
    def recording(self) -> bool:
        return self.recorder.recording

    def start(self) -> None:
        """Start recording, once the system allows the microphone (asked the first time where it asks)."""
        if self.recording:
            return
        app = QCoreApplication.instance()
        permission = QMicrophonePermission()
        status = app.checkPermission(permission) if app is not None else Qt.PermissionStatus.Granted
        if status == Qt.PermissionStatus.Undetermined and app is not None:
            app.requestPermission(permission, self, lambda p: self.start() if
                                  p.status() == Qt.PermissionStatus.Granted else self._failed(NOT_ALLOWED))
            return
        if status == Qt.PermissionStatus.Denied:
            self._failed(NOT_ALLOWED)
            return
        self.bar.reset()
        self.recorder.start()
        if self.recording:
            self._show_bar(True)

    def finish(self) -> None:
        self.recorder.finish()

    def cancel(self) -> None:
        if not self.recording:
            return
        self.recorder.cancel()
        self._show_bar(False)

    def _show_bar(self, on: bool) -> None:
        self.bar.setVisible(on)
        self.recording_changed.emit(on)
        if on:
            self.bar.send_button.setFocus()

    def _recorded(self, path: Path, _ms: int) -> None:
        self._show_bar(False)
        self.send_requested.emit(path)

    def _too_short(self) -> None:
        self._show_bar(False)
        self._hint(TOO_SHORT)

    def _failed(self, sentence: str) -> None:
        self._show_bar(False)
        self._hint(sentence)

    def _hint(self, sentence: str) -> None:
        self.message.emit(sentence)
        if self.button.isVisible():
            QToolTip.showText(self.button.mapToGlobal(self.button.rect().center()), sentence, self.button)
