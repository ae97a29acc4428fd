"""The viewer's video/audio player (QtMultimedia): a local file, or a video while it downloads."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPalette, QWheelEvent
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer, QVideoFrame
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QStackedWidget, QToolButton, QVBoxLayout, QWidget

from desktop.core.errors import NotSignedIn
from desktop.core.streaming.endpoint import READ_TIMEOUT
from desktop.ui.bridge import EngineBridge
from desktop.ui.style import glyphs
from desktop.ui.style.theme import human_duration, human_size, scaled_font
from desktop.ui.viewer.audio import NO_AUDIO_OUTPUT, has_audio_output
from desktop.ui.viewer.canvas import ImageCanvas, backdrop
from desktop.ui.viewer.streaming import StreamFeed

__all__ = ["ImageCanvas", "MediaPlayer", "backdrop"]
log = logging.getLogger(__name__)
STREAM_REFRESH_MS = 500
WAITING = (QMediaPlayer.MediaStatus.LoadingMedia, QMediaPlayer.MediaStatus.StalledMedia)


class _Poster(ImageCanvas):
    """A video's poster frame under a large play button, until it plays; a click plays it. While a
    streamed video waits for its first frame (``waiting``) there is no button: it is on its way.

    Signals:
        clicked()
    """

    clicked = Signal()
    BUTTON = 76

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, upscale=True)
        self.waiting = False
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.waiting:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        shade = QColor(palette.color(QPalette.ColorRole.Shadow))
        shade.setAlpha(150)
        side = self.BUTTON
        button = QRectF(self.width() / 2 - side / 2, self.height() / 2 - side / 2, side, side)
        glyphs.round_button(painter, button, shade, glyphs.play, palette.color(QPalette.ColorRole.BrightText),
                            glyph_scale=0.5)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        event.accept()

    def wheelEvent(self, event: QWheelEvent) -> None:
        event.ignore()


NOTE_WIDTH = 480


class _AudioCard(QWidget):
    """What an audio clip shows where a video would: a large note, the clip's name, and why it is silent."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.glyph = QLabel("♪", self)
        self.glyph.setFont(scaled_font(self.font(), 6.0))
        self.glyph.setForegroundRole(QPalette.ColorRole.Highlight)
        self.title = QLabel(self)
        self.title.setFont(scaled_font(self.font(), 1.3))
        self.title.setWordWrap(True)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setFixedWidth(NOTE_WIDTH)
        self.note.setContentsMargins(0, 12, 0, 0)
        self.note.setFont(scaled_font(self.font(), 1.05))
        self.note.hide()
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for label in (self.glyph, self.title, self.note):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)

    def say(self, sentence: str) -> None:
        self.note.setText(sentence)
        self.note.setMinimumHeight(self.note.heightForWidth(NOTE_WIDTH))  # every wrapped line, not one
        self.note.setVisible(bool(sentence))


