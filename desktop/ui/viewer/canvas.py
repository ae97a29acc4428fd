"""The viewer's image stage: a picture fitted to the widget, or zoomed and panned; the backdrop behind media."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPalette, QPixmap, QWheelEvent
from PySide6.QtWidgets import QWidget

from desktop.ui.style.theme import mix


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
