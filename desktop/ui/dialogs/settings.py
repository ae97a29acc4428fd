"""Settings: account, auto-download, photo compression; storage (the storage view, cache limit and use);
offline pins, watched folders."""

from __future__ import annotations

import enum
from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSpacerItem,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.names import display_name, title_of
from desktop.core.units import GB, MB, size_text
from desktop.ui.bridge import EngineBridge
from desktop.ui.dialogs.server_storage import ServerStorage
from desktop.ui.dialogs.sign_out import ask_to_sign_out
from desktop.ui.storage.view import StorageView
from desktop.ui.style.theme import error_color, scaled_font

EVICT_DELAY_MS = 800
"""After the cache limit changes, eviction waits this long for the user to stop typing."""
QUESTION_WIDTH = 440
WIDTH = 640
"""The watched-folder question is at least this wide: its title bar reads "Watched folder — Envelope"."""


class Roles(enum.IntEnum):
    """What the pinned and watched-folder list items carry."""

    CONVERSATION_ID = Qt.ItemDataRole.UserRole + 1
    PATH = enum.auto()


def list_height(view: QListWidget, *, rows: int) -> int:
    """A list just tall enough for ``rows`` rows of text."""
    return rows * (view.fontMetrics().height() + 6) + 2 * view.frameWidth() + 4


