"""The right-hand side of the window: a conversation's header, timeline, composer and drop target."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core import albums
from desktop.core.db.records import Message
from desktop.core.names import conversation_title
from desktop.ui.bridge import EngineBridge
from desktop.ui.composer.composer import Composer, local_files, local_folders, quoted_names
from desktop.ui.composer.drop_overlay import DropOverlay
from desktop.ui.conversations.request_bar import RequestBar
from desktop.ui.conversations.view import arrowing_through_chats
from desktop.ui.dialogs.conversation_details import ConversationDetails
from desktop.ui.dialogs.forward import pick_and_forward
from desktop.ui.export import flows as export_flows
from desktop.ui.media.file_actions import FileActions
from desktop.ui.media.thumbnails import ThumbnailCache
from desktop.ui.style.theme import scaled_font
from desktop.ui.timeline.model import TimelineModel
from desktop.ui.timeline.view import TimelineView
from desktop.ui.viewer.audio import next_speed
from desktop.ui.viewer.viewer import MediaViewer

SIGHT_SETTLE_MS = 150


class ConversationView(QWidget):
    """One conversation at a time; files dropped anywhere on it go to the composer's tray.

    Signals:
        gallery_requested(): the Gallery button was pressed.
        search_requested(): the Search button was pressed.
        status(sentence): something to show in the status line.
        sent(): a message was handed to the engine.
        in_sight_changed(): the timeline shows other messages now (scrolled, or rows came), once it settles.
    """

    gallery_requested = Signal()
    search_requested = Signal()
    status = Signal(str)
    sent = Signal()
    in_sight_changed = Signal()

    def __init__(self, bridge: EngineBridge, thumbnails: ThumbnailCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.thumbnails = thumbnails
        self.conversation_id: str | None = None
        self.model: TimelineModel | None = None
        self._play_when_ready = ""  # a voice note to play once its download lands
        self.files = FileActions(bridge, self)
        self.files.status.connect(self.status)
        self.setAcceptDrops(True)

        self.title = QLabel()
        self.title.setObjectName("conversationTitle")
        self.title.setFont(scaled_font(self.font(), 1.25, bold=True))
        self.subtitle = QLabel()
        self.subtitle.setEnabled(False)
        self.gallery_button = QPushButton("Gallery")
        self.gallery_button.setToolTip("Photos, videos and files of this conversation (Ctrl+G)")
        self.gallery_button.clicked.connect(self.gallery_requested)
        self.search_button = QPushButton("Search")
        self.search_button.setToolTip("Search messages and file names (Ctrl+F)")
        self.search_button.clicked.connect(self.search_requested)
        self.details_button = QPushButton("Details")
        self.details_button.setToolTip("Title, people, and leaving this conversation")
        self.details_button.clicked.connect(self.open_details)
        header = QFrame()
        header.setObjectName("conversationHeader")
        header_layout = QHBoxLayout(header)
        header_layout.setContentsMargins(16, 8, 12, 8)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self.title)
        titles.addWidget(self.subtitle)
        header_layout.addLayout(titles, 1)
        header_layout.addWidget(self.search_button)
        header_layout.addWidget(self.gallery_button)
        header_layout.addWidget(self.details_button)
        self.header_menu = QMenu(self)  # "More": what is done to the whole conversation
        self.export_action = self.header_menu.addAction("Export conversation…", self.export_conversation)
        self.export_dialog: export_flows.CopyDialog | None = None
        self.more_button = QPushButton("More")
        self.more_button.setMenu(self.header_menu)
        header_layout.addWidget(self.more_button)

        self.timeline = TimelineView(thumbnails)
        self.timeline.playback.set_speed(float(bridge.engine.db.settings.get("voice_speed")))
        self.timeline.action_requested.connect(self._on_action)
        self.timeline.playback.unavailable.connect(lambda _sha, sentence: self.status.emit(sentence))
        self._sight = QTimer(self)  # restarted by every scroll step: one signal when scrolling stops
        self._sight.setSingleShot(True)
        self._sight.setInterval(SIGHT_SETTLE_MS)
        self._sight.timeout.connect(self.in_sight_changed)
        self.timeline.verticalScrollBar().valueChanged.connect(lambda _value: self._sight.start())
        self.timeline.verticalScrollBar().rangeChanged.connect(lambda _lo, _hi: self._sight.start())
        self.timeline.link_clicked.connect(QDesktopServices.openUrl)
        self.composer = Composer()
        self.composer.send_requested.connect(self.send)
        self.composer.error.connect(self.status)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        line2 = QFrame()
        line2.setFrameShape(QFrame.Shape.HLine)
        line2.setFrameShadow(QFrame.Shadow.Sunken)
        page = QWidget()
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        page_layout.setSpacing(0)
        page_layout.addWidget(header)
        page_layout.addWidget(line)
        page_layout.addWidget(self.timeline, 1)
        page_layout.addWidget(line2)
        page_layout.addWidget(self.composer)
        self.request_bar = RequestBar(bridge)  # in place of the composer while this is a request
        self.request_bar.failed.connect(self.status)
        self.request_bar.hide()
        page_layout.addWidget(self.request_bar)

        self.empty = QLabel("Pick a conversation on the left,\nor start one with New conversation (Ctrl+N).")
        self.empty.setEnabled(False)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.overlay = DropOverlay(self)
        bridge.conversations_changed.connect(self._refresh_header)
        bridge.blob_ready.connect(self._on_blob_ready)

    # -- switching ---------------------------------------------------------------------------------
    def set_conversation(self, conversation_id: str | None) -> None:
        if conversation_id == self.conversation_id:
            return
        self.conversation_id = conversation_id
        self.composer.voice.cancel()  # a voice note being recorded belongs to the conversation it began in
        old = self.model
        if conversation_id is None:
            self.model = None
            self.timeline.setModel(None)
            self.stack.setCurrentWidget(self.empty)
        else:
            self.model = TimelineModel(self.bridge, conversation_id, parent=self)
            self.timeline.setModel(self.model)
            self.stack.setCurrentIndex(1)
            if not arrowing_through_chats():  # (the arrows keep moving through the chats)
                self.composer.editor.setFocus()
        if old is not None:
            old.deleteLater()
        self._refresh_header()

    def newest_seq_in_sight(self) -> int | None:
        """The server seq of the newest sent message the timeline shows now; None when it shows none."""
        model = self.model
        if model is None or not self.timeline.isVisible():
            return None
        seqs = [s for r in self.timeline.visible_rows() if (s := model.message_at(r).seq) is not None]
        return max(seqs, default=None)

    def _refresh_header(self) -> None:
        if self.conversation_id is None:
            return
        engine = self.bridge.engine
        conversation = engine.db.conversations.get(self.conversation_id)
        if conversation is None:
            return
        me = engine.account.username if engine.account else ""
        self.title.setText(conversation_title(conversation.title, conversation.members, me))
        members = ", ".join(m if m != me else "you" for m in conversation.members)
        pinned = " · kept offline" if conversation.pinned_offline else ""
        self.subtitle.setText(f"{members}{pinned}")
        self.overlay.title = self.title.text()
        if conversation.is_request:
            self.request_bar.show_for(conversation.id, conversation.invited_by)
        self.request_bar.setVisible(conversation.is_request)
        self.composer.setVisible(not conversation.is_request)
        self.gallery_button.setEnabled(not conversation.is_request)
        self.export_action.setEnabled(not conversation.is_request)  # a stranger's files stay on the server

    def export_conversation(self) -> None:
        """Export conversation…: ask for a folder, then a window shows the export's progress."""
        if self.conversation_id is not None:
            self.export_dialog = export_flows.export(self, self.bridge, self.conversation_id)

    def open_details(self) -> ConversationDetails | None:
        """The open conversation's title, people and Leave; leaving it closes it here."""
        if self.conversation_id is None:
            return None
        dialog = ConversationDetails(self.bridge, self.conversation_id, self)
        dialog.left.connect(self._left)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _left(self, conversation_id: str, sentence: str) -> None:
        self.status.emit(sentence)
        if conversation_id == self.conversation_id:
            self.set_conversation(None)

    def is_request(self) -> bool:
        """Whether the open conversation is a request (its bar shows instead of the composer)."""
        return self.request_bar.isVisibleTo(self)

    # -- sending -----------------------------------------------------------------------------------
    def send(self, body: str, files: list[Path], as_file: bool) -> None:
        """Hand the text and files to the engine off the GUI thread: photos and videos go together as
        albums of up to ten, any other file as a message of its own (``desktop.core.albums``).

        A file that can't be read (moved or deleted since it was attached) is left out and named;
        the others still go, the text with the first message.
        """
        cid = self.conversation_id
        if cid is None:
            return
        engine = self.bridge.engine

        def work() -> albums.Sending:
            return albums.send_files(lambda text, paths: engine.send(cid, text, paths, as_file=as_file), body, files)

        def done(result: albums.Sending) -> None:
            if result.unreadable:
                self.status.emit(unreadable_sentence(result.unreadable, sent_any=bool(result.messages)))
            self.sent.emit()

        self.timeline.scroll_to_newest()
        self.bridge.run(work, done, self.status.emit)

    # -- bubble actions ------------------------------------------------------------------------------
    def _on_action(self, action: str, message_id: int, sha256: str) -> None:
        model = self.model
        if model is None:
            return
        row = model.row_of(message_id)
        if row is None:
            return
        message = model.message_at(row)
        attachment = next((a for a in message.attachments if a.blob == sha256), None)
        engine = self.bridge.engine
        match action:
            case "media":
                self.open_viewer(sha256, message_id)
            case "play":
                self._play(sha256)
            case "speed":
                self._next_speed()
            case "download":
                self.files.download(sha256)
            case "open" if attachment is not None:
                self.files.open(sha256, attachment.name, message.sender)
            case "save" if attachment is not None:
                self.files.save(sha256, attachment.name)
            case "cancel":
                engine.cancel_transfer(sha256)
            case "retry_down":
                model.forget_transfer(sha256)
                self.files.download(sha256)
            case "retry_send":
                self.bridge.run(lambda: engine.retry(message.client_id), None, self.status.emit)
            case "discard":  # a failed message of ours: nothing anyone else has is lost, so no question
                self.bridge.run(lambda: engine.discard(message.id), None, self.status.emit)
            case "delete":
                self.confirm_delete(message)
            case "forward":  # the picker says "Forwarded to …" in the status line; we stay here
                pick_and_forward(self.bridge, message, self).forwarded.connect(self.status)

    def confirm_delete(self, message: Message) -> QMessageBox:
        """Ask before deleting a message for this profile: there is no getting it back here."""
        engine = self.bridge.engine
        me = engine.account.username if engine.account else ""
        conversation = engine.db.conversations.get(message.conversation_id)
        others = [m for m in (conversation.members if conversation else ()) if m != me]
        keepers = ", ".join(others) if others else "the other members"
        box = QMessageBox(QMessageBox.Icon.Question, "Delete message",
                          "Delete this message for you?", QMessageBox.StandardButton.Cancel, self)
        box.setInformativeText(f"It goes from this computer only and can't be brought back here. "
                               f"{keepers} keep{'s' if len(others) == 1 else ''} their copy.")
        delete = box.addButton("Delete for me", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def answered() -> None:
            if box.clickedButton() is delete:
                self.bridge.run(lambda: engine.delete_for_me(message.id), None, self.status.emit)

        box.finished.connect(answered)
        box.finished.connect(box.deleteLater)  # (WA_DeleteOnClose here crashed in ~QObject on PySide 6.11)
        box.open()
        return box

    def open_viewer(self, sha256: str, message_id: int | None = None) -> None:
        """Open the viewer on this message's media (the same bytes may be in several messages)."""
        if self.conversation_id is None:
            return
        viewer = MediaViewer(self.bridge, self.conversation_id, sha256, self.window(), message_id=message_id)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # it holds a media player
        viewer.show()

    def _next_speed(self) -> None:
        """1× → 1.5× → 2× → 1× for every voice note, the one playing included; remembered."""
        playback = self.timeline.playback
        playback.set_speed(next_speed(playback.speed))
        speed, settings = playback.speed, self.bridge.engine.db.settings
        self.bridge.run(lambda: settings.set("voice_speed", speed), None, self.status.emit)
        self.timeline.viewport().update()

    def _play(self, sha256: str) -> None:
        engine = self.bridge.engine
        playback = self.timeline.playback

        def located(path: Path | None) -> None:
            if path is None:
                self._play_when_ready = sha256
                self.files.download(sha256)
            else:
                playback.toggle(sha256, path)

        self.bridge.read(lambda: engine.media_path(sha256), located)

    def _on_blob_ready(self, sha256: str) -> None:
        self.thumbnails.blob_ready(sha256)
        if sha256 == self._play_when_ready:
            self._play_when_ready = ""
            self._play(sha256)

    # -- drag and drop ---------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        files, folders = local_files(event.mimeData()), local_folders(event.mimeData())
        if (files or folders) and self.conversation_id is not None and not self.is_request():
            event.acceptProposedAction()
            self.overlay.show_for(len(files) + len(folders), self.title.text())
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self.overlay.isVisible():
            event.acceptProposedAction()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.overlay.hide()

    def dropEvent(self, event: QDropEvent) -> None:
        self.overlay.hide()
        files, folders = local_files(event.mimeData()), local_folders(event.mimeData())
        if not (files or folders) or self.conversation_id is None:
            event.ignore()
            return
        event.acceptProposedAction()
        if files:
            self.composer.add_files(files)
        self.composer.add_folders(folders)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.overlay.setGeometry(self.rect())


def unreadable_sentence(unreadable: list[tuple[Path, OSError]], *, sent_any: bool) -> str:
    """What to say about files that could not be read when sending: which, and why, in a person's words."""
    paths = [p for p, _ in unreadable]
    them = "it" if len(paths) == 1 else "them"
    errors = {type(e) for _, e in unreadable}
    if errors <= {FileNotFoundError}:
        why = f"{them} {'was' if len(paths) == 1 else 'were'} moved or deleted after being attached"
    elif errors <= {PermissionError}:
        why = f"Envelope is not allowed to read {them}"
    else:
        why = unreadable[0][1].strerror or str(unreadable[0][1])
    return f"{quoted_names(paths)} could not be sent: {why}." + (" The rest went." if sent_any else "")
