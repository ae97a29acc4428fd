"""A conversation's gallery: a grid of its photos and videos and a list of its files, offline too."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QStackedWidget,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.db.records import Attachment
from desktop.core.names import conversation_title
from desktop.ui.bridge import EngineBridge
from desktop.ui.export import flows
from desktop.ui.export.dialog import CopyDialog
from desktop.ui.gallery.delegate import FileRowDelegate, MediaCellDelegate
from desktop.ui.gallery.model import MediaModel, Roles
from desktop.ui.media.thumbnails import ThumbnailCache
from desktop.ui.viewer.viewer import MediaViewer
from sync.protocol import Kind

CELL_TARGET = 150
"""Cells are about this wide; the grid picks how many fit and stretches them to fill each row."""
MEDIA_KINDS: tuple[Kind, ...] = ("image", "video")
FILE_KINDS: tuple[Kind, ...] = ("file", "audio")


class MediaGrid(QListView):
    """Square cells in rows that always fill the width (no ragged gap on the right)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.setMouseTracking(True)
        self.setWrapping(True)
        self.setSpacing(0)
        self.viewport().setBackgroundRole(QPalette.ColorRole.Window)  # cells float on the dialog

    def resizeEvent(self, event: QResizeEvent) -> None:
        # the icon layout keeps room for a vertical scroll bar whether or not it shows
        extent = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self)
        width = self.maximumViewportSize().width() - extent - 1
        columns = max(1, round(width / CELL_TARGET))
        side = max(48, width // columns)
        if self.gridSize() != QSize(side, side):
            self.setGridSize(QSize(side, side))
        super().resizeEvent(event)


class GalleryDialog(QDialog):
    """Media and files of one conversation, read from the local database only.

    Double-click (or Enter on) a photo or video to open it in the ``MediaViewer``; on a file or
    audio clip to jump to its message. Ctrl/Shift-click and Ctrl+A select several, which Save
    selected… writes into a folder; Save all… writes every item of the tab, scrolled to or not.

    Signals:
        message_chosen(message_id): show this message in the timeline.
    """

    message_chosen = Signal(int)

    def __init__(self, bridge: EngineBridge, conversation_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.conversation_id = conversation_id
        self.viewer: MediaViewer | None = None
        self.copy_dialog: CopyDialog | None = None  # the last Save… window
        conversation = bridge.engine.db.conversations.get(conversation_id)
        account = bridge.engine.account
        title = ("Unknown conversation" if conversation is None else
                 conversation_title(conversation.title, conversation.members, account.username if account else ""))
        self.setWindowTitle(f"{title} — Media and files")
        self.resize(780, 620)
        self.setSizeGripEnabled(True)

        self.thumbnails = ThumbnailCache(bridge.engine.media_path, parent=self)
        self.media_model = MediaModel(bridge, conversation_id, MEDIA_KINDS, self)
        self.file_model = MediaModel(bridge, conversation_id, FILE_KINDS, self)

        self.grid = MediaGrid(self)
        self.grid.setItemDelegate(MediaCellDelegate(self.thumbnails, self.grid))
        self.grid.setModel(self.media_model)
        self.grid.activated.connect(self.open_media)
        self.files = QListView(self)
        self.files.setItemDelegate(FileRowDelegate(self.files))
        self.files.setModel(self.file_model)
        self.files.setUniformItemSizes(True)
        self.files.setMouseTracking(True)
        self.files.setFrameShape(QListView.Shape.NoFrame)
        self.files.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.files.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.files.activated.connect(self.choose_file)
        self.grid.setAccessibleName("Photos and videos")
        self.files.setAccessibleName("Files and voice notes")

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.media_page = self._page(self.grid, "No photos or videos in this conversation yet.")
        self.files_page = self._page(self.files, "No files or voice notes in this conversation yet.")
        self.tabs.addTab(self.media_page, "Media")
        self.tabs.addTab(self.files_page, "Files")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.tabs)
        layout.addLayout(self._save_bar())

        bridge.blob_ready.connect(self.thumbnails.blob_ready)
        self.thumbnails.ready.connect(lambda _sha: self.grid.viewport().update())
        for model, page in ((self.media_model, self.media_page), (self.file_model, self.files_page)):
            model.rowsInserted.connect(lambda *_, m=model, p=page: self._show_empty(m, p))
            if model.canFetchMore():
                model.fetchMore()
            self._show_empty(model, page)
            model.rowsInserted.connect(self._selection_changed)
        for view in (self.grid, self.files):
            view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.tabs.currentChanged.connect(self._selection_changed)
        self._selection_changed()

    def _save_bar(self) -> QHBoxLayout:
        self.selection_label = QLabel()
        self.selection_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.save_all_button = QPushButton("Save all…")
        self.save_all_button.clicked.connect(self.save_all)
        self.save_selected_button = QPushButton("Save selected…")
        self.save_selected_button.clicked.connect(self.save_selected)
        for button in (self.save_all_button, self.save_selected_button):
            button.setAutoDefault(False)  # Enter in the grid opens the item; it must not press Save too
        bar = QHBoxLayout()
        bar.setContentsMargins(12, 6, 12, 10)
        bar.addWidget(self.selection_label, 1)
        bar.addWidget(self.save_all_button)
        bar.addWidget(self.save_selected_button)
        return bar

    def _page(self, view: QListView, empty_text: str) -> QStackedWidget:
        stack = QStackedWidget(self)
        stack.setContentsMargins(6, 6, 6, 0)
        empty = QLabel(empty_text, stack)
        empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty.setWordWrap(True)
        empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        stack.addWidget(view)
        stack.addWidget(empty)
        return stack

    @staticmethod
    def _show_empty(model: MediaModel, page: QStackedWidget) -> None:
        page.setCurrentIndex(0 if model.rowCount() else 1)

    # -- choosing ----------------------------------------------------------------------------------
    def open_media(self, index: QModelIndex) -> MediaViewer | None:
        """Open the photo or video at ``index`` in the viewer (kept in ``self.viewer``)."""
        sha = index.data(Roles.SHA256)
        if not sha:
            return None
        if self.viewer is not None:
            self.viewer.close()
        self.viewer = MediaViewer(self.bridge, self.conversation_id, sha, self,
                                  message_id=index.data(Roles.MESSAGE_ID))
        self.viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.viewer.destroyed.connect(self._viewer_gone)
        self.viewer.show()
        return self.viewer

    def _viewer_gone(self) -> None:
        self.viewer = None

    # -- saving to a folder --------------------------------------------------------------------------
    def current_view(self) -> QListView:
        return self.grid if self.tabs.currentWidget() is self.media_page else self.files

    def selected_attachments(self) -> list[Attachment]:
        """What is selected in the open tab, in the order shown."""
        view = self.current_view()
        model = view.model()
        assert isinstance(model, MediaModel)
        return [model.item(row).attachment for row in sorted(i.row() for i in view.selectionModel().selectedIndexes())]

    def _selection_changed(self) -> None:
        view = self.current_view()
        count = len(view.selectionModel().selectedIndexes())
        self.selection_label.setText(f"{count:,} selected" if count else
                                     "Ctrl-click or Shift-click to select several, Ctrl+A for all")
        self.save_selected_button.setEnabled(count > 0)
        self.save_all_button.setEnabled(view.model().rowCount() > 0)

    def save_selected(self) -> CopyDialog | None:
        """Ask for a folder and save the selected items there (a progress window shows how it goes)."""
        self.copy_dialog = flows.save_selected(self, self.bridge, self.selected_attachments())
        return self.copy_dialog

    def save_all(self) -> CopyDialog | None:
        """Ask for a folder and save every item of the open tab there."""
        media = self.current_view() is self.grid
        kinds, what = (MEDIA_KINDS, "photos and videos") if media else (FILE_KINDS, "files and voice notes")
        self.copy_dialog = flows.save_all(self, self.bridge, self.conversation_id, kinds, what)
        return self.copy_dialog

    def choose_file(self, index: QModelIndex) -> None:
        message_id = index.data(Roles.MESSAGE_ID)
        if message_id is not None:
            self.message_chosen.emit(int(message_id))
            self.accept()
