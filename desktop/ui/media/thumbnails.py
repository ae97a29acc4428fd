"""Thumbnails decoded off the GUI thread (``safe_image``, scaled), kept in an LRU; blurhash placeholders."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import blurhash
from PySide6.QtCore import QObject, QRect, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QColor, QImage, QPixmap

from desktop.ui.media import safe_image

log = logging.getLogger(__name__)

MediaPath = Callable[[str], "Path | None"]
Key = tuple[str, int, int]
BLURHASH_WIDTH = 24
DEFAULT_BUDGET = 128 * 1024 * 1024
_B83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"


def blurhash_average(hash_: str) -> QColor | None:
    """The mean colour a blurhash encodes (its DC term): free to compute, shown before anything else."""
    if not hash_ or len(hash_) < 6:
        return None
    value = 0
    for ch in hash_[2:6]:
        digit = _B83.find(ch)
        if digit < 0:
            return None
        value = value * 83 + digit
    return QColor((value >> 16) & 255, (value >> 8) & 255, value & 255)


def decode_blurhash(hash_: str, aspect: float) -> QImage:
    """A small image of the blurhash (``aspect`` = width / height); scale it up smoothly to paint it."""
    width = BLURHASH_WIDTH
    height = max(4, min(64, round(width / max(0.2, aspect))))
    rows = blurhash.decode(hash_, width, height)
    data = bytes(int(c) & 255 for row in rows for px in row for c in px[:3])
    return QImage(data, width, height, width * 3, QImage.Format.Format_RGB888).copy()


def decode_scaled(path: Path, target: QSize) -> QImage:
    """A received picture scaled to cover ``target`` (device pixels), upright, centre-cropped.

    Decoded by ``safe_image`` (allow-listed formats, size limits); raises its UnsafeImage.
    """
    image = safe_image.decode(path, cover=target)
    if image.size() != target:
        image = image.scaled(target, Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                             Qt.TransformationMode.SmoothTransformation)
        x = max(0, (image.width() - target.width()) // 2)
        y = max(0, (image.height() - target.height()) // 2)
        image = image.copy(QRect(x, y, target.width(), target.height()))
    return image


class _Decode(QRunnable):
    def __init__(self, cache: ThumbnailCache, key: Key, blurhash_: str | None) -> None:
        super().__init__()
        self._cache, self._key, self._blurhash = cache, key, blurhash_

    def run(self) -> None:
        sha, width, height = self._key
        image: QImage | None = None
        try:
            if self._blurhash is not None:
                image = decode_blurhash(self._blurhash, width / max(1, height))
            else:
                path = self._cache.media_path(sha)
                if path is not None:
                    image = decode_scaled(path, QSize(width, height))
        except Exception as exc:  # a damaged file shows its placeholder; not worth a dialog
            log.info("thumbnail %s not decoded: %s", sha[:12], exc)
            image = None
        self._cache._decoded.emit(self._key, image)


class ThumbnailCache(QObject):
    """Pixmaps of thumbnails by (sha256, device size); misses decode on a small thread pool.

    ``pixmap()`` never blocks: it returns what is cached or None, and schedules the decode; the
    newest requests run first, so a fast scroll shows what is on screen now. Blurhash
    placeholders are decoded the same way and kept by hash.

    Signals:
        ready(sha256): a pixmap for that blob (or placeholder hash) is now cached: repaint.
    """

    ready = Signal(str)
    _decoded = Signal(object, object)

    def __init__(self, media_path: MediaPath, *, budget_bytes: int = DEFAULT_BUDGET,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.media_path = media_path
        self._budget = budget_bytes
        self._used = 0
        self._pixmaps: OrderedDict[Key, QPixmap] = OrderedDict()
        self._inflight: set[Key] = set()
        self._missing: set[str] = set()
        self._priority = 0
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self._decoded.connect(self._on_decoded)

    # -- asking ------------------------------------------------------------------------------------
    def pixmap(self, sha256: str, size: QSize, dpr: float = 1.0) -> QPixmap | None:
        """The thumbnail at ``size`` logical pixels, or None while it is decoded / not downloaded."""
        key = (sha256, max(1, round(size.width() * dpr)), max(1, round(size.height() * dpr)))
        found = self._lookup(key, dpr)
        if found is None and sha256 not in self._missing:
            self._request(key, None)
        return found

    def placeholder(self, blurhash_: str, aspect: float) -> QPixmap | None:
        """The decoded blurhash (small: draw it scaled, smoothly), or None while it is decoded."""
        height = max(4, min(64, round(BLURHASH_WIDTH / max(0.2, aspect))))
        key = ("#" + blurhash_, BLURHASH_WIDTH, height)
        found = self._lookup(key, 1.0)
        if found is None:
            self._request(key, blurhash_)
        return found

    def has(self, sha256: str, size: QSize, dpr: float = 1.0) -> bool:
        return (sha256, max(1, round(size.width() * dpr)), max(1, round(size.height() * dpr))) in self._pixmaps

    def busy(self) -> bool:
        return bool(self._inflight)

    def blob_ready(self, sha256: str) -> None:
        """The blob's bytes arrived: decode it when next painted."""
        if sha256 in self._missing:
            self._missing.discard(sha256)
            self.ready.emit(sha256)

    def clear(self) -> None:
        self._pixmaps.clear()
        self._used = 0
        self._missing.clear()

    # -- internals ---------------------------------------------------------------------------------
    def _lookup(self, key: Key, dpr: float) -> QPixmap | None:
        found = self._pixmaps.get(key)
        if found is not None:
            self._pixmaps.move_to_end(key)
            if key[0][0] != "#":
                found.setDevicePixelRatio(dpr)
        return found

    def _request(self, key: Key, blurhash_: str | None) -> None:
        if key in self._inflight:
            return
        self._inflight.add(key)
        self._priority += 1
        self.pool.start(_Decode(self, key, blurhash_), self._priority)

    def _on_decoded(self, key: Key, image: QImage | None) -> None:
        self._inflight.discard(key)
        sha = key[0]
        if image is None or image.isNull():
            if sha[0] != "#":
                self._missing.add(sha)
            return
        pixmap = QPixmap.fromImage(image)
        self._pixmaps[key] = pixmap
        self._used += pixmap.width() * pixmap.height() * 4
        while self._used > self._budget and len(self._pixmaps) > 1:
            _, old = self._pixmaps.popitem(last=False)
            self._used -= old.width() * old.height() * 4
        self.ready.emit(sha.lstrip("#"))

    def wait_idle(self, msecs: int = 10_000) -> bool:
        return self.pool.waitForDone(msecs)
