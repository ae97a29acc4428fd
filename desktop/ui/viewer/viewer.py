"""The media viewer: a conversation's photos, videos and audio one at a time, downloaded on demand."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.db.records import MediaItem
from desktop.ui.accessibility.words import alt_text
from desktop.ui.bridge import EngineBridge
from desktop.ui.media import safe_image
from desktop.ui.media.file_actions import no_app_box, save_target
from desktop.ui.media.opening import Opener
from desktop.ui.media.thumbnails import decode_blurhash
from desktop.ui.style.theme import clock_time, day_label, human_size, local_datetime, scaled_font
from desktop.ui.viewer.player import ImageCanvas, MediaPlayer
from sync.filenames import clean_filename

VIEWER_KINDS = ("image", "video", "audio")
MEDIA_PAGE = 500
NOUN = {"image": "photo", "video": "video", "audio": "audio clip", "file": "file"}
CARD_WIDTH = 520


def offline_sentence(kind: str) -> str:
    return f"This {NOUN.get(kind, 'file')} isn't available offline; it will download when you're back online."


def read_image(path: Path) -> QImage:
    """Decode a received picture upright, by the rules of ``safe_image``; blocking, so never on the GUI thread.

    Raises MediaError (UnsafeImage) with a sentence for the user.
    """
    return safe_image.decode(path)


def blurhash_image(item: MediaItem) -> QImage | None:
    a = item.attachment
    if not a.blurhash:
        return None
    try:
        return decode_blurhash(a.blurhash, a.width / a.height if a.width and a.height else 1.0)
    except (ValueError, IndexError, TypeError):  # a sender's malformed blurhash
        return None


def _when(epoch_ms: int) -> str:
    """"Today at 14:05", "Monday at 09:30", "3 March 2024 at 18:00"."""
    return f"{day_label(local_datetime(epoch_ms).date())} at {clock_time(epoch_ms)}"


class _WaitingPage(QWidget):
    """Shown while the media downloads: its thumbnail (or blurhash) with a card saying what happens."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview = ImageCanvas(self, upscale=True)
        self.card = QFrame(self.preview)
        self.card.setObjectName("card")
        self.card.setStyleSheet("QFrame#card { background: palette(window); border-radius: 10px; }")
        self.card.setFixedWidth(CARD_WIDTH)
        self.message = QLabel(self.card)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.progress = QProgressBar(self.card)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(6)
        card_layout = QVBoxLayout(self.card)
        card_layout.setContentsMargins(22, 14, 22, 14)
        card_layout.setSpacing(10)
        card_layout.addWidget(self.message)
        card_layout.addWidget(self.progress)
        overlay = QVBoxLayout(self.preview)  # the card floats over the bottom of the preview
        overlay.setContentsMargins(24, 24, 24, 28)
        overlay.addStretch(1)
        overlay.addWidget(self.card, 0, Qt.AlignmentFlag.AlignHCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.preview)

    def say(self, text: str) -> None:
        """Put a sentence on the card, as many lines as it takes."""
        self.message.setText(text)
        margins = self.card.layout().contentsMargins()
        self.message.setMinimumHeight(self.message.heightForWidth(CARD_WIDTH - margins.left() - margins.right()))


