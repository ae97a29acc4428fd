"""A question the window asks without blocking: one action and a way out, window-modal, shown at once."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def offer(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str, detail: str, *,
          action: str, on_action: Callable[[], None], dismiss: QMessageBox.StandardButton,
          safe_default: bool = False) -> QMessageBox:
    """A box offering ``action`` (``on_action`` runs only when it is clicked) beside ``dismiss``.

    The action is the default button, unless ``safe_default``: then ``dismiss`` is, for Enter and Esc.
    """
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setInformativeText(detail)
    action_button = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    dismiss_button = box.addButton(dismiss)
    box.setDefaultButton(dismiss_button if safe_default else action_button)
    if safe_default:
        box.setEscapeButton(dismiss_button)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.buttonClicked.connect(lambda button: on_action() if button == action_button else None)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.open()
    return box
