"""Asking before signing out: Cancel is the default, so Enter or Escape never signs anyone out."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.core.names import display_name


def ask_to_sign_out(parent: QWidget, username: str, on_confirmed: Callable[[], None]) -> QMessageBox:
    """Open (window-modal, not blocking) the question over ``parent``; ``on_confirmed()`` runs on "Sign out"."""
    box = QMessageBox(parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Sign out")
    box.setText(f"Sign out {display_name(username)}?" if username else "Sign out?")
    box.setInformativeText("Your messages and media stay on this computer. What you write while signed out "
                           "is sent when you sign in again.")
    sign_out = box.addButton("Sign out", QMessageBox.ButtonRole.DestructiveRole)
    sign_out.setAutoDefault(False)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.finished.connect(lambda _result: on_confirmed() if box.clickedButton() is sign_out else None)
    box.open()
    return box
