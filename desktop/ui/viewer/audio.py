"""Inline playback of voice notes in the timeline: one at a time, created on first use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QUrl, Signal

SPEEDS = (1.0, 1.5, 2.0)
NO_AUDIO_OUTPUT = ("No audio output was found on this computer, so the sound can't be heard; "
                   "connect speakers or headphones and try again.")


def speed_label(speed: float) -> str:
    """ "1×", "1.5×", "2×" """
    return f"{speed:g}×"


def next_speed(speed: float) -> float:
    """The speed after ``speed`` in 1× → 1.5× → 2× → 1× (anything else starts again at 1×)."""
    return SPEEDS[(SPEEDS.index(speed) + 1) % len(SPEEDS)] if speed in SPEEDS else SPEEDS[0]


def has_audio_output() -> bool:
    """Whether the computer has any audio output device (none under a bare X server or offscreen)."""
    from PySide6.QtMultimedia import QMediaDevices

    return bool(QMediaDevices.audioOutputs())


class AudioPlayback(QObject):
    """A single QMediaPlayer shared by every audio bubble of a window.

    With no audio output a note does not start (no silent moving bar); ``unavailable`` says why.

    Signals:
        changed(sha256): that note started, paused, moved on or ended: repaint its bubble.
        unavailable(sha256, sentence): that note can't be played; tell the user.
    """

    changed = Signal(str)
    unavailable = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._player = None
        self._output = None
        self.current = ""
        self._playing = False
        self._position = 0
        self._duration = 0
        self.speed = SPEEDS[0]

    def set_speed(self, speed: float) -> None:
        """Play every note at ``speed`` (one of SPEEDS), the one playing now included."""
        self.speed = speed if speed in SPEEDS else SPEEDS[0]
        if self._player is not None:
            self._player.setPlaybackRate(self.speed)
        if self.current:
            self.changed.emit(self.current)

    def _ensure_player(self) -> Any:
        if self._player is None:
            from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

            self._output = QAudioOutput(self)
            self._player = QMediaPlayer(self)
            self._player.setAudioOutput(self._output)
            self._player.setPlaybackRate(self.speed)
            self._player.positionChanged.connect(self._on_position)
            self._player.durationChanged.connect(self._on_duration)
            self._player.playbackStateChanged.connect(self._on_state)
        return self._player

    def toggle(self, sha256: str, path: Path) -> None:
        """Play the note (pausing any other), or pause it if it is the one playing."""
        if not has_audio_output():
            self.stop()
            self.unavailable.emit(sha256, NO_AUDIO_OUTPUT)
            return
        player = self._ensure_player()
        if sha256 == self.current:
            if self._playing:
                player.pause()
            else:
                player.play()
            return
        previous, self.current = self.current, sha256
        self._position = self._duration = 0
        player.setSource(QUrl.fromLocalFile(str(path)))
        player.setPlaybackRate(self.speed)
        player.play()
        if previous:
            self.changed.emit(previous)

    def stop(self) -> None:
        if self._player is not None:
            self._player.stop()

    def state(self, sha256: str) -> tuple[bool, float, int]:
        if sha256 != self.current:
            return False, 0.0, 0
        fraction = self._position / self._duration if self._duration else 0.0
        return self._playing, fraction, self._position

    def _on_position(self, position: int) -> None:
        self._position = position
        self.changed.emit(self.current)

    def _on_duration(self, duration: int) -> None:
        self._duration = duration

    def _on_state(self, state: object) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        self._playing = state == QMediaPlayer.PlaybackState.PlayingState
        if state == QMediaPlayer.PlaybackState.StoppedState:
            self._position = 0
        self.changed.emit(self.current)
