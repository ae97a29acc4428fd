"""The conversation list as a model: title, last message preview, unread count, time; newest first."""

from __future__ import annotations

import enum
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from desktop.core.db.records import ConversationSummary
from desktop.core.names import conversation_title
from desktop.ui.accessibility import words
from desktop.ui.bridge import EngineBridge
from desktop.ui.style.theme import list_time

AnyIndex = QModelIndex | QPersistentModelIndex


class Roles(enum.IntEnum):
    CONVERSATION_ID = Qt.ItemDataRole.UserRole + 1
    TITLE = enum.auto()
    PREVIEW = enum.auto()
    UNREAD = enum.auto()
    LAST_ACTIVITY = enum.auto()
    LAST_SENDER = enum.auto()
    LAST_KIND = enum.auto()
    MEMBERS = enum.auto()
    PINNED = enum.auto()
    SUMMARY = enum.auto()
    PREVIEW_LINE = enum.auto()  # the last message as the row shows it: "You: Photo · beach.jpg"


class ConversationListModel(QAbstractListModel):
    """Re-reads ``db.conversations.summaries()`` when the engine says the list changed; with
    ``requests``, the conversation requests instead of the accepted conversations."""

    def __init__(self, bridge: EngineBridge, *, requests: bool = False) -> None:
        super().__init__()
        self.bridge = bridge
        self.requests = requests
        self._rows: list[ConversationSummary] = []
        self.me = ""  # the signed-in username, read again with the list (not on every data() call)
        bridge.conversations_changed.connect(self.refresh)
        bridge.connection_changed.connect(self._on_connection_changed)
        self.refresh()

    def _on_connection_changed(self, _state: str, _detail: str) -> None:
        account = self.bridge.engine.account  # a sign-in or sign-out changes who "me" is
        me = account.username if account else ""
        if me != self.me:
            self.me = me
            if self._rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, 0))

    def refresh(self) -> None:
        account = self.bridge.engine.account
        self.me = account.username if account else ""
        rows = self.bridge.engine.db.conversations.summaries(requests=self.requests)
        if [r.conversation.id for r in rows] == [r.conversation.id for r in self._rows]:
            self._rows = rows
            if rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, 0))
            return
        self.layoutAboutToBeChanged.emit()
        old_persistent = self.persistentIndexList()
        ids = [self._rows[i.row()].conversation.id if i.row() < len(self._rows) else None for i in old_persistent]
        self._rows = rows
        position = {r.conversation.id: n for n, r in enumerate(rows)}
        self.changePersistentIndexList(
            old_persistent,
            [self.index(position[cid], 0) if cid in position else QModelIndex() for cid in ids],
        )
        self.layoutChanged.emit()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def row_of(self, conversation_id: str) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.conversation.id == conversation_id), None)

    def summary(self, row: int) -> ConversationSummary:
        return self._rows[row]

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        s = self._rows[index.row()]
        last = s.last_message
        match role:
            case Roles.CONVERSATION_ID:
                return s.conversation.id
            case Roles.TITLE | Qt.ItemDataRole.DisplayRole:
                return conversation_title(s.conversation.title, s.conversation.members, self.me)
            case Roles.PREVIEW:
                return s.preview
            case Roles.UNREAD:
                return s.unread
            case Roles.LAST_ACTIVITY:
                return s.last_activity_at
            case Roles.LAST_SENDER:
                return last.sender if last else ""
            case Roles.LAST_KIND:
                return last.attachments[0].kind if last and last.attachments else "text"
            case Roles.MEMBERS:
                return s.conversation.members
            case Roles.PINNED:
                return s.conversation.pinned_offline
            case Roles.SUMMARY:
                return s
            case Roles.PREVIEW_LINE:
                return words.preview_line(s.preview, self.data(index, Roles.LAST_KIND), last.sender if last else "",
                                          self.me)
            case Qt.ItemDataRole.ToolTipRole:
                return ", ".join(s.conversation.members)
            case Qt.ItemDataRole.AccessibleTextRole:  # "Weekend trip, 2 unread, bob: Photo, 14:02"
                c, line = s.conversation, self.data(index, Roles.PREVIEW_LINE)
                if last is not None and last.sender != self.me and len(c.members) > 2:  # who said it, in a group
                    line = f"{words.who(last.sender, self.me)}: {line}"
                return words.conversation_name(self.data(index, Roles.TITLE), unread=s.unread, line=line,
                                               time=list_time(s.last_activity_at),
                                               request_from=(c.invited_by or "someone") if c.is_request else None)
            case Qt.ItemDataRole.AccessibleDescriptionRole:
                c = s.conversation
                return words.conversation_description(c.members, self.me, pinned=c.pinned_offline,
                                                      request=c.is_request)
        return None
