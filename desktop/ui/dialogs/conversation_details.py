"""A conversation's details: its title (Rename), its people (Add people…, Remove, each asking first), and Leave.

Every change needs the server and runs off the GUI thread (``desktop.core.members``); what the
server says, or that it can't be reached, shows under the list. The dialog follows the conversation
as the feed changes it (someone else renames it, adds or removes people).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.core import members
from desktop.core.names import conversation_title, display_name
from desktop.ui.bridge import EngineBridge
from desktop.ui.style.theme import avatar_color, error_color, error_label, scaled_font
from sync.protocol import MAX_TITLE_CHARS

AVATAR_PX = 30
SHOWN_ROWS = 6


class ConversationDetails(QDialog):
    """Signals:
        left(conversation_id, sentence): the user left the conversation; it is gone from here.
    """

    left = Signal(str, str)

    def __init__(self, bridge: EngineBridge, conversation_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.conversation_id = conversation_id
        self.me = bridge.engine.account.username if bridge.engine.account else ""
        self.remove_buttons: dict[str, QPushButton] = {}
        self._busy = False
        self._gone = False
        self._request = False
        self.setWindowTitle("Conversation details")
        self.setMinimumWidth(440)
        self.heading = QLabel()
        self.heading.setFont(scaled_font(self.font(), 1.3, bold=True))
        self.heading.setWordWrap(True)
        self.count = QLabel()
        self.count.setEnabled(False)
        self.title = QLineEdit()
        self.title.setMaxLength(MAX_TITLE_CHARS)
        self.title.textChanged.connect(self._enable)
        self.title.returnPressed.connect(self.rename)
        self.rename_button = QPushButton("Rename")
        self.rename_button.setAutoDefault(False)
        self.rename_button.clicked.connect(self.rename)
        self.rows = QVBoxLayout()
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.rows.setSpacing(2)
        self.add_button = QPushButton("Add people…")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self._show_add)
        self.usernames = QLineEdit()
        self.usernames.setPlaceholderText("usernames, separated by commas")
        self.usernames.returnPressed.connect(self.add)
        self.add_confirm = QPushButton("Add")
        self.add_confirm.setAutoDefault(False)
        self.add_confirm.clicked.connect(self.add)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setEnabled(False)
        self.error = error_label(self.palette())
        self.leave_button = QPushButton("Leave conversation")
        self.leave_button.setAutoDefault(False)
        self.leave_button.setStyleSheet(f"QPushButton {{ color: {error_color(self.palette()).name()}; }}")
        self.leave_button.clicked.connect(self.confirm_leave)
        self._lay_out()
        bridge.conversations_changed.connect(self.refresh)
        self.refresh()

    def _lay_out(self) -> None:
        title_row = QHBoxLayout()
        title_row.addWidget(self.title, 1)
        title_row.addWidget(self.rename_button)
        people = QWidget()
        people.setLayout(self.rows)
        self.people = scroll = QScrollArea()
        scroll.setWidget(people)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.StyledPanel)
        self.add_row = QWidget()
        add_layout = QHBoxLayout(self.add_row)
        add_layout.setContentsMargins(0, 0, 0, 0)
        add_layout.addWidget(self.usernames, 1)
        add_layout.addWidget(self.add_confirm)
        self.add_row.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAutoDefault(False)  # Enter belongs to the field it is typed in (Rename, Add), Esc closes
        close.setDefault(False)
        buttons.addButton(self.leave_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.count)
        layout.addSpacing(8)
        layout.addWidget(_caption("Title"))
        layout.addLayout(title_row)
        layout.addSpacing(8)
        layout.addWidget(_caption("People"))
        layout.addWidget(scroll, 1)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.add_row)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addSpacing(8)
        layout.addWidget(buttons)

    # -- what it shows -------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the conversation as the local database has it now."""
        conversation = self.bridge.engine.db.conversations.get(self.conversation_id)
        if conversation is None:
            self._gone = True
            self.note.setText("You're no longer in this conversation.")
            self._enable()
            return
        self.heading.setText(conversation_title(conversation.title, conversation.members, self.me))
        n = len(conversation.members)
        self.count.setText(f"{n} {'person' if n == 1 else 'people'}")
        if not self.title.hasFocus() or not self.title.isModified():
            self.title.setText(conversation.title)
            self.title.setModified(False)
        self.title.setPlaceholderText(conversation_title("", conversation.members, self.me))
        self._show_members(conversation.members)
        if conversation.is_request != self._request:  # (else the note says how the last change went)
            self._request = conversation.is_request
            self.note.setText("Accept this conversation to change its title or people." if self._request else "")
        self._enable()

    def _show_members(self, usernames: tuple[str, ...]) -> None:
        while (item := self.rows.takeAt(0)) is not None:
            if (widget := item.widget()) is not None:
                widget.deleteLater()
        self.remove_buttons.clear()
        ordered = sorted(usernames, key=lambda name: (name != self.me, name))
        for name in ordered:
            row, remove = _member_row(name, you=name == self.me)
            if remove is not None:
                remove.clicked.connect(lambda _checked=False, name=name: self.confirm_remove(name))
                self.remove_buttons[name] = remove
            self.rows.addWidget(row)
            row_height = row.sizeHint().height()
        self.rows.addStretch(1)
        if ordered:  # up to SHOWN_ROWS people in sight without scrolling
            frame = 2 * self.people.frameWidth() + self.rows.spacing() * min(len(ordered), SHOWN_ROWS)
            self.people.setMinimumHeight(min(len(ordered), SHOWN_ROWS) * row_height + frame)

    def _enable(self) -> None:
        can_change = not (self._busy or self._gone or self._request)
        current = self.bridge.engine.db.conversations.get(self.conversation_id)
        changed = current is not None and self.title.text().strip() != current.title
        self.title.setEnabled(can_change)
        self.rename_button.setEnabled(can_change and changed)
        for widget in (self.add_button, self.usernames, self.add_confirm, *self.remove_buttons.values()):
            widget.setEnabled(can_change)
        self.leave_button.setEnabled(not (self._busy or self._gone))

    # -- changes -------------------------------------------------------------------------------------
    def rename(self) -> None:
        title = self.title.text()

        def renamed() -> None:
            self.title.setModified(False)
            self.refresh()

        if self.rename_button.isEnabled():
            self._change(lambda engine: members.rename(engine, self.conversation_id, title),
                         "Renamed." if title.strip() else "The title is cleared: the members' names show instead.",
                         after=renamed)

    def _show_add(self) -> None:
        self.add_row.show()
        self.usernames.setFocus()

    def add(self) -> None:
        names = members.usernames_in(self.usernames.text())
        if not names:
            self._say("Type the username of someone to add.", error=True)
            return
        done = f"Added {', '.join(display_name(n) for n in names)}."
        self._change(lambda engine: members.add_members(engine, self.conversation_id, names), done,
                     after=lambda: self.usernames.clear())

    def confirm_remove(self, username: str) -> QMessageBox:
        """Ask before taking someone out: they stop seeing the conversation, its past included."""
        name = display_name(username)
        def remove() -> None:
            self._change(lambda engine: members.remove_member(engine, self.conversation_id, username),
                         f"Removed {name}.")

        return _question(self, f"Remove {name}?", f"Remove {name} from “{self.heading.text()}”?",
                         f"{name} stops seeing this conversation, its earlier messages and files too. "
                         "Anyone in it can add them back.", "Remove", remove)

    def confirm_leave(self) -> QMessageBox:
        """Ask before leaving: it goes from this computer, and only someone in it can bring the user back."""
        title = self.heading.text()

        def left(_result: object) -> None:
            self.left.emit(self.conversation_id, f"You left “{title}”.")
            self.accept()

        def leave() -> None:
            self._run(lambda: members.leave(self.bridge.engine, self.conversation_id), left)

        return _question(self, "Leave conversation", f"Leave “{title}”?",
                         "It disappears from this computer with its messages and files. You can come back "
                         "only if someone in it adds you again.", "Leave", leave)

    def _change(self, call: Callable[..., object], sentence: str, *, after: Callable[[], None] | None = None) -> None:
        engine = self.bridge.engine

        def done(_result: object) -> None:
            self._say(sentence)
            if after is not None:
                after()

        self._run(lambda: call(engine), done)

    def _run(self, call: Callable[[], object], done: Callable[[object], None]) -> None:
        self._busy = True
        self._enable()
        self.error.hide()

        def finished(result: object) -> None:
            self._busy = False
            done(result)
            self._enable()

        def failed(sentence: str) -> None:
            self._busy = False
            self._say(sentence, error=True)
            self._enable()

        self.bridge.run(call, finished, failed)

    def _say(self, sentence: str, *, error: bool = False) -> None:
        if error:
            self.error.setText(sentence)
            self.error.show()
        else:
            self.error.hide()
            self.note.setText(sentence)


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setFont(scaled_font(label.font(), 1.0, bold=True))
    return label


