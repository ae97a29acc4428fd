"""The conversation list on the left of the window: a list view over ConversationListModel."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QApplication, QListView, QWidget

from desktop.ui.bridge import EngineBridge
from desktop.ui.conversations.delegate import ConversationDelegate
from desktop.ui.conversations.model import ConversationListModel, Roles


class ConversationList(QListView):
    """The arrows move through the chats, opening each (the focus stays here); Enter goes to the open one.

    Signals:
        conversation_selected(conversation_id): the user (or code) picked a conversation.
        chosen(conversation_id): Enter was pressed on a conversation: the user wants to write in it.
    """

    conversation_selected = Signal(str)
    chosen = Signal(str)

    def __init__(self, bridge: EngineBridge, parent: QWidget | None = None, *, requests: bool = False) -> None:
        super().__init__(parent)
        self.arrowing = False  # a key is moving the selection: opening a chat must not take the focus away
        self.conversations = ConversationListModel(bridge, requests=requests)
        self.setModel(self.conversations)
        self.setItemDelegate(ConversationDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setUniformItemSizes(True)
        self.setMouseTracking(True)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.setAccessibleName("Conversation requests" if requests else "Chats")
        self.selectionModel().selectionChanged.connect(self._on_selection)

    def current_id(self) -> str | None:
        index = self.currentIndex()
        return index.data(Roles.CONVERSATION_ID) if index.isValid() else None

    def select(self, conversation_id: str) -> bool:
        row = self.conversations.row_of(conversation_id)
        if row is None:
            return False
        self.setCurrentIndex(self.conversations.index(row, 0))
        return True

    def _on_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes:
            self.conversation_selected.emit(indexes[0].data(Roles.CONVERSATION_ID))

    def first_index(self) -> QModelIndex:
        return self.conversations.index(0, 0)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        current = self.current_id()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and current is not None:
            self.chosen.emit(current)
            return
        self.arrowing = True
        try:
            super().keyPressEvent(event)
        finally:
            self.arrowing = False


def arrowing_through_chats() -> bool:
    """Whether the keyboard is moving through a chat list right now (so the chat it opens leaves the focus)."""
    focus = QApplication.focusWidget()
    return isinstance(focus, ConversationList) and focus.arrowing
