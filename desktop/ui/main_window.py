"""The main window: conversation list, the open conversation, menus and shortcuts, the status line."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSize
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.core.names import display_name

if TYPE_CHECKING:
    from desktop.ui.bridge import EngineBridge
    from desktop.ui.dialogs.sign_in import SignInDialog

log = logging.getLogger(__name__)
APP_NAME = "Envelope"
MENUS = ("&Envelope", "&Conversation")


def window_title(username: str) -> str:
    """The window's title. It ends with the app's name, which platforms that add that name then leave alone."""
    return f"{display_name(username)} — {APP_NAME}" if username else APP_NAME


class MainWindow(QMainWindow):
    """One signed-in account's window. Other people's dialogs (viewer, gallery, search, settings,
    tray notifications) are imported when first used, so the window works without them.

    ``MainWindow()`` alone is the window's frame, cheap enough to paint before the engine has loaded
    (app.py shows it first at start-up); ``attach(bridge)`` then fills it. ``MainWindow(bridge)`` does both.
    """

    attached = False  # a class default: Qt sends events (changeEvent) while __init__ is still running

    def __init__(self, bridge: EngineBridge | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(APP_NAME)
        self.resize(1100, 720)
        if bridge is None:
            self.setCentralWidget(_frame_placeholder())
            for title in MENUS:  # the menu bar and status line take their room already: nothing moves later
                self.menuBar().addMenu(title).setEnabled(False)
            self.statusBar().showMessage("Opening…")
            self.statusBar().setSizeGripEnabled(False)
        else:
            self.attach(bridge)

    def attach(self, bridge: EngineBridge) -> None:
        """Build the window's contents on ``bridge`` (once)."""
        from PySide6.QtCore import Qt  # Qt's namespace costs ~15 ms the first time: after the frame has painted

        from desktop.ui.accessibility.panes import Panes
        from desktop.ui.conversations.pane import ConversationView
        from desktop.ui.conversations.requests import SideLists
        from desktop.ui.conversations.view import ConversationList
        from desktop.ui.media.thumbnails import ThumbnailCache
        from desktop.ui.status.indicator import ConnectionIndicator
        from desktop.ui.transfers.button import TransfersButton

        if self.attached:
            raise RuntimeError("this window already shows an account")
        self.attached = True
        self.sign_in_dialog: SignInDialog | None = None
        self.sign_out_question: QMessageBox | None = None
        self.certificate_warning: QMessageBox | None = None
        self.bridge = bridge
        engine = bridge.engine
        self.thumbnails = ThumbnailCache(engine.media_path, parent=self)
        account = engine.account
        self.username = account.username if account else ""
        self.setWindowTitle(window_title(self.username))

        self.conversations = ConversationList(bridge)
        self.conversations.setMinimumWidth(240)
        new_button = QPushButton("New conversation")
        new_button.clicked.connect(self.new_conversation)
        side = QWidget()
        side.setObjectName("sidebar")
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 8, 0, 0)
        side_layout.setSpacing(6)
        heading = _chats_heading()
        heading.setContentsMargins(14, 0, 0, 0)
        self.transfers_button = TransfersButton(bridge)  # every upload and download, with a count badge
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 8, 0)
        header.addWidget(heading, 1)
        header.addWidget(self.transfers_button)
        side_layout.addLayout(header)
        self.lists = SideLists(bridge, self.conversations)  # the chats under a Requests row, or the requests
        side_layout.addWidget(self.lists, 1)
        new_row = QVBoxLayout()
        new_row.setContentsMargins(10, 0, 10, 10)
        new_row.addWidget(new_button)
        side_layout.addLayout(new_row)
        self.conversation = ConversationView(bridge, self.thumbnails)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(side)
        splitter.addWidget(self.conversation)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 800])
        splitter.setChildrenCollapsible(False)
        self.setCentralWidget(splitter)

        self.connection = ConnectionIndicator(display_name(self.username))
        self.sign_in_button = QPushButton("Sign in…")  # the way back after a dismissed sign-in
        self.sign_in_button.clicked.connect(self.ask_sign_in)
        self.statusBar().addPermanentWidget(self.sign_in_button)
        self.statusBar().addPermanentWidget(self.connection)
        self.statusBar().setSizeGripEnabled(False)
        self._build_actions()
        self._show_signed_out(False)
        self._on_connection(engine.state, "")

        self.conversations.conversation_selected.connect(self.open_conversation)
        self.lists.conversation_selected.connect(self.open_conversation)
        self.lists.chats_shown.connect(self._reopen_chat)
        self.conversation.request_bar.accepted.connect(self._request_accepted)
        self.conversation.request_bar.removed.connect(self._request_removed)
        self.conversation.gallery_requested.connect(self.open_gallery)
        self.conversation.search_requested.connect(self.open_search)
        self.conversation.status.connect(self.show_status)
        self.conversation.in_sight_changed.connect(self.mark_read)
        bridge.connection_changed.connect(self._on_connection)
        bridge.error.connect(self.show_status)
        bridge.message_added.connect(self._on_message_added)
        bridge.conversations_changed.connect(self._select_first_if_none)
        self.notifier = self._make_notifier()
        self.panes = Panes(self)  # F6 between the chat list, the messages and the composer; Tab in that order
        self._select_first_if_none()

    # -- actions -----------------------------------------------------------------------------------
    def _build_actions(self) -> None:
        from desktop.ui.transfers.button import SHORTCUT

        def action(text: str, slot: object, *shortcuts: str | QKeySequence.StandardKey) -> QAction:
            act = QAction(text, self)
            act.setShortcuts([QKeySequence(s) for s in shortcuts])
            act.triggered.connect(slot)  # type: ignore[arg-type]
            self.addAction(act)
            return act

        self.new_action = action("New conversation…", self.new_conversation, "Ctrl+N")
        self.search_action = action("Search…", self.open_search, "Ctrl+F", "Ctrl+K")
        self.gallery_action = action("Gallery", self.open_gallery, "Ctrl+G")
        self.attach_action = action("Attach files…", self.conversation.composer.choose_files, "Ctrl+O")
        self.settings_action = action("Settings…", self.open_settings, "Ctrl+,")
        self.transfers_action = action("Transfers", self.transfers_button.open_panel, SHORTCUT)
        self.sign_in_action = action("Sign in…", self.ask_sign_in)
        self.sign_out_action = action("Sign out…", self.sign_out)
        self.quit_action = action("Quit", self.quit_app, "Ctrl+Q")
        self.offline_action = QAction("Keep media offline", self, checkable=True)
        self.offline_action.toggled.connect(self._set_pinned)
        self.menuBar().clear()  # the frame's placeholders
        self.statusBar().clearMessage()
        app_menu = self.menuBar().addMenu(MENUS[0])
        for act in (self.new_action, self.search_action, self.transfers_action, self.settings_action):
            app_menu.addAction(act)
        app_menu.addSeparator()
        app_menu.addAction(self.sign_in_action)
        app_menu.addAction(self.sign_out_action)
        app_menu.addSeparator()
        app_menu.addAction(self.quit_action)
        conversation_menu = self.menuBar().addMenu(MENUS[1])
        for act in (self.gallery_action, self.attach_action, self.offline_action):
            conversation_menu.addAction(act)

    def show_status(self, sentence: str) -> None:
        self.statusBar().showMessage(sentence, 8000)

    # -- conversations -------------------------------------------------------------------------------
    def open_conversation(self, conversation_id: str) -> None:
        self.conversation.set_conversation(conversation_id)
        if self.conversations.current_id() != conversation_id:
            self.conversations.select(conversation_id)
        conversation = self.bridge.engine.db.conversations.get(conversation_id)
        self.offline_action.blockSignals(True)
        self.offline_action.setChecked(bool(conversation and conversation.pinned_offline))
        self.offline_action.blockSignals(False)
        db = self.bridge.engine.db
        self.bridge.run(lambda: db.conversations.set_viewed(conversation_id), None, lambda _sentence: None)
        self.mark_read()

    def _select_first_if_none(self) -> None:
        """With none open yet, open the conversation viewed last (at start-up), else the top one."""
        if self.conversation.conversation_id is not None or self.conversations.model().rowCount() == 0:
            return
        last = self.bridge.engine.db.conversations.last_viewed()
        if last is None or not self.conversations.select(last):
            self.conversations.setCurrentIndex(self.conversations.first_index())

    def show_conversation_if_listed(self, conversation_id: str) -> bool:
        """Open a conversation once it is in the list, or in the requests (it may still be on its way
        from the server)."""
        if self.conversations.conversations.row_of(conversation_id) is None:
            if self.lists.requests.conversations.row_of(conversation_id) is None:
                return False
            self.lists.show_requests()
            self.lists.requests.select(conversation_id)
        if self.conversation.conversation_id != conversation_id:
            self.open_conversation(conversation_id)
        return True

    # -- requests ------------------------------------------------------------------------------------
    def _reopen_chat(self) -> None:
        """Back from the requests: the chat selected in the list again, else the one viewed last."""
        current = self.conversations.current_id()
        if current is not None:
            self.open_conversation(current)
        elif self.conversation.conversation_id is not None:
            self.conversation.set_conversation(None)
            self._select_first_if_none()

    def _request_accepted(self, conversation_id: str) -> None:
        self.lists.show_chats()
        self.conversations.conversations.refresh()
        self.open_conversation(conversation_id)

    def _request_removed(self, conversation_id: str, sentence: str) -> None:
        self.show_status(sentence)
        if self.conversation.conversation_id == conversation_id:
            self.conversation.set_conversation(None)
        if not self.lists.showing_requests():
            self._select_first_if_none()

    def new_conversation(self) -> None:
        from desktop.ui.dialogs.new_conversation import NewConversationDialog

        dialog = NewConversationDialog(self.bridge, self)
        dialog.created.connect(self._on_created)
        dialog.open()

    def _on_created(self, conversation_id: str) -> None:
        self.conversations.conversations.refresh()
        self.open_conversation(conversation_id)

    def show_message(self, message_id: int, conversation_id: str) -> bool:
        """Switch to a conversation and bring one of its messages into view, selected."""
        self.open_conversation(conversation_id)
        return self.conversation.timeline.jump_to(message_id)

    def mark_read(self) -> None:
        """Mark read up to the newest message in sight, if this window is the active one and on screen."""
        cid = self.conversation.conversation_id
        if cid is None or not self.isVisible() or self.isMinimized() or not self.isActiveWindow():
            return
        seq = self.conversation.newest_seq_in_sight()
        db = self.bridge.engine.db
        conversation = db.conversations.get(cid)
        if seq is None or conversation is None or seq <= conversation.last_read_seq:
            return
        self.bridge.run(lambda: db.conversations.mark_read(cid, seq),
                        lambda _seq: self.conversations.conversations.refresh(), lambda _sentence: None)

    def _on_message_added(self, _message_id: int, conversation_id: str) -> None:
        if conversation_id == self.conversation.conversation_id:
            self.mark_read()

    def _set_pinned(self, pinned: bool) -> None:
        cid = self.conversation.conversation_id
        if cid is not None:
            engine = self.bridge.engine
            self.bridge.run(lambda: engine.set_pinned_offline(cid, pinned),
                            lambda _r: self.show_status("This conversation's media will stay on this computer."
                                                        if pinned else "Media may be cleared to save space."))

    # -- dialogs ---------------------------------------------------------------------------------------
    def _show_dialog(self, dialog: QDialog) -> None:
        from PySide6.QtCore import Qt

        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # each holds connections (and a player)
        dialog.show()

    def open_gallery(self) -> None:
        from desktop.ui.gallery.gallery import GalleryDialog

        cid = self.conversation.conversation_id
        if cid is None:
            return
        dialog = GalleryDialog(self.bridge, cid, self)
        dialog.message_chosen.connect(lambda message_id: self.show_message(message_id, cid))
        self._show_dialog(dialog)
        self.gallery_dialog = dialog

    def open_search(self) -> None:
        from desktop.ui.search.dialog import SearchDialog

        dialog = SearchDialog(self.bridge, self)
        dialog.message_chosen.connect(self.show_message)
        self._show_dialog(dialog)
        self.search_dialog = dialog

    def open_settings(self) -> None:
        from desktop.ui.dialogs.settings import SettingsDialog

        self.settings_dialog = SettingsDialog(self.bridge, self)
        self._show_dialog(self.settings_dialog)

    def _make_notifier(self) -> object | None:
        from desktop.ui.status.notify import TrayNotifier

        try:
            return TrayNotifier(self.bridge, self)
        except Exception:  # a missing system tray must not keep the window from opening
            log.exception("tray notifications unavailable")
            return None

    # -- account and connection ----------------------------------------------------------------------
    @property
    def signed_in(self) -> bool:
        account = self.bridge.engine.account
        return account is not None and account.token is not None

    def sign_out(self) -> None:
        """Ask first (Cancel is the default); the engine then reports "signed_out": see below."""
        from desktop.ui.dialogs.sign_out import ask_to_sign_out

        engine = self.bridge.engine
        self.sign_out_question = ask_to_sign_out(self, self.username, lambda: self.bridge.run(engine.sign_out))

    def _on_connection(self, state: str, detail: str) -> None:
        if self._signed_out:  # until a sign-in here; a request still in flight may yet report "online"
            return
        if state == "signed_out" or not self.signed_in:
            self._show_signed_out(True)
            self.connection.set_state("signed_out", detail)
            self.ask_sign_in()  # once, when the session ends; after that the window offers "Sign in…"
        else:
            self.connection.set_state(state, detail)
            if state == "untrusted":
                self._warn_certificate(detail)

    def _warn_certificate(self, detail: str) -> None:
        """Say once, in a window of its own, why nothing syncs: the server's certificate was refused."""
        warning = self.certificate_warning
        if warning is not None and warning.isVisible() and warning.informativeText() == detail:
            return
        if warning is None:
            from PySide6.QtCore import Qt

            warning = QMessageBox(QMessageBox.Icon.Warning, "Server certificate refused — Envelope",
                                  "Envelope is not connecting to your server.", QMessageBox.StandardButton.Ok, self)
            warning.setWindowModality(Qt.WindowModality.NonModal)
            self.certificate_warning = warning
        warning.setInformativeText(detail)
        warning.show()

    def _show_signed_out(self, signed_out: bool) -> None:
        self._signed_out = signed_out
        self.sign_in_button.setVisible(signed_out)
        self.sign_in_action.setVisible(signed_out)
        self.sign_out_action.setVisible(not signed_out)

    def ask_sign_in(self) -> None:
        """Signed out (by the user, or the server ended the session): offer to sign in again here.

        Messages and media stay browsable behind the dialog; what waits to be sent goes out after.
        Dismissed, the window says it is signed out and keeps "Sign in…" in the status bar and menu.
        """
        from desktop.ui.dialogs.sign_in import SignInDialog

        if self.sign_in_dialog is not None and self.sign_in_dialog.isVisible():
            return
        account = self.bridge.engine.account
        dialog = SignInDialog(self.bridge, account.server_url if account else "",
                              username=account.username if account else self.username, parent=self)
        dialog.accepted.connect(self._signed_in_again)
        dialog.open()
        self.sign_in_dialog = dialog

    def _signed_in_again(self) -> None:
        account = self.bridge.engine.account
        self.username = account.username if account else ""  # the dialog lets another person sign in
        self.setWindowTitle(window_title(self.username))
        self.connection.username = display_name(self.username)
        self._show_signed_out(False)
        self._on_connection(self.bridge.engine.state, "")
        self.conversations.conversations.refresh()

    def quit_app(self) -> None:
        """Quit Envelope: every window closes (both of --demo's), not just this one."""
        QApplication.closeAllWindows()
        QApplication.quit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if self.attached and event.type() in (QEvent.Type.ActivationChange, QEvent.Type.WindowStateChange):
            self.mark_read()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.attached:
            self.conversation.timeline.playback.stop()
            self.thumbnails.wait_idle(5_000)
        super().closeEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(1100, 720)


def _frame_placeholder() -> QWidget:
    """The frame's contents until the account's arrive: the sidebar's heading over an empty list, laid out
    as the account's will be."""
    frame = QSplitter()  # horizontal
    side = QWidget()
    side.setObjectName("sidebar")
    layout = QVBoxLayout(side)
    layout.setContentsMargins(0, 8, 0, 0)
    heading = _chats_heading()
    heading.setContentsMargins(14, 0, 0, 0)
    layout.addWidget(heading)
    empty_list = QListWidget()
    empty_list.setFrameShape(QListWidget.Shape.NoFrame)
    layout.addWidget(empty_list, 1)
    frame.addWidget(side)
    frame.addWidget(QWidget())
    frame.setSizes([300, 800])
    return frame


def _chats_heading() -> QLabel:
    heading = QLabel("Chats")
    font = heading.font()
    font.setPointSizeF(font.pointSizeF() * 1.35)
    font.setBold(True)
    heading.setFont(font)
    return heading
