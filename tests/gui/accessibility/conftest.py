"""Reading what screen readers read: Qt's accessibility interface of a list view, row by row."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QWidget


@pytest.fixture(autouse=True)
def screen_reader() -> Iterator[None]:
    """Qt's accessibility switched on, as when a screen reader listens: views then tell it (and its cache of
    items) about every row that comes or goes, and announcements go out."""
    QAccessible.setActive(True)
    try:
        yield
    finally:
        QAccessible.setActive(False)


def read_rows(view: QWidget) -> list[tuple[str, str]]:
    """(name, description) of each item of ``view``, as Qt's accessibility interface gives them to a screen reader."""
    iface = QAccessible.queryAccessibleInterface(view)
    assert iface is not None and iface.role() == QAccessible.Role.List
    rows = []
    for i in range(iface.childCount()):
        child = iface.child(i)
        assert child.role() == QAccessible.Role.ListItem
        rows.append((child.text(QAccessible.Text.Name), child.text(QAccessible.Text.Description)))
    return rows
