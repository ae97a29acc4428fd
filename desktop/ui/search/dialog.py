"""The search dialog: every conversation's messages and file names as you type; a hit opens its message."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import QAbstractItemView, QDialog, QLabel, QLineEdit, QListView, QVBoxLayout, QWidget

from desktop.core.engine import Engine
from desktop.core.names import title_of
from desktop.ui.bridge import EngineBridge
from desktop.ui.search.delegate import SearchHitDelegate
from desktop.ui.search.model import Roles, SearchResult, SearchResultModel

DEBOUNCE_MS = 150
RESULT_LIMIT = 100


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
                titles[hit.conversation_id] = title_of(engine, hit.conversation_id)
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
        self.message_chosen.emit(int(index.data(Roles.MESSAGE_ID)), str(index.data(Roles.CONVERSATION_ID)))
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
