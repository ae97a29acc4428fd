"""Received file names are cleaned into one safe last path part, whatever the sender wrote."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sync.filenames import MAX_NAME_BYTES, clean_filename, path_inside

HOSTILE = {
    "../../.bashrc": "bashrc",
    "/etc/passwd": "passwd",
    "a\x00b": "ab",
    "..\\..\\Windows\\System32\\evil.dll": "evil.dll",
    "C:\\Users\\bob\\x.txt": "x.txt",
    "..": "file",
    ".": "file",
    " . ": "file",
    ". .hidden": "hidden",
    "trail.exe. . ": "trail.exe",
    "CON.txt": "_CON.txt",
    "con": "_con",
    "Lpt1.tar.gz": "_Lpt1.tar.gz",
    "NUL .txt": "_NUL .txt",
    "COM¹.log": "_COM¹.log",
    "console.txt": "console.txt",
    "line\nbreak\r.txt": "linebreak.txt",
    "evil\u202egpj.exe": "evilgpj.exe",
    "zero\u200bwidth.pdf": "zerowidth.pdf",
    "tab\there.txt": "tabhere.txt",
}


@pytest.mark.parametrize(("raw", "clean"), sorted(HOSTILE.items()))
def test_a_hostile_name_becomes_one_plain_name(raw: str, clean: str) -> None:
    assert clean_filename(raw) == clean


@pytest.mark.parametrize("raw", sorted(HOSTILE))
def test_a_hostile_name_is_never_a_path_nor_hidden(raw: str) -> None:
    name = clean_filename(raw)
    assert name and "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith(".") and name not in (".", "..")


def test_a_long_name_of_wide_characters_fits_a_file_system_and_keeps_its_extension() -> None:
    name = clean_filename("😀" * 190 + ".jpg")
    assert name.endswith("😀.jpg") and len(name.encode()) <= MAX_NAME_BYTES
    assert clean_filename("a" * 1000 + ".pdf") == "a" * 196 + ".pdf"


def test_a_path_for_a_received_name_stays_in_its_folder(tmp_path: Path) -> None:
    for raw in HOSTILE:
        target = path_inside(tmp_path, raw)
        assert target.parent == tmp_path
    assert path_inside(tmp_path, "../../.bashrc") == tmp_path / "bashrc"


def test_a_link_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    folder = tmp_path / "folder"
    folder.mkdir()
    os.symlink(outside / "x.txt", folder / "x.txt")
    with pytest.raises(ValueError, match="inside"):
        path_inside(folder, "x.txt")
