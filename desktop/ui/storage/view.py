"""The storage view: the overview, conversations by size with Clear media, the largest items with Remove.

Settings places ``overview`` above its cache limit and the view itself under it. Everything is read
off the GUI thread (``bridge.read``) and every removal runs through ``bridge.run``.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from desktop.core import storage
from desktop.core.units import size_text
from desktop.ui.bridge import EngineBridge
from desktop.ui.storage import snapshot
from desktop.ui.storage.overview import StorageOverview
from desktop.ui.storage.rows import ConversationRow, ItemRow, RowList
from desktop.ui.style.theme import scaled_font
from sync.blobstore import Blob

REFRESH_DELAY_MS = 150
"""Refreshes asked for in a burst (downloads finishing one after another) read the database once."""


def kept_sentence(plan: storage.ClearPlan) -> str:
    """What stays although asked to go, and why ("" when nothing does)."""
    if not plan.kept:
        return ""
    count = len(plan.kept)
    reasons = sorted({why for _, why in plan.kept})
    words = {"sending": "waiting to be sent", "offline": "kept offline for another conversation",
             "open": "open right now"}
    because = " or ".join(words[why] for why in reasons)
    subject = "1 file" if count == 1 else f"{count} files"
    return f"{subject} ({size_text(plan.kept_bytes)}) {'stays' if count == 1 else 'stay'}: {because}."


class StorageView(QWidget):
    """Conversations by the space their media takes here, and the largest items, each with its action.

    Signals:
        changed(): media was removed; the cache's usage line should be read again.
    """

    changed = Signal()

    def __init__(self, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.engine = bridge.engine
        self.overview = StorageOverview(parent)
        self.conversations = RowList("No conversation has media on this computer.", rows_shown=2.5, parent=self)
        self.items = RowList("No photos, videos or files are on this computer.", rows_shown=3.5, parent=self)
        self.more_button = QPushButton("Show more", self)
        self.more_button.clicked.connect(self.show_more)
        self.more_button.hide()
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.status.hide()
        self.clear_question: QMessageBox | None = None
        self.loaded: snapshot.Snapshot | None = None
        self._generation = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_DELAY_MS)
        self._timer.timeout.connect(self._load)

        footer = QHBoxLayout()
        footer.addWidget(self.status, 1)
        footer.addWidget(self.more_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self._heading("Conversations by size"))
        layout.addWidget(self.conversations)
        layout.addWidget(self._heading("Largest items"))
        layout.addWidget(self.items)
        layout.addLayout(footer)

    def _heading(self, title: str) -> QLabel:
        heading = QLabel(title, self)
        heading.setFont(scaled_font(self.font(), 1.15, bold=True))
        heading.setContentsMargins(0, 12, 0, 0)
        return heading

    # -- reading -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read everything again soon (bursts of asks read once), keeping as many items as are shown."""
        if shiboken6.isValid(self):
            self._timer.start()

    def _load(self) -> None:
        self._generation += 1
        generation, count = self._generation, max(snapshot.PAGE, len(self.items.rows()))
        self.bridge.read(lambda: snapshot.load(self.engine, items=count),
                         on_done=lambda snap: self._show(snap, generation), on_error=self.say)

    def _show(self, snap: snapshot.Snapshot, generation: int) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return  # a later read is on its way
        self.loaded = snap
        self.overview.show_totals(snap.totals, snap.limit)
        rows: list[ConversationRow] = []
        for line in snap.conversations:
            row = ConversationRow(line.usage, line.title)
            row.clear_button.clicked.connect(lambda _=False, r=row: self.ask_to_clear(r))
            rows.append(row)
        self.conversations.set_rows(list(rows))
        self.items.set_rows(list(self._item_rows(snap.items)))
        self.more_button.setVisible(snap.more)

    def _item_rows(self, lines: list[snapshot.ItemLine]) -> list[ItemRow]:
        rows = [ItemRow(line) for line in lines]
        for row in rows:
            row.remove_button.clicked.connect(lambda _=False, r=row: self.remove(r))
        return rows

    def show_more(self) -> None:
        """Add the next page of largest items under those shown."""
        shown = self.items.rows()
        after = shown[-1].item.page_key if shown and isinstance(shown[-1], ItemRow) else None
        generation = self._generation
        self.more_button.setEnabled(False)

        def add(page: tuple[list[snapshot.ItemLine], bool]) -> None:
            if not shiboken6.isValid(self) or generation != self._generation:
                return
            lines, more = page
            self.items.add_rows(list(self._item_rows(lines)))
            self.more_button.setVisible(more)
            self.more_button.setEnabled(True)

        self.bridge.read(lambda: snapshot.items_after(self.engine, after), on_done=add, on_error=self.say)

    # -- acting ------------------------------------------------------------------------------------
    def ask_to_clear(self, row: ConversationRow) -> None:
        """Work out what would go, then ask (Cancel is the default), saying what stays."""
        cid, title = row.usage.conversation_id, row.title
        self.bridge.read(lambda: storage.plan_clear(self.engine, cid),
                         on_done=lambda plan: self._ask(plan, title), on_error=self.say)

    def _ask(self, plan: storage.ClearPlan, title: str) -> None:
        if not shiboken6.isValid(self):
            return
        buttons = QMessageBox.StandardButton.Cancel if plan.removed else QMessageBox.StandardButton.Close
        box = self.clear_question = QMessageBox(QMessageBox.Icon.Question, "Clear media", "", buttons, self)
        stays = " ".join(s for s in (
            "This conversation is kept offline now; clearing its media stops that." if plan.pinned_offline else "",
            kept_sentence(plan)) if s)
        if plan.removed:
            count = len(plan.removed)
            box.setText(f"Remove {count} {'file' if count == 1 else 'files'} ({size_text(plan.removed_bytes)}) "
                        f"of “{title}” from this computer?")
            box.setInformativeText(" ".join(s for s in (
                "The messages, their text and the previews stay. Photos, videos and files download "
                "again when you open them.", stays) if s))
            clear = box.addButton("Clear media", QMessageBox.ButtonRole.DestructiveRole)
            box.setDefaultButton(QMessageBox.StandardButton.Cancel)
            cid = plan.conversation_id
            box.buttonClicked.connect(lambda button: self._clear_now(cid, title) if button == clear else None)
        else:
            box.setText(f"Nothing of “{title}” can be removed right now.")
            box.setInformativeText(stays or "Its media is not on this computer.")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()

    def _clear_now(self, conversation_id: str, title: str) -> None:
        def done(removed: list[Blob]) -> None:
            self.say(f"Removed {size_text(sum(b.size for b in removed))} of “{title}” from this computer.")
            self._changed()

        self.bridge.run(lambda: storage.clear_media(self.engine, conversation_id), on_done=done, on_error=self.say)

    def remove(self, row: ItemRow) -> None:
        """Remove one item from this computer at once: it downloads again when opened."""
        sha, name = row.item.sha256, row.name
        row.remove_button.setEnabled(False)

        def done(removed: Blob | None) -> None:
            size = f" ({size_text(removed.size)})" if removed is not None else ""
            self.say(f"Removed {name}{size} from this computer; it downloads again when you open it.")
            self._changed()

        def failed(sentence: str) -> None:
            self.say(sentence)
            self.refresh()

        self.bridge.run(lambda: storage.remove_item(self.engine, sha), on_done=done, on_error=failed)

    def _changed(self) -> None:
        if shiboken6.isValid(self):
            self.refresh()
            self.changed.emit()

    def say(self, sentence: str) -> None:
        if shiboken6.isValid(self):
            self.status.setText(sentence)
            self.status.setVisible(bool(sentence))
