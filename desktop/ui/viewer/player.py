"""The viewer's stages: an image canvas (fit, zoom, pan) and a video/audio player (QtMultimedia)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPalette, QPixmap, QWheelEvent
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer, QVideoFrame
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QStackedWidget, QToolButton, QVBoxLayout, QWidget

from desktop.ui.style import glyphs
from desktop.ui.style.theme import human_duration, mix, scaled_font
from desktop.ui.viewer.audio import NO_AUDIO_OUTPUT, has_audio_output


class ImageCanvas(QWidget):
    """An image fitted to the widget, or zoomed (wheel, keys) and panned by dragging.

    ``scale()`` is device pixels per image pixel: 1.0 is "actual size". Fitting never enlarges
    an image beyond actual size unless ``upscale`` (thumbnails standing in for the real thing).

    Signals:
        zoom_changed(): the scale or the fit mode changed.
    """

    zoom_changed = Signal()
    MIN_ZOOM, MAX_ZOOM = 0.02, 16.0

    def __init__(self, parent: QWidget | None = None, *, upscale: bool = False) -> None:
        super().__init__(parent)
        self._image = QImage()
        self._pixmap = QPixmap()
        self._scaled: QPixmap | None = None
        self._zoom: float | None = None  # None: fit to the widget
        self._center = QPointF(0.5, 0.5)  # the image point (0..1) at the widget's centre
        self._drag: QPointF | None = None
        self._upscale = upscale
        self.setMinimumSize(160, 120)

    # -- state -------------------------------------------------------------------------------------
    def image(self) -> QImage:
        return self._image

    def set_image(self, image: QImage) -> None:
        self._image = image
        self._pixmap = QPixmap.fromImage(image) if not image.isNull() else QPixmap()
        self._scaled = None
        self._zoom = None
        self._center = QPointF(0.5, 0.5)
        self.update()
        self.zoom_changed.emit()

    def clear(self) -> None:
        self.set_image(QImage())

    def is_fit(self) -> bool:
        return self._zoom is None

    def fit_scale(self) -> float:
        if self._image.isNull():
            return 1.0
        dpr = self.devicePixelRatioF()
        scale = min(self.width() * dpr / self._image.width(), self.height() * dpr / self._image.height())
        return scale if self._upscale else min(scale, 1.0)

    def scale(self) -> float:
        return self.fit_scale() if self._zoom is None else self._zoom

    def image_rect(self) -> QRectF:
        """Where the image is drawn, in widget coordinates."""
        if self._image.isNull():
            return QRectF()
        s = self.scale() / self.devicePixelRatioF()
        w, h = self._image.width() * s, self._image.height() * s
        self._center = QPointF(self._clamp(self._center.x(), w, self.width()),
                               self._clamp(self._center.y(), h, self.height()))
        return QRectF(self.width() / 2 - self._center.x() * w, self.height() / 2 - self._center.y() * h, w, h)

    @staticmethod
    def _clamp(center: float, extent: float, view: float) -> float:
        if extent <= view:
            return 0.5
        half = view / 2 / extent
        return min(max(center, half), 1 - half)

    # -- zooming -----------------------------------------------------------------------------------
    def set_zoom(self, zoom: float | None, anchor: QPointF | None = None) -> None:
        """Zoom to ``zoom`` (None: fit), keeping the image point under ``anchor`` where it is."""
        if self._image.isNull():
            return
        anchor = anchor if anchor is not None else QPointF(self.width() / 2, self.height() / 2)
        before = self.image_rect()
        point = QPointF((anchor.x() - before.x()) / before.width(), (anchor.y() - before.y()) / before.height())
        self._zoom = None if zoom is None else min(max(zoom, self.MIN_ZOOM), self.MAX_ZOOM)
        s = self.scale() / self.devicePixelRatioF()
        w, h = self._image.width() * s, self._image.height() * s
        self._center = QPointF((self.width() / 2 - anchor.x()) / w + point.x(),
                               (self.height() / 2 - anchor.y()) / h + point.y())
        self.update()
        self.zoom_changed.emit()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        self.set_zoom(self.scale() * factor, anchor)

    def toggle_actual_size(self, anchor: QPointF | None = None) -> None:
        """Double-click: actual size (1:1) from any other zoom, back to fit from actual size."""
        at_one = self._zoom is not None and abs(self._zoom - 1.0) < 1e-3
        self.set_zoom(None if at_one else 1.0, anchor if isinstance(anchor, QPointF) else None)

    # -- painting and input ------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), backdrop(self.palette()))
        if self._pixmap.isNull():
            return
        target = self.image_rect()
        if self.scale() < 1.0:  # smooth downscaling once per size, not per frame
            size = QSize(round(target.width() * self.devicePixelRatioF()),
                         round(target.height() * self.devicePixelRatioF()))
            if self._scaled is None or self._scaled.size() != size:
                self._scaled = self._pixmap.scaled(size, Qt.AspectRatioMode.IgnoreAspectRatio,
                                                   Qt.TransformationMode.SmoothTransformation)
            painter.drawPixmap(target, self._scaled, QRectF(self._scaled.rect()))
        else:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.scale() < 3.0)
            painter.drawPixmap(target, self._pixmap, QRectF(self._pixmap.rect()))

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps and not self._image.isNull():
            self.zoom_by(1.25**steps, event.position())
            event.accept()
        else:
            super().wheelEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.toggle_actual_size(event.position())

    def _pannable(self) -> bool:
        rect = self.image_rect()
        return rect.width() > self.width() or rect.height() > self.height()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._pannable():
            self._drag = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is None:
            return
        rect = self.image_rect()
        delta = event.position() - self._drag
        self._drag = event.position()
        self._center = QPointF(self._center.x() - delta.x() / rect.width(),
                               self._center.y() - delta.y() / rect.height())
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None
        self.unsetCursor()


def backdrop(palette: QPalette) -> QColor:
    """The stage behind media: the window colour a step towards the shadow, so photos stand out."""
    return mix(palette.color(QPalette.ColorRole.Window), palette.color(QPalette.ColorRole.Shadow), 0.12)


class _Poster(ImageCanvas):
    """A video's poster frame under a large play button, until it plays; a click plays it.

    Signals:
        clicked()
    """

    clicked = Signal()
    BUTTON = 76

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, upscale=True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
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
    """Plays one local video or audio file at a time; keys are the caller's (see ``toggle``).

    With no audio output on the computer an audio clip says so on its card and does not pretend to
    play; a video with sound plays without it and ``notice`` says so. A video that reaches its end
    keeps showing its last frame (under the play button), not a black surface.

    Signals:
        error_occurred(sentence): the file could not be played.
        notice(sentence): something to know that is not an error (no audio output).
    """

    error_occurred = Signal(str)
    notice = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.player = QMediaPlayer(self)
        self.audio_output = QAudioOutput(self)
        self.player.setAudioOutput(self.audio_output)
        self.devices = QMediaDevices(self)
        self.devices.audioOutputsChanged.connect(
            lambda: self.audio_output.setDevice(QMediaDevices.defaultAudioOutput()))
        self.video = QVideoWidget(self)
        self.player.setVideoOutput(self.video)
        self._is_video = False
        self._last_frame: QVideoFrame | None = None
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
        self.player.setSource(QUrl.fromLocalFile(str(path)))

    def unload(self) -> None:
        """Stop and let go of the file (so it may be evicted or deleted)."""
        self.player.stop()
        self.player.setSource(QUrl())
        self._last_frame = None

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
        if playing and self.surface.currentWidget() is self.poster:
            self.surface.setCurrentWidget(self.video)
        ink = self.palette().color(QPalette.ColorRole.ButtonText)
        self.play_button.setIcon(glyphs.icon(glyphs.pause if playing else glyphs.play, ink, 22,
                                             self.devicePixelRatioF()))
        self.play_button.setToolTip("Pause (Space)" if playing else "Play (Space)")

    def _has_audio_changed(self, has_audio: bool) -> None:
        if has_audio and self._is_video and not has_audio_output():
            self.notice.emit(NO_AUDIO_OUTPUT)

    def show_poster(self, image: QImage) -> None:
        """A better poster (the decoded thumbnail) for a video that hasn't started playing."""
        if self._is_video and self.player.position() == 0 \
                and self.player.playbackState() != QMediaPlayer.PlaybackState.PlayingState:
            self.poster.set_image(image)
            self.surface.setCurrentWidget(self.poster)

    def _frame_shown(self, frame: QVideoFrame) -> None:
        if frame.isValid():  # at the end the sink gets an empty frame: keep the one before
            self._last_frame = frame

    def _status_changed(self, status: QMediaPlayer.MediaStatus) -> None:
        if status != QMediaPlayer.MediaStatus.EndOfMedia or not self._is_video or self._last_frame is None:
            return
        image = self._last_frame.toImage()
        if not image.isNull():
            self.poster.set_image(image)
            self.surface.setCurrentWidget(self.poster)

    def _error(self, error: QMediaPlayer.Error, detail: str) -> None:
        if error == QMediaPlayer.Error.NoError:
            return
        self.error_occurred.emit(f"This file can't be played here ({detail or error.name}). "
                                 "Try “Open with system app”.")