class MediaPlayer(QWidget):
    """Plays one local video or audio file at a time, or a video while it downloads (``stream``);
    keys are the caller's (see ``toggle``).

    With no audio output on the computer an audio clip says so on its card and does not pretend to
    play; a video with sound plays without it and ``notice`` says so. A video that reaches its end
    keeps showing its last frame (under the play button), not a black surface. A streamed video
    shows how much has downloaded beside the time, and "Buffering…" while it waits for bytes.

    Signals:
        error_occurred(sentence): the file could not be played.
        notice(sentence): something to know that is not an error (no audio output).
    """

    error_occurred = Signal(str)
    notice = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.player = QMediaPlayer(self)
        _wait_for_streams(self.player)
        self.audio_output = QAudioOutput(self)
        self.player.setAudioOutput(self.audio_output)
        self.devices = QMediaDevices(self)
        self.devices.audioOutputsChanged.connect(
            lambda: self.audio_output.setDevice(QMediaDevices.defaultAudioOutput()))
        self.video = QVideoWidget(self)
        self.player.setVideoOutput(self.video)
        self._is_video = False
        self._last_frame: QVideoFrame | None = None
        self.feed: StreamFeed | None = None
        self._on_complete: Callable[[], None] | None = None
        self._stream_timer = QTimer(self)  # what arrived, read off the stream: progress events are thinned
        self._stream_timer.setInterval(STREAM_REFRESH_MS)
        self._stream_timer.timeout.connect(self._stream_tick)
        self._ticked_at = -1  # the position at the last tick
        self._stuck = False  # playing, yet the position stood still since the tick before
        self.video.videoSink().videoFrameChanged.connect(self._frame_shown)
        self.audio_card = _AudioCard(self)
        self.poster = _Poster(self)
        self.poster.clicked.connect(self.play)

        self.surface = QStackedWidget(self)
        self.surface.addWidget(self.video)
        self.surface.addWidget(self.audio_card)
        self.surface.addWidget(self.poster)
        for widget in (self.video, self.audio_card):  # the same stage as photos get
            palette = widget.palette()
            palette.setColor(QPalette.ColorRole.Window, backdrop(palette))
            widget.setPalette(palette)
            widget.setAutoFillBackground(True)

        self.play_button = QToolButton(self)
        self.play_button.setAutoRaise(True)
        self.play_button.setIconSize(QSize(22, 22))
        self.play_button.setToolTip("Play (Space)")
        self.play_button.clicked.connect(self.toggle)
        self.position_label = QLabel(human_duration(0), self)
        self.duration_label = QLabel(human_duration(0), self)
        for label in (self.position_label, self.duration_label):
            label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            label.setMinimumWidth(label.fontMetrics().horizontalAdvance("00:00:00"))
        self.position_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.stream_label = QLabel(self)
        self.stream_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.stream_label.hide()
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrows and Space belong to the viewer
        self.slider.setRange(0, 0)
        self.slider.sliderMoved.connect(self.player.setPosition)
        self.slider.sliderReleased.connect(lambda: self.player.setPosition(self.slider.value()))
        self.play_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        controls = QHBoxLayout()
        controls.setContentsMargins(12, 6, 12, 6)
        controls.setSpacing(10)
        controls.addWidget(self.play_button)
        controls.addWidget(self.position_label)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.duration_label)
        controls.addWidget(self.stream_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.surface, 1)
        layout.addLayout(controls)

        self.player.durationChanged.connect(self._duration_changed)
        self.player.positionChanged.connect(self._position_changed)
        self.player.playbackStateChanged.connect(self._state_changed)
        self.player.errorOccurred.connect(self._error)
        self.player.hasAudioChanged.connect(self._has_audio_changed)
        self.player.mediaStatusChanged.connect(self._status_changed)
        self._state_changed(self.player.playbackState())

    # -- driving ---------------------------------------------------------------------------------
    def load(self, path: Path, *, video: bool, title: str = "", poster: QImage | None = None) -> None:
        """Open a local file, paused at the start: a video shows ``poster`` until it plays, audio a card."""
        self._open(QUrl.fromLocalFile(str(path)), video=video, title=title, poster=poster)

    def stream(self, bridge: EngineBridge, sha256: str, *, title: str = "", poster: QImage | None = None,
               offline: str = "", on_complete: Callable[[], None] | None = None) -> bool:
        """Play a video that isn't downloaded yet while it downloads, from the start at once.

        False (nothing changed) when it can't be streamed now: signed out or not online. ``offline``
        is the sentence ``notice`` gives while the network is gone; ``on_complete`` is called once
        every byte arrived and was verified (it keeps playing, from the same source).
        """
        if bridge.engine.state not in ("online", "syncing"):
            return False
        try:
            feed = StreamFeed(bridge, sha256, offline=offline, parent=self)
        except (NotSignedIn, OSError) as exc:
            log.info("can't stream %s: %s", sha256[:12], exc)
            return False
        self.unload()
        self.feed, self._on_complete = feed, on_complete
        feed.notice.connect(self.notice)
        feed.failed.connect(self.error_occurred)
        feed.complete.connect(self._stream_complete)
        self._open(feed.url, video=True, title=title, poster=poster)
        self.poster.waiting = True
        self._stream_timer.start()
        self._show_stream_state()
        self.play()
        return True

    def _open(self, source: QUrl, *, video: bool, title: str, poster: QImage | None) -> None:
        if video and poster is not None and not poster.isNull():
            self.poster.set_image(poster)
            self.surface.setCurrentWidget(self.poster)
        else:
            self.surface.setCurrentWidget(self.video if video else self.audio_card)
        self.audio_card.title.setText(title)
        self.audio_card.say("" if video or has_audio_output() else NO_AUDIO_OUTPUT)
        self.slider.setValue(0)
        self._is_video = video
        self._last_frame = None
        self.player.setSource(source)

    def unload(self) -> None:
        """Stop and let go of the file (so it may be evicted or deleted), or of the stream."""
        self.player.stop()
        self.player.setSource(QUrl())
        self._last_frame = None
        self.poster.waiting = False
        if self.feed is not None:
            self.feed.close()
            self.feed, self._on_complete = None, None
        self._stream_timer.stop()
        self.stream_label.hide()

    def play(self) -> None:
        if not self._is_video and not has_audio_output():  # a moving bar in silence helps nobody
            self.audio_card.say(NO_AUDIO_OUTPUT)
            return
        if self.player.mediaStatus() == QMediaPlayer.MediaStatus.EndOfMedia:
            self.player.setPosition(0)
        self.player.play()

    def pause(self) -> None:
        self.player.pause()

    def toggle(self) -> None:
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.pause()
        else:
            self.play()

    def seek_by(self, ms: int) -> None:
        duration = self.player.duration()
        position = max(0, self.player.position() + ms)
        self.player.setPosition(min(position, duration) if duration > 0 else position)

    # -- reporting -------------------------------------------------------------------------------
    def _duration_changed(self, duration: int) -> None:
        self.slider.setRange(0, max(0, duration))
        self.duration_label.setText(human_duration(duration))

    def _position_changed(self, position: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(position)
        self.position_label.setText(human_duration(position))

    def _state_changed(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        if playing and self.surface.currentWidget() is self.poster and not self.poster.waiting:
            self.surface.setCurrentWidget(self.video)
        ink = self.palette().color(QPalette.ColorRole.ButtonText)
        self.play_button.setIcon(glyphs.icon(glyphs.pause if playing else glyphs.play, ink, 22,
                                             self.devicePixelRatioF()))
        self.play_button.setToolTip("Pause (Space)" if playing else "Play (Space)")

    def _has_audio_changed(self, has_audio: bool) -> None:
        if has_audio and self._is_video and not has_audio_output():
            self.notice.emit(NO_AUDIO_OUTPUT)

    def show_poster(self, image: QImage) -> None:
        """A better poster (the decoded thumbnail) for a video that hasn't started playing (or shown a frame)."""
        unplayed = self.player.position() == 0 \
            and self.player.playbackState() != QMediaPlayer.PlaybackState.PlayingState
        if self._is_video and (self.poster.waiting or unplayed):
            self.poster.set_image(image)
            self.surface.setCurrentWidget(self.poster)

    def _frame_shown(self, frame: QVideoFrame) -> None:
        if frame.isValid():  # at the end the sink gets an empty frame: keep the one before
            self._last_frame = frame
            if self.poster.waiting:  # a streamed video's first frame: the poster made way for it
                self.poster.waiting = False
                self.surface.setCurrentWidget(self.video)

    def _status_changed(self, status: QMediaPlayer.MediaStatus) -> None:
        self._show_stream_state()
        if status != QMediaPlayer.MediaStatus.EndOfMedia or not self._is_video or self._last_frame is None:
            return
        image = self._last_frame.toImage()
        if not image.isNull():
            self.poster.set_image(image)
            self.surface.setCurrentWidget(self.poster)

    def _error(self, error: QMediaPlayer.Error, detail: str) -> None:
        if error == QMediaPlayer.Error.NoError:
            return
        feed = self.feed  # why the stream ended, or that the network is gone, rather than how the demuxer saw it
        if feed is not None and feed.failure:
            self.error_occurred.emit(feed.failure)
            return
        if feed is not None and feed.offline_now:
            self.notice.emit(feed.offline)
            return
        self.error_occurred.emit(f"This file can't be played here ({detail or error.name}). "
                                 "Try “Open with system app”.")

    # -- a video while it downloads ----------------------------------------------------------------
    def _stream_complete(self) -> None:
        self._show_stream_state()
        if self._on_complete is not None:
            self._on_complete()

    def _stream_tick(self) -> None:
        position = self.player.position()
        playing = self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
        self._stuck, self._ticked_at = playing and position == self._ticked_at, position
        self._show_stream_state()

    def _show_stream_state(self) -> None:
        """"Buffering…" while the player waits for bytes, and how much has downloaded, until all has."""
        feed = self.feed
        if feed is None or feed.finished or feed.failure:
            self._stream_timer.stop()
            self.stream_label.hide()
            return
        done, total = feed.downloaded()
        # the FFmpeg backend says "buffered" while its reads wait: a playhead that stands still says more
        waiting = self.player.mediaStatus() in WAITING or (self._stuck and feed.starved())
        parts = ["Buffering…"] if waiting else []
        if total:
            parts.append(f"{human_size(done)} of {human_size(total)} downloaded")
        self.stream_label.setText(" · ".join(parts))
        self.stream_label.setVisible(bool(parts))


def _wait_for_streams(player: QMediaPlayer) -> None:
    """Let the player wait for a stream's bytes as long as the endpoint does (Qt's FFmpeg backend
    gives up after 20 s by default); Qt before 6.10 has no such option and keeps its default."""
    try:
        from PySide6.QtMultimedia import QPlaybackOptions
    except ImportError:
        return
    options = QPlaybackOptions()
    options.setNetworkTimeout(int((READ_TIMEOUT + 30) * 1000))
    player.setPlaybackOptions(options)
