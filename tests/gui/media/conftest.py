"""Fixtures for opening and saving received files.

``save_dialog`` -> SaveDialog
    Stands in for the system's Save dialog (``file_actions.QFileDialog``) with a ``Downloads`` folder
    under ``tmp_path``: it records each suggested path and answers with that name in its folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from desktop.ui.media import file_actions


class SaveDialog:
    """Stands in for the system's Save dialog: records what it suggested and answers with a path."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.suggested: list[str] = []

    def getSaveFileName(self, _parent: Any, _caption: str, suggested: str) -> tuple[str, str]:
        self.suggested.append(suggested)
        return str(self.folder / Path(suggested).name), ""


@pytest.fixture
def save_dialog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SaveDialog:
    folder = tmp_path / "Downloads"
    folder.mkdir()
    dialog = SaveDialog(folder)
    monkeypatch.setattr(file_actions, "QFileDialog", dialog)
    return dialog
