"""The two ways out of Envelope into a folder: Save selected… / Save all… in the gallery, and Export conversation…"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from desktop.core.db.records import Attachment
from desktop.core.export.bulk import conversation_media, save_attachments
from desktop.core.export.conversation import export_conversation
from desktop.core.export.copyout import Outcome, ProgressCallback
from desktop.core.names import title_of
from desktop.ui.bridge import EngineBridge
from desktop.ui.export.dialog import CopyDialog, files_text
from sync.protocol import Kind


def choose_folder(parent: QWidget | None, caption: str, where: QStandardPaths.StandardLocation) -> Path | None:
    """Ask for a folder, starting in ``where`` (Pictures, Documents…); None when the person cancels."""
    start = QStandardPaths.writableLocation(where) or str(Path.home())
    folder = QFileDialog.getExistingDirectory(parent, caption, start)
    return Path(folder) if folder else None


def lasting_window(widget: QWidget) -> QWidget:
    """The window a progress window belongs to: the main window, not a dialog that may close (and be
    deleted, taking its children) before the copy-out ends, as the gallery does on a double-click."""
    window = widget.window()
    while isinstance(window, QDialog) and window.parentWidget() is not None:
        window = window.parentWidget().window()
    return window


def _show(dialog: CopyDialog) -> CopyDialog:
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def save_selected(parent: QWidget, bridge: EngineBridge, attachments: Sequence[Attachment]) -> CopyDialog | None:
    """Ask for a folder and save these attachments there, with a progress window (returned)."""
    folder = choose_folder(parent, f"Save {files_text(len(attachments))} to a folder",
                           QStandardPaths.StandardLocation.PicturesLocation)
    if folder is None:
        return None
    engine, chosen = bridge.engine, list(attachments)

    def job(progress: ProgressCallback, cancel: threading.Event) -> Outcome:
        return save_attachments(engine, folder, chosen, progress=progress, cancel=cancel)

    return _show(CopyDialog(job, title="Save to folder", heading=f"Saving {files_text(len(chosen))} in {folder}…",
                            done="Saved {files} in {folder}.", folder=folder, parent=lasting_window(parent)))


def save_all(parent: QWidget, bridge: EngineBridge, conversation_id: str, kinds: Sequence[Kind],
             what: str) -> CopyDialog | None:
    """Ask for a folder and save every attachment of ``kinds`` in the conversation there (``what``: "photos
    and videos"), including those the gallery has not scrolled to yet."""
    folder = choose_folder(parent, f"Save all {what} to a folder", QStandardPaths.StandardLocation.PicturesLocation)
    if folder is None:
        return None
    engine = bridge.engine

    def job(progress: ProgressCallback, cancel: threading.Event) -> Outcome:
        items = conversation_media(engine, conversation_id, kinds)
        return save_attachments(engine, folder, [i.attachment for i in items], progress=progress, cancel=cancel)

    return _show(CopyDialog(job, title="Save to folder", heading=f"Saving all {what} in {folder}…",
                            done="Saved {files} in {folder}.", folder=folder, parent=lasting_window(parent)))


def export(parent: QWidget, bridge: EngineBridge, conversation_id: str) -> CopyDialog | None:
    """Ask for a folder and export the conversation into a folder of its own there (Export conversation…)."""
    title = title_of(bridge.engine, conversation_id)
    folder = choose_folder(parent, f"Export {title} to a folder", QStandardPaths.StandardLocation.DocumentsLocation)
    if folder is None:
        return None
    engine = bridge.engine

    def job(progress: ProgressCallback, cancel: threading.Event) -> Outcome:
        return export_conversation(engine, conversation_id, folder, progress=progress, cancel=cancel)

    return _show(CopyDialog(job, title="Export conversation", heading=f"Exporting {title}…",
                            done="Exported to {folder}.", folder=folder, parent=lasting_window(parent)))
