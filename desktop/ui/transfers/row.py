"""One transfer in the panel: its icon, name and direction, a bar, the status line and its buttons."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from desktop.core.transfers import Transfer
from desktop.ui.style.theme import error_color, link_button, mix, scaled_font
from desktop.ui.transfers import words
from desktop.ui.transfers.icons import KIND_LABELS, kind_pixmap
from desktop.ui.transfers.model import Key, Roles

AnyIndex = QModelIndex | QPersistentModelIndex
BAR_STEPS = 1000

# Each button's tooltip, by what it does ("{what}": upload or download).
TIPS = {
    "pause": "Pause this {what}; it goes on from where it stopped when you resume it.",
    "resume": "Resume this {what} from where it stopped.",
    "cancel": "Stop this {what}.",
    "retry": "Try this {what} again.",
    "to_front": "Run this {what} next, before the others that are waiting.",
    "remove": "Take this download off the list (what arrived so far is kept).",
}
CANCEL_UPLOAD = "Stop this upload; its message stays, marked as not sent, with Retry."


class ElidedLabel(QLabel):
    """A one-line label that shortens its text with "…" in the middle instead of growing the row."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumWidth(40)

    def minimumSizeHint(self) -> QSize:
        return QSize(40, super().minimumSizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideMiddle, self.width())
        painter.drawText(self.rect(), int(self.alignment()), text)


class TransferRow(QFrame):
    """A row widget shown from a ``TransfersModel`` index; its buttons ask the panel to act.

    Signals:
        acted(sha256, direction, verb): a button was pressed; ``verb`` names the engine's control
            (``pause``, ``resume``, ``cancel``, ``retry``, ``to_front``; ``remove`` cancels a failed download).
        stepped(step): Up (-1) or Down (+1) was pressed on one of its buttons: go to the row above or below.
    """

    acted = Signal(str, str, str)
    stepped = Signal(int)

    def __init__(self, key: Key, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setObjectName("transferRow")
        self.icon = QLabel()
        self.icon.setFixedWidth(40)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.name = ElidedLabel()
        self.name.setFont(scaled_font(self.font(), 1.0, bold=True))
        self.heading = QLabel()
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(6)
        self.bar.setRange(0, BAR_STEPS)
        self.status = ElidedLabel()
        self.buttons: dict[str, QPushButton] = {}
        bottom = QHBoxLayout()
        bottom.setSpacing(2)
        bottom.addWidget(self.status, 1)
        for verb, text in (("pause", "Pause"), ("retry", "Retry"), ("to_front", "Move to front"),
                           ("cancel", "Cancel"), ("remove", "Remove")):
            button = link_button(text)
            button.clicked.connect(lambda _checked=False, b=button: self._pressed(b))
            button.setProperty("verb", verb)
            button.installEventFilter(self)
            self.buttons[verb] = button
            bottom.addWidget(button)
        top = QHBoxLayout()
        top.addWidget(self.name, 1)
        top.addWidget(self.heading)
        column = QVBoxLayout()
        column.setSpacing(4)
        column.addLayout(top)
        column.addWidget(self.bar)
        column.addLayout(bottom)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 6)
        layout.addWidget(self.icon)
        layout.addLayout(column, 1)
        self._palette_key: tuple[str, str] | None = None

    def paintEvent(self, event: QPaintEvent) -> None:
        """A hairline under the row, from the text's edge, as lists of files have."""
        super().paintEvent(event)
        painter = QPainter(self)
        palette = self.palette()
        painter.setPen(mix(palette.color(QPalette.ColorRole.Window), palette.color(QPalette.ColorRole.Text), 0.14))
        painter.drawLine(self.name.x(), self.height() - 1, self.width() - 10, self.height() - 1)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up and Down on a button go to the row above or below (Qt would move among this row's buttons,
        which Left and Right still do)."""
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            step = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}.get(Qt.Key(event.key()))
            if step is not None and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
                self.stepped.emit(step)
                return True
        return super().eventFilter(watched, event)

    def first_button(self) -> QPushButton | None:
        return next((b for b in self.buttons.values() if b.isVisibleTo(self)), None)

    def _pressed(self, button: QPushButton) -> None:
        self.acted.emit(self.key[0], self.key[1], str(button.property("verb")))

    def show_index(self, index: AnyIndex) -> None:
        """Show what the model says about this transfer now."""
        t: Transfer = index.data(Roles.TRANSFER)
        status = str(index.data(Roles.STATUS))
        self.name.setText(t.name)
        self.name.setToolTip(t.name)
        place = str(index.data(Roles.PLACE))
        self.heading.setText(f"{words.heading(t)} · {place}" if place else words.heading(t))
        self.status.setText(status)
        self.status.setToolTip(status)
        self._show_bar(t, index.data(Roles.FRACTION))
        self._show_status_colour(t)
        if self._palette_key != (t.kind, t.name):
            self._palette_key = (t.kind, t.name)
            self.icon.setPixmap(kind_pixmap(t.kind, t.name, self.palette()))
            self.icon.setToolTip(KIND_LABELS.get(t.kind, "File"))
        self.setAccessibleName(str(index.data(Qt.ItemDataRole.AccessibleTextRole)))
        self._show_buttons(t)

    def _show_bar(self, t: Transfer, fraction: float | None) -> None:
        if fraction is None and t.state == "running":
            self.bar.setRange(0, 0)  # the size is not known: it moves without saying how far
        else:
            self.bar.setRange(0, BAR_STEPS)
            self.bar.setValue(round((fraction or 0.0) * BAR_STEPS))
        self.bar.setEnabled(t.state in ("running", "waiting", "queued"))
        self.bar.setAccessibleName(f"Progress of {t.name}")

    def _show_status_colour(self, t: Transfer) -> None:
        palette = self.status.palette()
        base = self.palette()
        colour = (error_color(base) if t.state == "failed"
                  else base.color(QPalette.ColorRole.Text) if t.state == "running"
                  else base.color(QPalette.ColorRole.PlaceholderText))
        palette.setColor(QPalette.ColorRole.WindowText, colour)
        self.status.setPalette(palette)

    def _show_buttons(self, t: Transfer) -> None:
        what = "upload" if t.direction == "up" else "download"
        state = t.state
        pause = self.buttons["pause"]
        verb = "resume" if state == "paused" else "pause"
        pause.setText("Resume" if verb == "resume" else "Pause")
        pause.setProperty("verb", verb)
        shown = {
            "pause": state != "failed",
            "retry": state == "failed",
            "to_front": state in ("queued", "paused"),
            "cancel": state != "failed",
            "remove": state == "failed" and t.direction == "down",
        }
        for key, button in self.buttons.items():
            button.setVisible(shown[key])
            button.setFixedWidth(button.fontMetrics().horizontalAdvance(button.text()) + 16)  # a link, not a box
            verb_now = str(button.property("verb"))
            button.setAccessibleName(f"{button.text()} {t.name}")
            tip = CANCEL_UPLOAD if verb_now == "cancel" and t.direction == "up" else TIPS[verb_now]
            button.setToolTip(tip.format(what=what))
