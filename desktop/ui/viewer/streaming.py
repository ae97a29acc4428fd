"""A video the player shows while it downloads: the stream's URL, and what the engine says about it."""

from __future__ import annotations

from PySide6.QtCore import QObject, QUrl, Signal

from desktop.core.streaming import Streams
from desktop.ui.bridge import EngineBridge

CANCELLED = "The download was cancelled, so the rest of this video can't play; open it again to go on."


class StreamFeed(QObject):
    """Holds a blob's stream open for the player and follows the engine's signals about it.

    Signals:
        notice(sentence): offline (the sentence given), back online (""), a damaged part fetched again.
        failed(sentence): the stream ended before every byte arrived (cancelled, refused, damaged).
        complete(): every byte arrived and was verified: the blob is in the cache now.
    """

    notice = Signal(str)
    failed = Signal(str)
    complete = Signal()

    def __init__(self, bridge: EngineBridge, sha256: str, *, offline: str, parent: QObject | None = None) -> None:
        """Start streaming; raises NotSignedIn, OSError (the stream's file can't be made)."""
        super().__init__(parent)
        self.sha256 = sha256
        self.offline = offline
        self.failure = ""
        self.finished = False
        self._said_offline = False
        self._closed = False
        self.handle = Streams.of(bridge.engine).open(sha256)
        bridge.transfer_finished.connect(self._finished)
        bridge.blob_ready.connect(self._ready)
        bridge.connection_changed.connect(self._connection)

    @property
    def url(self) -> QUrl:
        return QUrl(self.handle.url)

    @property
    def offline_now(self) -> bool:
        """Whether the offline sentence stands (the network went and the stream isn't done)."""
        return self._said_offline

    def starved(self) -> bool:
        """Whether the player waits for bytes still on their way."""
        return self.handle.stream.waiting()

    def downloaded(self) -> tuple[int, int]:
        """Bytes here so far, and the blob's size (0 until the server said it)."""
        stream = self.handle.stream
        return stream.present(), stream.size or 0

    def close(self) -> None:
        """Let go of the stream (after the player let go of its URL); say nothing more."""
        if not self._closed:
            self._closed = True
            self.handle.close()
            self.deleteLater()

    def _mine(self, sha256: str) -> bool:
        return not self._closed and sha256 == self.sha256

    def _finished(self, sha256: str, direction: str, error: str, cancelled: bool) -> None:
        if not self._mine(sha256) or direction != "down" or not error:
            return
        stream = self.handle.stream
        if stream.state == "failed" and not self.failure:
            self.failure = CANCELLED if cancelled else stream.reason
            self.failed.emit(self.failure)
        elif stream.state == "open" and "damaged" in error:
            self.notice.emit(error)  # a damaged copy is thrown away and fetched again

    def _ready(self, sha256: str) -> None:
        if self._mine(sha256) and not self.finished:
            self.finished = True
            self._unsay_offline()  # every byte is here: the network no longer matters
            self.complete.emit()

    def _connection(self, state: str, detail: str) -> None:
        if self._closed:
            return
        if state in ("offline", "untrusted") and not (self.finished or self.failure):
            self._said_offline = True
            self.notice.emit(self.offline if state == "offline" else detail)
        elif state == "online":
            self._unsay_offline()

    def _unsay_offline(self) -> None:
        if self._said_offline:
            self._said_offline = False
            self.notice.emit("")
