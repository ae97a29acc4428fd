"""Search every conversation's messages and file names as you type; matches shown in bold."""

from __future__ import annotations

import enum
import html
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAbstractTextDocumentLayout, QFontMetrics, QKeyEvent, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QLabel,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.db.messages import MARK_END, MARK_START
from desktop.core.db.records import SearchHit
from desktop.core.engine import Engine
from desktop.ui.bridge import EngineBridge
from desktop.ui.style.theme import list_time, mix, scaled_font

AnyIndex = QModelIndex | QPersistentModelIndex
DEBOUNCE_MS = 150
RESULT_LIMIT = 100
ROW_HEIGHT = 54


def snippet_html(snippet: str) -> str:
    """The snippet as HTML: the text escaped, the matches (between the db's marks) in bold."""
    text = html.escape(" ".join(snippet.split()))
    return text.replace(MARK_START, "<b>").replace(MARK_END, "</b>")


def conversation_title(engine: Engine, conversation_id: str) -> str:
    """Its title, else the other members' names."""
    conversation = engine.db.conversations.get(conversation_id)
    if conversation is None:
        return "Unknown conversation"
    if conversation.title:
        return conversation.title
    account = engine.account
    others = [m for m in conversation.members if account is None or m != account.username]
    return ", ".join(others) or "Just you"


@dataclass(frozen=True)
class SearchResult:
    hit: SearchHit
    title: str


class Role(enum.IntEnum):
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
            case Role.HIT:
                return hit
            case Role.MESSAGE_ID:
                return hit.message_id
            case Role.CONVERSATION_ID:
                return hit.conversation_id
            case Role.TITLE:
                return result.title
            case Role.SENDER:
                return hit.sender
            case Role.CREATED_AT:
                return hit.created_at
            case Role.SNIPPET_HTML:
                return snippet_html(hit.snippet)
        return None


