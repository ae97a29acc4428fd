"""Every sample media file in the repo has a row in its folder's licence table, and every row has its file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.samples import FOLDERS


def licence_rows(folder: Path) -> set[str]:
    """The file names in the first column of the README's table."""
    rows = set()
    for line in (folder / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 3 and "/" in cells[0]:
            rows.add(cells[0])
    return rows


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda folder: folder.parent.name)
def test_each_sample_has_its_licence_row(folder: Path) -> None:
    files = {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}
    files.discard("README.md")
    assert files, f"no sample media in {folder}"
    assert licence_rows(folder) == files


def test_no_sample_is_kept_twice() -> None:
    shipped, test_only = ({p.relative_to(f).as_posix() for p in f.rglob("*") if p.is_file()} for f in FOLDERS)
    assert shipped & test_only == {"README.md"}
