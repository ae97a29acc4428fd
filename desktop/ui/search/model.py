"""Search results as a list model: one row per hit, with its conversation's title and a bold snippet."""

from __future__ import annotations

import enum
import html
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from desktop.core.db.messages import MARK_END, MARK_START
from desktop.core.db.records import SearchHit

AnyIndex = QModelIndex | QPersistentModelIndex


def snippet_html(snippet: str) -> str:
    """The snippet as HTML: the text escaped, the matches (between the db's marks) in bold."""
    text = html.escape(" ".join(snippet.split()))
    return text.replace(MARK_START, "<b>").replace(MARK_END, "</b>")


@dataclass(frozen=True)
class SearchResult:
    hit: SearchHit
    title: str


class Roles(enum.IntEnum):
    HIT = Qt.ItemDataRole.UserRole + 1
    MESSAGE_ID = enum.auto()
    CONVERSATION_ID = enum.auto()
    TITLE = enum.auto()
    SENDER = enum.auto()
    CREATED_AT = enum.auto()
    SNIPPET_HTML = enum.auto()


class SearchResultModel(QAbstractListModel):
    """The hits of the last query, best first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._results: list[SearchResult] = []

    def set_results(self, results: list[SearchResult]) -> None:
        self.beginResetModel()
        self._results = list(results)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._results)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._results):
            return None
        result = self._results[index.row()]
        hit = result.hit
        match role:
            case Qt.ItemDataRole.DisplayRole:
                return hit.snippet.replace(MARK_START, "").replace(MARK_END, "")
            case Roles.HIT:
                return hit
            case Roles.MESSAGE_ID:
                return hit.message_id
            case Roles.CONVERSATION_ID:
                return hit.conversation_id
            case Roles.TITLE:
                return result.title
            case Roles.SENDER:
                return hit.sender
            case Roles.CREATED_AT:
                return hit.created_at
            case Roles.SNIPPET_HTML:
                return snippet_html(hit.snippet)
        return None
