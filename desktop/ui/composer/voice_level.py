"""The live level of a microphone while it records: a second, small stream from the same device.

Qt's ``QAudioBufferOutput`` (6.8+) taps only a ``QMediaPlayer``, not a capture session, so the meter
reads its own ``QAudioSource``: 16-bit mono at 16 kHz in 0.1 s chunks, each reduced to its peak.
"""

from __future__ import annotations

import math
from array import array

from PySide6.QtCore import QIODevice, QObject, Signal
from PySide6.QtMultimedia import QAudioDevice, QAudioFormat, QAudioSource, QtAudio

FLOOR_DB = -50.0  # the meter's silence; 0 dBFS is full scale


def level_of(pcm: bytes) -> float:
    """0..1 for a chunk of 16-bit samples: the peak on a -50..0 dBFS scale."""
    samples = array("h", pcm[: len(pcm) // 2 * 2])
    peak = max((abs(s) for s in samples), default=0)
    if peak == 0:
        return 0.0
    return min(1.0, max(0.0, (20 * math.log10(peak / 32768) - FLOOR_DB) / -FLOOR_DB))


class LevelTap(QObject):
    """Signals: level(value) with 0..1, ten times a second while started."""

    level = Signal(float)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source: QAudioSource | None = None
        self._io: QIODevice | None = None

    def start(self, device: QAudioDevice) -> bool:
        """Listen to ``device``; False when its stream cannot open (a microphone unplugged, say)."""
        self.stop()
        fmt = QAudioFormat()
        fmt.setSampleRate(16_000)
        fmt.setChannelCount(1)
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        self._source = QAudioSource(device, fmt, self)
        self._source.setBufferSize(3_200)  # 0.1 s
        self._io = self._source.start()
        if self._io is not None:
            self._io.readyRead.connect(self._read)
        # Asked at once: PySide 6.11 cannot deliver QAudioSource.stateChanged (QAudio::State).
        return self._source.error() not in (QtAudio.Error.OpenError, QtAudio.Error.FatalError)

    def stop(self) -> None:
        source, self._source, self._io = self._source, None, None
        if source is not None:
            source.stop()
            source.deleteLater()

    def _read(self) -> None:
        if self._io is not None:
            self.level.emit(level_of(bytes(self._io.readAll().data())))