def _member_row(username: str, *, you: bool) -> tuple[QWidget, QPushButton | None]:
    """A person's row: a coloured initial, the name ("you" marked), and Remove for anyone but the user."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(6, 3, 6, 3)
    avatar = QLabel(display_name(username)[:1].upper())
    avatar.setFixedSize(AVATAR_PX, AVATAR_PX)
    avatar.setAlignment(Qt.AlignmentFlag.AlignCenter)
    avatar.setStyleSheet(f"background: {avatar_color(username).name()}; color: white; font-weight: bold;"
                         f" border-radius: {AVATAR_PX // 2}px;")
    layout.addWidget(avatar)
    layout.addWidget(QLabel(f"{display_name(username)} (you)" if you else display_name(username)), 1)
    if you:
        return row, None
    remove = QPushButton("Remove")
    remove.setAutoDefault(False)
    remove.setToolTip(f"Take {display_name(username)} out of this conversation")
    layout.addWidget(remove)
    return row, remove


def _question(parent: QWidget, window_title: str, text: str, detail: str, verb: str,
              confirmed: Callable[[], None]) -> QMessageBox:
    """A window-modal question whose default is Cancel; ``confirmed`` runs when ``verb`` is pressed."""
    box = QMessageBox(QMessageBox.Icon.Question, window_title, text, QMessageBox.StandardButton.Cancel, parent)
    box.setInformativeText(detail)
    confirm = box.addButton(verb, QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)

    def answered() -> None:
        if box.clickedButton() is confirm:
            confirmed()

    box.finished.connect(answered)
    box.finished.connect(box.deleteLater)  # (WA_DeleteOnClose on a box crashed in ~QObject on PySide 6.11)
    box.open()
    return box
