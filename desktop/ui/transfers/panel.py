"""The transfers window, like a browser's downloads: every upload and download, with their controls."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.core.events import Direction
from desktop.ui.transfers import words
from desktop.ui.transfers.model import Key, Roles, TransfersModel
from desktop.ui.transfers.row import TransferRow


class TransfersPanel(QDialog):
    """A window of ``TransferRow``s kept in the model's order; Tab walks the buttons, Up and Down the rows."""

    def __init__(self, model: TransfersModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setWindowTitle("Transfers")
        self.resize(640, 460)
        self.rows: dict[Key, TransferRow] = {}
        self.empty = QLabel(words.EMPTY)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setContentsMargins(40, 0, 40, 0)
        self.list = QWidget()
        self.list.setObjectName("transfersList")
        self._list_layout = QVBoxLayout(self.list)
        self._list_layout.setContentsMargins(0, 0, 0, 0)
        self._list_layout.setSpacing(0)
        self._list_layout.addStretch(1)
        self.area = QScrollArea()
        self.area.setWidgetResizable(True)
        self.area.setWidget(self.list)
        self.area.setFrameShape(QFrame.Shape.NoFrame)
        self.summary = QLabel()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        if isinstance(close, QPushButton):
            close.setAutoDefault(False)  # Enter on a row's button presses that button
        footer = QHBoxLayout()
        footer.addWidget(self.summary, 1)
        footer.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.area, 1)
        layout.addLayout(footer)
        for signal in (model.rowsInserted, model.rowsRemoved, model.layoutChanged, model.modelReset):
            signal.connect(self._sync)
        model.dataChanged.connect(self._changed)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._keep_in_sight)
        self._sync()

    # -- rows --------------------------------------------------------------------------------------
    def _sync(self) -> None:
        """Make the row widgets match the model: one per transfer, in its order (focus stays put)."""
        keys = [self.model.index(i, 0).data(Roles.KEY) for i in range(self.model.rowCount())]
        for key in set(self.rows) - set(keys):
            gone = self.rows.pop(key)
            gone.hide()
            gone.deleteLater()
        for i, key in enumerate(keys):
            if key not in self.rows:
                self.rows[key] = self._new_row(key)
            row = self.rows[key]
            if self._list_layout.indexOf(row) != i:
                self._list_layout.insertWidget(i, row)
                row.show()  # now, not when the layout next runs
            row.show_index(self.model.index(i, 0))
        previous: QWidget | None = None
        for key in keys:  # Tab goes down the list, whatever order the rows came in
            for button in self.rows[key].buttons.values():
                if previous is not None:
                    QWidget.setTabOrder(previous, button)
                previous = button
        self.empty.setVisible(not keys)
        self.area.setVisible(bool(keys))
        self.summary.setText(words.summary([str(self.model.index(i, 0).data(Roles.STATE)) for i in range(len(keys))]))

    def _new_row(self, key: Key) -> TransferRow:
        row = TransferRow(key)
        row.acted.connect(self.act)
        row.stepped.connect(lambda step: self._step(row, step))
        return row

    def _changed(self, first: QModelIndex, last: QModelIndex) -> None:
        for i in range(first.row(), last.row() + 1):
            index = self.model.index(i, 0)
            row = self.rows.get(index.data(Roles.KEY))
            if row is not None:
                row.show_index(index)
        self.summary.setText(words.summary([str(self.model.index(i, 0).data(Roles.STATE))
                                            for i in range(self.model.rowCount())]))

    def shown(self) -> list[Key]:
        """The rows' transfers, top to bottom as laid out."""
        items = (self._list_layout.itemAt(i) for i in range(self._list_layout.count()))
        return [w.key for item in items if item is not None and isinstance(w := item.widget(), TransferRow)]

    # -- controls ----------------------------------------------------------------------------------
    def act(self, sha256: str, direction: str, verb: str) -> None:
        """Do what a row's button asks. The engine's controls return at once (its commands thread does
        the work, then says TransfersChanged), so the GUI thread never waits."""
        transfers = self.model.bridge.engine.transfers
        d: Direction = "up" if direction == "up" else "down"
        control = {"pause": transfers.pause, "resume": transfers.resume, "to_front": transfers.to_front,
                   "retry": transfers.retry, "cancel": transfers.cancel, "remove": transfers.cancel}[verb]
        control(sha256, d)

    # -- keyboard ----------------------------------------------------------------------------------
    def _step(self, row: TransferRow, step: int) -> None:
        """Up or Down on a row's button: to the first button of the row above or below."""
        keys = self.shown()
        i = keys.index(row.key) + step if row.key in keys else -1
        target = self.rows[keys[i]].first_button() if 0 <= i < len(keys) else None
        if target is not None:
            target.setFocus(Qt.FocusReason.TabFocusReason)

    def _keep_in_sight(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is not None and self.list.isAncestorOf(new):
            self.area.ensureWidgetVisible(new)