class SearchHitDelegate(QStyledItemDelegate):
    """Paints a hit: conversation and sender, the time on the right, then the snippet."""

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        return QSize(360, ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        self._draw_background(painter, option, selected)
        inner = QRect(option.rect).adjusted(16, 8, -16, -8)
        top = self._draw_header(painter, inner, option, index, selected)
        self._draw_snippet(painter, QRect(inner.left(), top + 3, inner.width(), inner.bottom() - top - 3),
                           option, index, selected)
        painter.restore()

    @staticmethod
    def _draw_background(painter: QPainter, option: QStyleOptionViewItem, selected: bool) -> None:
        palette = option.palette
        if selected:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.Highlight))
        elif option.state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.AlternateBase))

    @staticmethod
    def _draw_header(painter: QPainter, rect: QRect, option: QStyleOptionViewItem, index: AnyIndex,
                     selected: bool) -> int:
        palette = option.palette
        ink = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        dim = mix(ink, palette.color(QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base), 0.4)
        title_font = scaled_font(option.font, 1.0, bold=True)
        metrics = QFontMetrics(title_font)
        when = list_time(index.data(Role.CREATED_AT) or 0)
        small = scaled_font(option.font, 0.9)
        small_metrics = QFontMetrics(small)
        when_width = small_metrics.horizontalAdvance(when) + 8
        line = QRect(rect.left(), rect.top(), rect.width(), metrics.height())
        title = index.data(Role.TITLE) or ""
        sender = f"  ·  {index.data(Role.SENDER)}"
        room = rect.width() - when_width
        title = metrics.elidedText(title, Qt.TextElideMode.ElideRight, max(40, room * 2 // 3))
        painter.setFont(title_font)
        painter.setPen(ink)
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(line, align, title)
        used = metrics.horizontalAdvance(title)
        painter.setFont(small)
        painter.setPen(dim)
        sender = small_metrics.elidedText(sender, Qt.TextElideMode.ElideRight, max(0, room - used))
        painter.drawText(line.adjusted(used, 0, 0, 0), align, sender)
        painter.drawText(line, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, when)
        return line.bottom()

    @staticmethod
    def _draw_snippet(painter: QPainter, rect: QRect, option: QStyleOptionViewItem, index: AnyIndex,
                      selected: bool) -> None:
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        doc.setDocumentMargin(0)
        doc.setHtml(index.data(Role.SNIPPET_HTML) or "")
        doc.setTextWidth(rect.width())
        context = QAbstractTextDocumentLayout.PaintContext()
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        context.palette.setColor(QPalette.ColorRole.Text, option.palette.color(role))
        context.clip = QRect(0, 0, rect.width(), rect.height())
        painter.translate(rect.topLeft())
        painter.setClipRect(context.clip)
        doc.documentLayout().draw(painter, context)


class SearchDialog(QDialog):
    """Type to search; Up/Down pick a hit, Enter or double-click opens it and closes the dialog.

    Any text is a valid query: the database quotes it, and failures only show as a sentence.

    Signals:
        message_chosen(message_id, conversation_id): show this message in its conversation.
    """

    message_chosen = Signal(int, str)

    def __init__(self, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self._generation = 0  # of the latest query
        self._shown = 0  # generation whose results are on screen
        self._choose_when_done = False
        self.setWindowTitle("Search")
        self.resize(560, 520)

        self.query = QLineEdit(self)
        self.query.setPlaceholderText("Search messages and file names")
        self.query.setClearButtonEnabled(True)
        self.query.setMinimumHeight(self.query.sizeHint().height() + 8)
        self.query.installEventFilter(self)
        self.status = QLabel(self)
        self.status.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.status.setContentsMargins(4, 0, 4, 0)
        self.model = SearchResultModel(self)
        self.results = QListView(self)
        self.results.setModel(self.model)
        self.results.setItemDelegate(SearchHitDelegate(self.results))
        self.results.setUniformItemSizes(True)
        self.results.setMouseTracking(True)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.results.activated.connect(self.choose)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 14, 14, 14)
        layout.setSpacing(8)
        layout.addWidget(self.query)
        layout.addWidget(self.status)
        layout.addWidget(self.results, 1)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.search_now)
        self.query.textChanged.connect(lambda _text: self.timer.start())
        self.query.returnPressed.connect(self._enter)
        self._say("Type a word from a message or a file name.")

    # -- searching ---------------------------------------------------------------------------------
    def search_now(self) -> None:
        """Run the query in the field now (typing runs it after a short pause)."""
        self.timer.stop()
        if self.bridge.closed:
            return
        text = self.query.text()
        self._generation += 1
        generation = self._generation
        if not text.strip():
            self._shown = generation
            self.model.set_results([])
            self._say("Type a word from a message or a file name.")
            return
        engine = self.bridge.engine
        self.bridge.read(lambda: self._lookup(engine, text),
                        on_done=lambda results: self._show(generation, text, results),
                        on_error=lambda sentence: self._failed(generation, sentence))

    @staticmethod
    def _lookup(engine: Engine, text: str) -> list[SearchResult]:
        """Runs on the pool: the hits and their conversations' titles."""
        titles: dict[str, str] = {}
        results = []
        for hit in engine.db.messages.search(text, limit=RESULT_LIMIT):
            if hit.conversation_id not in titles:
                titles[hit.conversation_id] = conversation_title(engine, hit.conversation_id)
            results.append(SearchResult(hit, titles[hit.conversation_id]))
        return results

    def _show(self, generation: int, text: str, results: list[SearchResult]) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return  # a newer query is on its way
        self._shown = generation
        self.model.set_results(results)
        if results:
            self.results.setCurrentIndex(self.model.index(0))
            self._say(f"{len(results)} result" + ("" if len(results) == 1 else "s")
                      + (" (the best ones)" if len(results) == RESULT_LIMIT else ""))
        else:
            self._say(f"Nothing matches “{text.strip()}”.")
        if self._choose_when_done:
            self._choose_when_done = False
            if results:
                self.choose(self.results.currentIndex())

    def _failed(self, generation: int, sentence: str) -> None:
        if shiboken6.isValid(self) and generation == self._generation:
            self._shown = generation
            self._choose_when_done = False
            self.model.set_results([])
            self._say(sentence)

    def _say(self, text: str) -> None:
        self.status.setText(text)

    # -- choosing ----------------------------------------------------------------------------------
    def choose(self, index: QModelIndex | QPersistentModelIndex) -> None:
        if not index.isValid():
            return
        self.message_chosen.emit(int(index.data(Role.MESSAGE_ID)), str(index.data(Role.CONVERSATION_ID)))
        self.accept()

    def _enter(self) -> None:
        if self.timer.isActive():  # typed faster than the debounce: search first, then open
            self._choose_when_done = True
            self.search_now()
        elif self._shown != self._generation:  # the results are on their way
            self._choose_when_done = True
        else:
            self.choose(self.results.currentIndex())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up/Down/PageUp/PageDown in the query field move through the results."""
        if watched is self.query and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            moves = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1, Qt.Key.Key_PageUp: -5, Qt.Key.Key_PageDown: 5}
            step = moves.get(Qt.Key(event.key()))
            if step is not None and self.model.rowCount():
                row = min(max(self.results.currentIndex().row() + step, 0), self.model.rowCount() - 1)
                self.results.setCurrentIndex(self.model.index(row))
                return True
        return super().eventFilter(watched, event)
