"""The forward picker: the chats as the list shows them, a search box, and Forward (Enter or double-click)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListView,
    QVBoxLayout,
    QWidget,
)

from desktop.core.db.records import Message
from desktop.core.forwarding import forward
from desktop.ui.bridge import EngineBridge
from desktop.ui.conversations.delegate import ConversationDelegate
from desktop.ui.conversations.model import ConversationListModel, Roles
from desktop.ui.style.theme import error_label, scaled_font

AnyIndex = QModelIndex | QPersistentModelIndex
_MOVES = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)
_QUOTE_CHARS = 40


class ChatFilter(QSortFilterProxyModel):
    """The chats whose title or other members hold every word typed (any case, anywhere in them)."""

    def __init__(self, chats: ConversationListModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.chats = chats
        self.words: list[str] = []
        self.setSourceModel(chats)

    @property
    def me(self) -> str:
        """Who is signed in: the delegate writes "You:" before their own last message."""
        return self.chats.me

    def set_text(self, text: str) -> None:
        self.words = text.casefold().split()
        self.setFilterFixedString(text)  # refilters (on every Qt from 6.7; its pattern itself goes unused)

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        index = self.chats.index(source_row, 0, source_parent)
        others = [m for m in index.data(Roles.MEMBERS) if m != self.chats.me]  # (the user is in every chat)
        names = " ".join([str(index.data(Roles.TITLE) or ""), *others]).casefold()
        return all(word in names for word in self.words)


def what_is_forwarded(message: Message) -> str:
    """The message in a few words for the heading: its file's name, or the start of its text."""
    if message.attachments:
        first = _quoted(message.attachments[0].name)
        more = len(message.attachments) - 1
        return f"{first} and {more} more" if more else first
    return _quoted(" ".join(message.body.split()))


def _quoted(text: str) -> str:
    return f"“{text[:_QUOTE_CHARS].rstrip()}…”" if len(text) > _QUOTE_CHARS else f"“{text}”"


class ForwardDialog(QDialog):
    """Pick a chat and the message is forwarded there (requests are not offered: forwarding into one
    would accept it). Up/Down in the search box move through the chats.

    Signals:
        forwarded(sentence): the copy is written and on its way ("Forwarded to bob.").
    """

    forwarded = Signal(str)

    def __init__(self, bridge: EngineBridge, message: Message, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.message = message
        self._busy = False
        self.setWindowTitle("Forward")
        self.resize(420, 520)
        self.heading = QLabel(f"Forward {what_is_forwarded(message)} to…")
        self.heading.setFont(scaled_font(self.font(), 1.1, bold=True))
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search chats")
        self.search.setClearButtonEnabled(True)
        self.search.installEventFilter(self)
        self.chats = ChatFilter(ConversationListModel(bridge), self)
        self.chats.chats.setParent(self)
        self.list = QListView()
        self.list.setModel(self.chats)
        self.list.setItemDelegate(ConversationDelegate(self.list))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setUniformItemSizes(True)
        self.list.setMouseTracking(True)
        self.list.doubleClicked.connect(lambda _index: self.submit())
        self.empty = QLabel()
        self.empty.setEnabled(False)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.error = error_label(self.palette())
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.forward_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.forward_button.setText("Forward")
        self.buttons.accepted.connect(self.submit)  # Enter, in the search box or the list, lands here
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 14, 14, 14)
        layout.setSpacing(8)
        layout.addWidget(self.heading)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.search.textChanged.connect(self._filter)
        self.chats.layoutChanged.connect(self._keep_a_choice)
        self._filter("")
        self.search.setFocus()

    def chosen(self) -> str | None:
        """The id of the chat Forward would send to, or None."""
        index = self.list.currentIndex()
        return str(index.data(Roles.CONVERSATION_ID)) if index.isValid() else None

    def submit(self) -> None:
        """Forward to the chosen chat (off the GUI thread); the dialog closes once the copy is written."""
        conversation_id = self.chosen()
        if conversation_id is None or self._busy:
            return
        self._busy = True
        self.buttons.setEnabled(False)
        title = str(self.list.currentIndex().data(Roles.TITLE))
        engine, message_id = self.bridge.engine, self.message.id

        def done(_copy: Message) -> None:
            self.forwarded.emit(f"Forwarded to {title}.")
            self.accept()

        def failed(sentence: str) -> None:
            self._busy = False
            self.buttons.setEnabled(True)
            self.error.setText(sentence)
            self.error.show()

        self.bridge.run(lambda: forward(engine, message_id, conversation_id), done, failed)

    def _filter(self, text: str) -> None:
        self.chats.set_text(text)
        self._keep_a_choice()

    def _keep_a_choice(self) -> None:
        """The first chat is chosen when nothing (still) is; the list gives way to a sentence when empty."""
        rows = self.chats.rowCount()
        if rows and not self.list.currentIndex().isValid():
            self.list.setCurrentIndex(self.chats.index(0, 0))
        if not rows:
            typed = self.search.text().strip()
            self.empty.setText(f"No chat matches “{typed}”." if typed else "You have no chats to forward to yet.")
        self.list.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        self.forward_button.setEnabled(bool(rows))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up/Down/PageUp/PageDown typed in the search box move through the chats."""
        if watched is self.search and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress \
                and event.key() in _MOVES:
            QApplication.sendEvent(self.list, event)
            return True
        return super().eventFilter(watched, event)


def pick_and_forward(bridge: EngineBridge, message: Message, parent: QWidget) -> ForwardDialog:
    """Open the picker for ``message`` (window-modal); it deletes itself once closed."""
    dialog = ForwardDialog(bridge, message, parent)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
