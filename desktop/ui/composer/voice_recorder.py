"""Recording a voice note: AAC in M4A from the default microphone, with a live level from a second tap.

``QMediaRecorder`` writes the file; ``LevelTap`` (voice_level.py) gives the level. AAC in M4A because Qt's bundled
FFmpeg encodes it everywhere (its Opus encoder is marked experimental and skipped), and the media pipeline
already probes an M4A as audio, so the note travels as an ordinary ``audio`` attachment.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtMultimedia import QAudioInput, QMediaCaptureSession, QMediaDevices, QMediaFormat, QMediaRecorder

from desktop.ui.composer.voice_level import LevelTap

MIN_DURATION_MS = 500  # shorter is a slip of the mouse, not a message
_recording_dir: Path | None = None


def recording_path() -> Path:
    """A new file in a private temp folder kept until exit (sending copies it into the cache first)."""
    global _recording_dir
    if _recording_dir is None:
        _recording_dir = Path(tempfile.mkdtemp(prefix="envelope-voice-"))
        atexit.register(shutil.rmtree, _recording_dir, True)
    stamp = datetime.now().strftime("%Y-%m-%d at %H.%M.%S")
    path, n = _recording_dir / f"Voice note {stamp}.m4a", 1
    while path.exists():
        n += 1
        path = _recording_dir / f"Voice note {stamp} ({n}).m4a"
    return path


class VoiceRecorder(QObject):
    """One recording at a time.

    Signals:
        level(value): 0..1, several times a second while recording.
        duration(ms): how much has been recorded.
        recorded(path, ms): the recording is finished and long enough to send.
        too_short(): it was shorter than half a second and was discarded.
        failed(sentence): the microphone could not be used; nothing was kept.
    """

    level = Signal(float)
    duration = Signal(int)
    recorded = Signal(Path, int)
    too_short = Signal()
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = QMediaCaptureSession(self)
        self._input = QAudioInput(self)
        self._session.setAudioInput(self._input)
        self._recorder = QMediaRecorder(self)
        self._session.setRecorder(self._recorder)
        media = QMediaFormat(QMediaFormat.FileFormat.Mpeg4Audio)
        media.setAudioCodec(QMediaFormat.AudioCodec.AAC)
        self._recorder.setMediaFormat(media)
        self._recorder.setQuality(QMediaRecorder.Quality.NormalQuality)
        self._recorder.durationChanged.connect(lambda ms: self.duration.emit(int(ms)))
        self._recorder.recorderStateChanged.connect(self._state_changed)
        self._recorder.errorOccurred.connect(self._error)
        self._tap = LevelTap(self)
        self._tap.level.connect(self.level)
        self._path: Path | None = None
        self._keep = False

    @property
    def recording(self) -> bool:
        return self._path is not None

    def duration_ms(self) -> int:
        return int(self._recorder.duration())

    def start(self) -> None:
        """Record from the system's default microphone (chosen now, so a newly plugged one counts)."""
        if self.recording:
            return
        device = QMediaDevices.defaultAudioInput()
        if device.isNull():
            self.failed.emit("No microphone found, so nothing can be recorded.")
            return
        self._input.setDevice(device)
        self._path = recording_path()
        self._keep = False
        self._recorder.setOutputLocation(QUrl.fromLocalFile(str(self._path)))
        self._recorder.record()
        if not self._tap.start(device):
            # Gone since Qt listed it (its PulseAudio backend does not announce removed inputs): the
            # recorder would wait for sound that never comes, so say so now.
            self._error(QMediaRecorder.Error.ResourceError, "it could not be opened (was it unplugged?)")

    def finish(self) -> None:
        """Stop and hand the recording on (``recorded``), or discard it when too short (``too_short``)."""
        self._stop(keep=True)

    def cancel(self) -> None:
        """Stop and throw the recording away."""
        self._stop(keep=False)

    def _stop(self, *, keep: bool) -> None:
        if not self.recording:
            return
        self._keep = keep
        self._tap.stop()
        if self._recorder.recorderState() == QMediaRecorder.RecorderState.StoppedState:
            self._done()
        else:
            self._recorder.stop()  # finished once the state says Stopped (the file is complete by then)

    def _state_changed(self, state: QMediaRecorder.RecorderState) -> None:
        if state == QMediaRecorder.RecorderState.StoppedState and self.recording:
            self._tap.stop()
            self._done()

    def _done(self) -> None:
        path, self._path = self._path, None
        assert path is not None
        ms = self.duration_ms()
        if self._keep and ms >= MIN_DURATION_MS and path.is_file():
            self.recorded.emit(path, ms)
            return
        with contextlib.suppress(OSError):  # never written when its folder could not be used
            path.unlink(missing_ok=True)
        if self._keep:
            self.too_short.emit()

    def _error(self, _error: QMediaRecorder.Error, detail: str) -> None:
        if not self.recording:
            return
        self._keep = False
        self._tap.stop()
        self._recorder.stop()
        if self.recording:  # stop() had nothing to stop, so no state change will finish it
            self._done()
        self.failed.emit(f"The microphone could not be used{': ' + detail if detail else ''}. "
                         "Check that Envelope may use it and that no other app holds it.")