class SettingsDialog(QDialog):
    """Every change is saved at once; Close just closes. Slow work runs through ``bridge.run``."""

    def __init__(self, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.engine = bridge.engine
        self.setWindowTitle("Settings")

        self.tabs = QTabWidget(self)  # two pages, each short enough for any screen: nothing scrolls
        self.tabs.setDocumentMode(True)
        self.pages: list[QFormLayout] = []
        self.form = self._page("General")  # the form being built
        self._build_account()
        self._build_behaviour()
        self.form = self._page("Storage")
        self._build_storage()
        self.form = self._page("Conversations")
        self._build_pinned()
        self._build_folders()
        for form in self.pages:  # a page shorter than the tallest keeps its rows together at the top
            form.addItem(QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding))

        self.message = QLabel(self)
        self.message.setWordWrap(True)
        palette = self.message.palette()
        palette.setColor(QPalette.ColorRole.WindowText, error_color(palette))
        self.message.setPalette(palette)
        self.message.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        for button in self.findChildren(QPushButton):  # Enter closes; no other button answers it
            button.setAutoDefault(button is close)
        close.setDefault(True)
        close.setFocus(Qt.FocusReason.OtherFocusReason)
        footer = QHBoxLayout()
        footer.setContentsMargins(24, 8, 16, 16)
        footer.addWidget(self.message, 1)
        footer.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(footer)
        self.resize(WIDTH, self.sizeHint().height())

        self.evict_timer = QTimer(self)
        self.evict_timer.setSingleShot(True)
        self.evict_timer.setInterval(EVICT_DELAY_MS)
        self.evict_timer.timeout.connect(self.evict_now)
        bridge.conversations_changed.connect(self._conversations_changed)
        bridge.connection_changed.connect(lambda _state, _detail: self.refresh_account())
        bridge.blob_ready.connect(lambda _sha: self.refresh_usage())
        self.refresh()

    # -- building ----------------------------------------------------------------------------------
    def _page(self, title: str) -> QFormLayout:
        page = QWidget(self.tabs)
        form = QFormLayout(page)
        form.setContentsMargins(28, 20, 28, 20)
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(14)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.tabs.addTab(page, title)
        self.pages.append(form)
        return form

    def _heading(self, title: str) -> None:
        heading = QLabel(title, self)
        heading.setFont(scaled_font(self.font(), 1.15, bold=True))
        if self.form.rowCount():
            heading.setContentsMargins(0, 18, 0, 0)
        self.form.addRow(heading)

    def _note(self, text: str) -> None:
        label = QLabel(text, self)
        label.setWordWrap(True)
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.form.addRow(label)

    @staticmethod
    def _beside(*widgets: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        for widget in widgets:
            row.addWidget(widget)
        row.addStretch(1)
        return row

    def _build_account(self) -> None:
        self._heading("Account")
        self.server_url = QLineEdit(self)
        self.server_url.setReadOnly(True)
        self.server_url.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.username = QLabel(self)
        self.username.setMinimumWidth(160)
        self.sign_out_button = QPushButton("Sign out", self)
        self.sign_out_button.clicked.connect(self.sign_out)
        self.form.addRow("Server:", self.server_url)
        self.form.addRow("Signed in as:", self._beside(self.username, self.sign_out_button))
        self.server_storage = ServerStorage(self.bridge, self)
        self.form.addRow("Stored on server:", self.server_storage)
        self._note("Signing out keeps your messages and media on this computer.")

    def _build_storage(self) -> None:
        self._heading("On this computer")
        self.storage = StorageView(self.bridge, self)
        self.storage.changed.connect(self.refresh_usage)
        self.storage.changed.connect(self.refresh_pinned)  # clearing a conversation kept offline unticks it
        self.form.addRow(self.storage.overview)
        self.cache_limit = QDoubleSpinBox(self)
        self.cache_limit.setRange(0.1, 4096.0)
        self.cache_limit.setDecimals(1)
        self.cache_limit.setSingleStep(0.5)
        self.cache_limit.setSuffix(" GB")
        self.cache_limit.setMinimumWidth(120)
        self.cache_limit.valueChanged.connect(self._cache_limit_changed)
        self.usage = QLabel(self)
        self.usage.setMinimumWidth(160)
        self.clear_button = QPushButton("Clear cache", self)
        self.clear_button.clicked.connect(self.clear_cache)
        self.form.addRow("Keep media up to:", self._beside(self.cache_limit))
        self.form.addRow("In use:", self._beside(self.usage, self.clear_button))
        self._note("Older media is removed first and downloads again when you open it. Thumbnails, "
                   "files waiting to be sent and conversations kept offline are never removed.")
        self.form.addRow(self.storage)

    def _build_behaviour(self) -> None:
        self._heading("Downloads, sending and notifications")
        self.auto_download = QSpinBox(self)
        self.auto_download.setRange(0, 4096)
        self.auto_download.setSuffix(" MB")
        self.auto_download.setSpecialValueText("Never")
        self.auto_download.setMinimumWidth(120)
        self.auto_download.valueChanged.connect(
            lambda mb: self._set("auto_download_max_bytes", int(mb) * MB))
        self.compress = QCheckBox("Compress photos (up to 2560 px, location removed)", self)
        self.compress.toggled.connect(lambda on: self._set("compress_photos", bool(on)))
        self.notifications = QCheckBox("Notify me when a message arrives", self)
        self.notifications.toggled.connect(lambda on: self._set("notifications", bool(on)))
        self.form.addRow("Download photos up to:", self._beside(self.auto_download))
        self.form.addRow("Sending:", self.compress)
        self.form.addRow("Notifications:", self.notifications)

    def _build_pinned(self) -> None:
        self._heading("Available offline")
        self._note("Every photo, video and file of the ticked conversations is downloaded and kept, "
                   "whatever the cache limit.")
        self.pinned = QListWidget(self)
        self.pinned.setFixedHeight(list_height(self.pinned, rows=5))
        self.pinned.itemChanged.connect(self._pinned_changed)
        self.form.addRow(self.pinned)

    def _build_folders(self) -> None:
        self._heading("Watched folders")
        self._note("Files dropped into a watched folder are sent to its conversation.")
        self.folders = QListWidget(self)
        self.folders.setFixedHeight(list_height(self.folders, rows=4))
        self.folders.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.add_folder_button = QPushButton("Add folder…", self)
        self.add_folder_button.clicked.connect(self.choose_folder)
        self.remove_folder_button = QPushButton("Remove", self)
        self.remove_folder_button.clicked.connect(self.remove_selected_folder)
        self.folders.itemSelectionChanged.connect(
            lambda: self.remove_folder_button.setEnabled(bool(self.folders.selectedItems())))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.add_folder_button)
        buttons.addWidget(self.remove_folder_button)
        self.form.addRow(self.folders)
        self.form.addRow(buttons)

    # -- reading the current state -----------------------------------------------------------------
    def refresh(self) -> None:
        settings = self.engine.db.settings
        for widget in (self.cache_limit, self.auto_download, self.compress, self.notifications):
            widget.blockSignals(True)
        self.cache_limit.setValue(int(settings.get("cache_limit_bytes")) / GB)
        self.auto_download.setValue(round(int(settings.get("auto_download_max_bytes")) / MB))
        self.compress.setChecked(bool(settings.get("compress_photos")))
        self.notifications.setChecked(bool(settings.get("notifications")))
        for widget in (self.cache_limit, self.auto_download, self.compress, self.notifications):
            widget.blockSignals(False)
        self.refresh_account()
        self.refresh_usage()
        self.refresh_pinned()
        self.refresh_folders()

    def refresh_account(self) -> None:
        if not shiboken6.isValid(self):
            return
        account = self.engine.account
        signed_in = account is not None and bool(account.token)
        self.server_url.setText(account.server_url if account else "")
        if account is None:
            self.username.setText("Not signed in")
        else:
            name = display_name(account.username)
            self.username.setText(name if signed_in else f"{name} (signed out)")
        self.sign_out_button.setEnabled(signed_in)
        self.server_storage.refresh()

    def refresh_usage(self, _result: object = None) -> None:
        if not shiboken6.isValid(self):
            return
        used, limit = self.engine.cache.usage(), int(self.engine.db.settings.get("cache_limit_bytes"))
        self.usage.setText(f"{size_text(used)} of {size_text(limit)}")
        self.clear_button.setEnabled(used > 0)
        self.storage.refresh()

    def refresh_pinned(self) -> None:
        self.pinned.blockSignals(True)
        self.pinned.clear()
        for summary in self.engine.db.conversations.summaries():
            conversation = summary.conversation
            item = QListWidgetItem(title_of(self.engine, conversation.id), self.pinned)
            item.setData(Roles.CONVERSATION_ID, conversation.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if conversation.pinned_offline else Qt.CheckState.Unchecked)
        self.pinned.blockSignals(False)

    def refresh_folders(self, _result: object = None) -> None:
        if not shiboken6.isValid(self):
            return
        self.folders.clear()
        for folder in self.engine.db.watched.folders():
            title = title_of(self.engine, folder.conversation_id)
            item = QListWidgetItem(f"{folder.path}   →   {title}", self.folders)
            item.setData(Roles.PATH, folder.path)
            item.setData(Roles.CONVERSATION_ID, folder.conversation_id)
        self.remove_folder_button.setEnabled(bool(self.folders.selectedItems()))

    def _conversations_changed(self) -> None:
        self.refresh_pinned()
        self.refresh_folders()
        self.storage.refresh()  # titles, and which are kept offline

    # -- acting ------------------------------------------------------------------------------------
    def sign_out(self) -> None:
        """Ask first (Cancel is the default); messages and media stay either way."""
        account = self.engine.account
        self.sign_out_question = ask_to_sign_out(self, account.username if account else "", self._sign_out_now)

    def _sign_out_now(self) -> None:
        if not shiboken6.isValid(self):
            return
        self.sign_out_button.setEnabled(False)
        self.bridge.run(self.engine.sign_out, on_done=lambda _: self.refresh_account(), on_error=self._error)

    def _set(self, key: str, value: object, then: Callable[[object], None] | None = None) -> None:
        """Store a setting off the GUI thread (which never writes the database)."""
        self.bridge.run(lambda: self.engine.db.settings.set(key, value), on_done=then, on_error=self._error)

    def _cache_limit_changed(self, gigabytes: float) -> None:
        self._set("cache_limit_bytes", round(gigabytes * GB), self.refresh_usage)
        self.evict_timer.start()

    def evict_now(self) -> None:
        """Apply the cache limit now (it also applies when the timer after an edit fires)."""
        self.evict_timer.stop()
        if self.bridge.closed:  # the app is quitting: the limit applies at the next start
            return
        self.bridge.run(self.engine.cache.evict, on_done=self.refresh_usage, on_error=self._error)

    def clear_cache(self) -> None:
        """Ask first, saying what will need downloading again; the user's own sent files stay."""
        from PySide6.QtWidgets import QMessageBox

        from desktop.core.units import size_text

        clearable = self.engine.cache.clearable()
        buttons = QMessageBox.StandardButton.Cancel if clearable else QMessageBox.StandardButton.Close
        box = self.clear_question = QMessageBox(QMessageBox.Icon.Question, "Clear cache", "", buttons, self)
        kept = ("Your own sent files, files waiting to be sent, thumbnails and conversations kept offline "
                "are not removed.")
        if clearable:
            count, size = len(clearable), size_text(sum(r.size or 0 for r in clearable))
            box.setText(f"Remove {count} downloaded {'file' if count == 1 else 'files'} ({size}) from this computer?")
            box.setInformativeText(f"The photos, videos and files stay in their conversations but will need "
                                   f"downloading again when you open them. {kept}")
            clear = box.addButton("Clear cache", QMessageBox.ButtonRole.DestructiveRole)
            box.setDefaultButton(QMessageBox.StandardButton.Cancel)
            box.buttonClicked.connect(lambda button: self._clear_now() if button == clear else None)
        else:
            box.setText("There are no downloaded files to remove.")
            box.setInformativeText(kept)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()

    def _clear_now(self) -> None:
        self.clear_button.setEnabled(False)
        self.bridge.run(self.engine.cache.clear, on_done=self.refresh_usage, on_error=self._error)

    def _pinned_changed(self, item: QListWidgetItem) -> None:
        cid, pinned = item.data(Roles.CONVERSATION_ID), item.checkState() == Qt.CheckState.Checked
        self.bridge.run(lambda: self.engine.set_pinned_offline(cid, pinned),
                        on_done=lambda _: self.storage.refresh(), on_error=self._error)

    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Choose a folder to watch")
        if path:
            self.ask_conversation_for(Path(path))

    def ask_conversation_for(self, folder: Path) -> None:
        """Ask (without blocking) which conversation gets the files dropped into ``folder``, then watch it."""
        summaries = self.engine.db.conversations.summaries()
        if not summaries:
            self._error("Start a conversation first: a watched folder sends its files to one.")
            return
        ids = [s.conversation.id for s in summaries]
        if len(ids) == 1:
            self.add_folder(folder, ids[0])
            return
        titles = [title_of(self.engine, cid) for cid in ids]
        question = self.folder_question = QInputDialog(self)
        question.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        question.setWindowTitle("Watched folder")
        question.setLabelText(f"Send files dropped into “{folder.name}” to:")
        question.setComboBoxItems(titles)
        question.setComboBoxEditable(False)
        question.textValueSelected.connect(lambda title: self.add_folder(folder, ids[titles.index(title)]))
        question.open()
        question.resize(max(QUESTION_WIDTH, question.width()), question.height())  # room for the title bar

    def add_folder(self, path: Path, conversation_id: str) -> None:
        """Watch ``path`` for new files to send to the conversation."""
        self.bridge.run(lambda: self.engine.watch_folder(path, conversation_id),
                        on_done=self.refresh_folders, on_error=self._error)

    def remove_selected_folder(self) -> None:
        for item in self.folders.selectedItems():
            path = Path(item.data(Roles.PATH))
            self.bridge.run(lambda p=path: self.engine.unwatch_folder(p),
                            on_done=self.refresh_folders, on_error=self._error)

    def done(self, result: int) -> None:
        if self.evict_timer.isActive():  # closed right after changing the limit
            self.evict_now()
        super().done(result)

    def _error(self, sentence: str) -> None:
        if shiboken6.isValid(self):
            self.message.setText(sentence)
            self.message.setVisible(bool(sentence))
            self.refresh_account()
            self.refresh_usage()
