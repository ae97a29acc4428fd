"""A conversation's gallery: a grid of its photos and videos and a list of its files, offline too."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QLabel,
    QListView,
    QStackedWidget,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.names import conversation_title
from desktop.ui.bridge import EngineBridge
from desktop.ui.gallery.delegate import FileRowDelegate, MediaCellDelegate
from desktop.ui.gallery.model import MediaModel, Roles
from desktop.ui.media.thumbnails import ThumbnailCache
from desktop.ui.viewer.viewer import MediaViewer

CELL_TARGET = 150
"""Cells are about this wide; the grid picks how many fit and stretches them to fill each row."""
MEDIA_KINDS = ("image", "video")
FILE_KINDS = ("file", "audio")


class MediaGrid(QListView):
    """Square cells in rows that always fill the width (no ragged gap on the right)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
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
    audio clip to jump to its message.

    Signals:
        message_chosen(message_id): show this message in the timeline.
    """

    message_chosen = Signal(int)

    def __init__(self, bridge: EngineBridge, conversation_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.conversation_id = conversation_id
        self.viewer: MediaViewer | None = None
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
        self.files.activated.connect(self.choose_file)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.media_page = self._page(self.grid, "No photos or videos in this conversation yet.")
        self.files_page = self._page(self.files, "No files or voice notes in this conversation yet.")
        self.tabs.addTab(self.media_page, "Media")
        self.tabs.addTab(self.files_page, "Files")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.tabs)

        bridge.blob_ready.connect(self.thumbnails.blob_ready)
        self.thumbnails.ready.connect(lambda _sha: self.grid.viewport().update())
        for model, page in ((self.media_model, self.media_page), (self.file_model, self.files_page)):
            model.rowsInserted.connect(lambda *_, m=model, p=page: self._show_empty(m, p))
            if model.canFetchMore():
                model.fetchMore()
            self._show_empty(model, page)

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

    def choose_file(self, index: QModelIndex) -> None:
        message_id = index.data(Roles.MESSAGE_ID)
        if message_id is not None:
            self.message_chosen.emit(int(message_id))
            self.accept()