class MediaViewer(QDialog):
    """Shows one attachment of a conversation; Left/Right (or the arrows) page through the others.

    The list is the conversation's images, videos and audio from the local db, newest first (an
    album's last item before its first); Left goes to older media, Right to newer. An item is an
    attachment of a message: the same bytes sent twice are two items, and ``message_id`` says which
    one to open (without it, the newest). Media not in the cache is downloaded with progress shown;
    offline, its thumbnail is shown with a sentence saying so. The media on screen is held in the
    cache, so eviction never takes it.
    """

    def __init__(self, bridge: EngineBridge, conversation_id: str, sha256: str,
                 parent: QWidget | None = None, *, message_id: int | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.conversation_id = conversation_id
        self.items: list[MediaItem] = []
        self.index = -1
        self._decode_token = 0
        self._held: str | None = None
        self.no_app_box: QMessageBox | None = None
        self.opener = Opener(bridge, self, no_app=self._no_app, report=self._report)
        self.setWindowTitle("Media — Envelope")  # ends with the app name, which platforms then leave alone
        self.resize(1000, 720)
        self.setSizeGripEnabled(True)

        self.canvas = ImageCanvas(self)
        self.player = MediaPlayer(self)
        self.player.play_button.setAccessibleName("Play or pause")
        self.waiting = _WaitingPage(self)
        self.stage = QStackedWidget(self)
        for page in (self.canvas, self.player, self.waiting):
            self.stage.addWidget(page)
        self.status = QLabel(self)
        self.status.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.status.setContentsMargins(16, 4, 16, 8)
        self.status.setWordWrap(True)
        self.status.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._build_header())
        layout.addWidget(self.stage, 1)
        layout.addWidget(self.status)

        self.canvas.zoom_changed.connect(self._update_zoom_label)
        self.player.error_occurred.connect(self.show_status)
        self.player.notice.connect(self.show_status)
        bridge.blob_ready.connect(self._blob_ready)
        bridge.transfer_progress.connect(self._transfer_progress)
        bridge.transfer_finished.connect(self._transfer_finished)
        bridge.connection_changed.connect(self._connection_changed)
        self._load_items(sha256, message_id)
        self.show_index(self.index)

    # -- building ----------------------------------------------------------------------------------
    def _build_header(self) -> QWidget:
        header = QFrame(self)
        header.setAutoFillBackground(True)
        header.setBackgroundRole(QPalette.ColorRole.Window)
        self.prev_button = self._tool(header, "‹", "Older (Left)", self.show_older)
        self.next_button = self._tool(header, "›", "Newer (Right)", self.show_newer)
        for button in (self.prev_button, self.next_button):
            button.setFont(scaled_font(self.font(), 1.6))
        self.counter = QLabel(header)
        self.counter.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.title = QLabel(header)
        self.title.setFont(scaled_font(self.font(), 1.05, bold=True))
        self.subtitle = QLabel(header)
        self.subtitle.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self.title)
        titles.addWidget(self.subtitle)

        self.zoom_out_button = self._tool(header, "−", "Zoom out (−)", lambda: self.canvas.zoom_by(1 / 1.25))
        self.zoom_button = self._tool(header, "Fit", "Fit to window / actual size (0, double-click)",
                                      self.canvas.toggle_actual_size)
        self.zoom_button.setMinimumWidth(self.fontMetrics().horizontalAdvance("1600%") + 16)
        self.zoom_in_button = self._tool(header, "+", "Zoom in (+)", lambda: self.canvas.zoom_by(1.25))
        self.save_button = QPushButton("Save as…", header)
        self.save_button.clicked.connect(self.save_as)
        self.open_button = QPushButton("Open with system app", header)
        self.open_button.clicked.connect(self.open_externally)
        for button in (self.save_button, self.open_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        row = QHBoxLayout(header)
        row.setContentsMargins(12, 8, 12, 8)
        row.setSpacing(6)
        row.addWidget(self.prev_button)
        row.addWidget(self.next_button)
        row.addWidget(self.counter)
        row.addSpacing(12)
        row.addLayout(titles, 1)
        row.addWidget(self.zoom_out_button)
        row.addWidget(self.zoom_button)
        row.addWidget(self.zoom_in_button)
        row.addSpacing(12)
        row.addWidget(self.save_button)
        row.addWidget(self.open_button)
        return header

    @staticmethod
    def _tool(parent: QWidget, text: str, tip: str, slot: Callable[[], object]) -> QToolButton:
        button = QToolButton(parent)
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip.split(" (")[0])  # "Zoom in", not "+"
        button.setAutoRaise(True)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(slot)
        return button

    def _load_items(self, sha256: str, message_id: int | None) -> None:
        """The conversation's media (newest first), paged until the item asked for is found.

        An album's items count as newer the later they stand in it, so Right (newer) steps through
        an album in its order.
        """
        messages = self.bridge.engine.db.messages

        def wanted(item: MediaItem) -> bool:
            return item.attachment.blob == sha256 and message_id in (None, item.message_id)

        after = None
        while True:
            page = messages.media(self.conversation_id, VIEWER_KINDS, after=after, limit=MEDIA_PAGE)
            self.items += page
            self.items.sort(key=lambda item: (item.sort_key, item.position), reverse=True)
            found = next((i for i, item in enumerate(self.items) if wanted(item)), -1)
            if found >= 0 or len(page) < MEDIA_PAGE:
                break
            after = page[-1]
        if found < 0:  # a plain file, or something the caller knows better: show it on its own
            for item in messages.media(self.conversation_id, ("file",), limit=10_000):
                if wanted(item):
                    self.items.insert(0, item)
                    found = 0
                    break
        self.index = found

    # -- navigating --------------------------------------------------------------------------------
    @property
    def current(self) -> MediaItem | None:
        return self.items[self.index] if 0 <= self.index < len(self.items) else None

    def show_older(self) -> None:
        if self.index + 1 < len(self.items):
            self.show_index(self.index + 1)

    def show_newer(self) -> None:
        if self.index > 0:
            self.show_index(self.index - 1)

    def show_index(self, index: int) -> None:
        self.player.unload()
        self.canvas.clear()
        self.show_status("")
        self._decode_token += 1
        if not 0 <= index < len(self.items):
            self.index = -1
            self._hold(None)
            self._update_header()
            self.waiting.preview.clear()
            self.waiting.say("This media is no longer in this conversation.")
            self.waiting.progress.hide()
            self.stage.setCurrentWidget(self.waiting)
            return
        self.index = index
        item = self.items[index]
        self._hold(item.attachment.blob)
        self._update_header()
        path = self.bridge.engine.media_path(item.attachment.blob)
        if path is None:
            self._wait_for(item)
        else:
            self._present(item, path)

    def _hold(self, sha256: str | None) -> None:
        """Keep the media on screen from eviction; let go of what was shown before."""
        cache = self.bridge.engine.cache
        if self._held == sha256:
            return
        if self._held is not None:
            cache.release(self._held)
        self._held = sha256
        if sha256 is not None:
            cache.hold(sha256)

    def _update_header(self) -> None:
        item = self.current
        total = len(self.items)
        self.prev_button.setEnabled(item is not None and self.index + 1 < total)
        self.next_button.setEnabled(item is not None and self.index > 0)
        self.counter.setText(f"{total - self.index} of {total}" if item else "")
        self.title.setText(clean_filename(item.attachment.name) if item else "")  # rows filed before names were cleaned
        self.subtitle.setText(
            f"{item.sender} · {_when(item.created_at)} · {human_size(item.attachment.size)}" if item else "")
        message = self.bridge.engine.db.messages.get(item.message_id) if item else None
        self.canvas.setAccessibleName(alt_text(item.attachment, message.body if message else "") if item else "")
        self.canvas.setAccessibleDescription(self.subtitle.text())
        is_image = item is not None and item.attachment.kind == "image"
        for button in (self.zoom_in_button, self.zoom_out_button, self.zoom_button):
            button.setVisible(is_image)
        self._update_actions()

    def _update_actions(self) -> None:
        item = self.current
        cached = item is not None and self.bridge.engine.media_path(item.attachment.blob) is not None
        self.save_button.setEnabled(cached)
        self.open_button.setEnabled(cached)

    # -- showing -----------------------------------------------------------------------------------
    def _present(self, item: MediaItem, path: Path) -> None:
        kind = item.attachment.kind
        self._update_actions()
        if kind == "image":
            self.stage.setCurrentWidget(self.canvas)
            self.canvas.set_image(QImage())
            self._preview(item, self.canvas.set_image)  # the blurhash, then the thumbnail, meanwhile
            token = self._decode_token
            self.bridge.read(lambda: read_image(path),
                            on_done=lambda image: self._decoded(token, image),
                            on_error=lambda sentence: self._decoded(token, None, sentence))
        elif kind in ("video", "audio"):
            self.stage.setCurrentWidget(self.player)
            self.player.load(path, video=kind == "video", title=item.attachment.name, poster=blurhash_image(item))
            if kind == "video":
                self._preview(item, self.player.show_poster)
        else:
            self.waiting.preview.clear()
            self.waiting.progress.hide()
            self.waiting.say("Envelope doesn't show this kind of file; open it with the "
                                         "system app or save it.")
            self.stage.setCurrentWidget(self.waiting)

    def _decoded(self, token: int, image: QImage | None, error: str = "") -> None:
        if not shiboken6.isValid(self) or token != self._decode_token:
            return
        self._decode_token += 1  # a thumbnail decoded later must not replace the photo
        if image is None:
            self.show_status(error)
        else:
            self.canvas.set_image(image)

    def _preview(self, item: MediaItem, show: Callable[[QImage], None]) -> bool:
        """Show the blurhash at once, then the thumbnail when it is decoded off the GUI thread (a
        damaged or disallowed one leaves the blurhash). False when the thumbnail isn't downloaded."""
        blurred = blurhash_image(item)
        if blurred is not None:
            show(blurred)
        a = item.attachment
        thumb = self.bridge.engine.media_path(a.thumbnail) if a.thumbnail else None
        if thumb is None:
            return False
        token = self._decode_token

        def decoded(image: QImage) -> None:
            if shiboken6.isValid(self) and token == self._decode_token:
                show(image)

        self.bridge.read(lambda: read_image(thumb), on_done=decoded, on_error=lambda _sentence: None)
        return True

    def _wait_for(self, item: MediaItem) -> None:
        a = item.attachment
        if a.kind == "video" and self.player.stream(self.bridge, a.blob, title=a.name, poster=blurhash_image(item),
                                                    offline=offline_sentence(a.kind), on_complete=self._update_actions):
            self.stage.setCurrentWidget(self.player)  # it plays while it downloads
            if not self._preview(item, self.player.show_poster) and a.thumbnail:
                self.bridge.engine.download(a.thumbnail)
            return
        self.waiting.preview.clear()
        has_thumbnail = self._preview(item, self.waiting.preview.set_image)
        self.waiting.progress.setRange(0, 100)
        self.waiting.progress.setValue(0)
        self._say_waiting(item)
        self.stage.setCurrentWidget(self.waiting)
        if a.thumbnail and not has_thumbnail:
            self.bridge.engine.download(a.thumbnail)
        self.bridge.engine.download(a.blob)

    def _say_waiting(self, item: MediaItem, error: str = "") -> None:
        state = self.bridge.engine.state
        online = state in ("online", "syncing")
        if state == "signed_out":
            text = f"This {NOUN.get(item.attachment.kind, 'file')} isn't downloaded yet; sign in to download it."
        elif not online:
            text = offline_sentence(item.attachment.kind)
        elif error:
            text = f"The download didn't finish ({error}); Envelope will try again."
        else:
            text = f"Downloading {human_size(item.attachment.size)}…"
        self.waiting.say(text)
        self.waiting.progress.setVisible(online)

    def show_status(self, sentence: str) -> None:
        self.status.setText(sentence)
        self.status.setVisible(bool(sentence))

    # -- engine events -----------------------------------------------------------------------------
    def _waiting_on(self, sha256: str) -> MediaItem | None:
        item = self.current
        if item is None or self.stage.currentWidget() is not self.waiting:
            return None
        return item if sha256 in (item.attachment.blob, item.attachment.thumbnail) else None

    def _blob_ready(self, sha256: str) -> None:
        item = self._waiting_on(sha256)
        if item is None:
            return
        if sha256 == item.attachment.blob:
            self.show_index(self.index)
        else:
            self._preview(item, self.waiting.preview.set_image)

    def _transfer_progress(self, sha256: str, direction: str, done: int, total: int) -> None:
        item = self._waiting_on(sha256)
        if direction != "down" or item is None or sha256 != item.attachment.blob:
            return
        total = total or item.attachment.size
        self.waiting.progress.setVisible(True)
        self.waiting.progress.setValue(int(100 * done / total) if total else 0)
        self.waiting.say(f"Downloading… {human_size(done)} of {human_size(total)}")

    def _transfer_finished(self, sha256: str, direction: str, error: str, cancelled: bool) -> None:
        item = self._waiting_on(sha256)
        if direction == "down" and item is not None and sha256 == item.attachment.blob and error \
                and not cancelled:
            self._say_waiting(item, error)

    def _connection_changed(self, state: str, detail: str) -> None:
        item = self._waiting_on(self.current.attachment.blob) if self.current else None
        if item is not None:
            self._say_waiting(item)
            if state == "online":
                self.bridge.engine.download(item.attachment.blob)

    # -- keeping a copy ----------------------------------------------------------------------------
    def save_as(self) -> None:
        item = self.current
        if item is None:
            return
        target = save_target(self, item.attachment.name)
        if target is not None:
            self.save_to(target)

    def save_to(self, target: Path) -> None:
        """Copy the media to ``target`` off the GUI thread; the status line reports the result."""
        item = self.current
        if item is None:
            return
        engine = self.bridge.engine
        self.bridge.read(lambda: engine.save_media(item.attachment.blob, target),
                         on_done=lambda _: self._report(f"Saved to {target}."), on_error=self._report)

    def open_externally(self) -> None:
        """Open the media in the system's app for it: a private named copy, so the app knows the type
        and cannot change the cached bytes (the cache is content-addressed)."""
        item = self.current
        if item is None:
            return
        self.opener.open(item.attachment.blob, item.attachment.name, item.sender)

    def _no_app(self, _sha256: str, name: str) -> None:
        if shiboken6.isValid(self):
            self.no_app_box = no_app_box(self, name, self.save_as)

    def _report(self, sentence: str) -> None:
        if shiboken6.isValid(self):
            self.show_status(sentence)

    # -- keys and closing --------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        image = self.stage.currentWidget() is self.canvas
        playing = self.stage.currentWidget() is self.player
        if key == Qt.Key.Key_Left and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.show_older()
        elif key == Qt.Key.Key_Right and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.show_newer()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and playing:
            self.player.seek_by(5000 if key == Qt.Key.Key_Right else -5000)
        elif key == Qt.Key.Key_Space and playing:
            self.player.toggle()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal) and image:
            self.canvas.zoom_by(1.25)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore) and image:
            self.canvas.zoom_by(1 / 1.25)
        elif key == Qt.Key.Key_0 and image:
            self.canvas.toggle_actual_size()
        elif key == Qt.Key.Key_Home and self.items:
            self.show_index(len(self.items) - 1)
        elif key == Qt.Key.Key_End and self.items:
            self.show_index(0)
        else:
            super().keyPressEvent(event)

    def _update_zoom_label(self) -> None:
        self.zoom_button.setText("Fit" if self.canvas.is_fit() else f"{round(self.canvas.scale() * 100)}%")

    def done(self, result: int) -> None:
        self.player.unload()
        self._hold(None)
        if not self.bridge.closed:  # what was held may be over the limit: apply it now
            self.bridge.run(self.bridge.engine.cache.evict)
        super().done(result)
