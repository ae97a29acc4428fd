"""Which received files ask before opening: the pure rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.risky import extension, is_risky, is_risky_file, risk_sentence

RISKY = ["setup.exe", "INSTALL.MSI", "run.bat", "x.cmd", "x.com", "x.scr", "x.ps1", "x.vbs", "x.sh", "x.bash",
         "x.command", "photo.desktop", "x.AppImage", "x.run", "x.bin", "x.jar", "x.apk", "x.deb", "x.rpm", "x.py",
         "x.pyw", "x.pl", "x.rb", "x.js", "x.mjs", "x.jse", "x.wsf", "x.hta", "page.html", "page.HTM", "x.xhtml",
         "drawing.svg", "x.lnk", "x.reg", "x.dmg", "x.pkg", "Tool.app", "photo.jpg.exe", "photo.JPG.Desktop",
         "photo.exe.", "photo.exe  ", "../../evil.sh", "evil\u202egpj.exe", "report.docm"]
SAFE = ["photo.jpg", "photo.exe.jpg", "notes.txt", "movie.mp4", "report.pdf", "archive.zip", "voice.m4a",
        "photo.jpeg"]


@pytest.mark.parametrize("name", RISKY)
def test_a_name_that_can_run_code_asks(name: str) -> None:
    assert is_risky(name)


@pytest.mark.parametrize("name", SAFE)
def test_media_and_documents_open_at_once(name: str) -> None:
    assert not is_risky(name, b"\x7fELF")  # an extension decides; its app opens the bytes as that type


@pytest.mark.parametrize("head", [b"\x7fELF\x02\x01", b"MZ\x90\x00", b"#!/bin/sh\n", b"\xcf\xfa\xed\xfe"])
def test_no_extension_and_program_content_asks(head: bytes) -> None:
    assert is_risky("README", head) and is_risky("installer", head)


def test_no_extension_and_plain_content_opens() -> None:
    assert not is_risky("README", b"Hello th")
    assert not is_risky("README", b"")


def test_the_last_extension_counts_lower_case() -> None:
    assert extension("photo.JPG.Exe") == "exe"
    assert extension("archive") == ""
    assert extension(".bashrc") == ""  # cleaned to "bashrc": no extension


def test_the_file_content_is_read_for_a_name_without_extension(tmp_path: Path) -> None:
    program = tmp_path / "a"
    program.write_bytes(b"\x7fELF" + bytes(100))
    text = tmp_path / "b"
    text.write_bytes(b"just words")
    assert is_risky_file("update", program) and not is_risky_file("update", text)
    assert is_risky_file("update", tmp_path / "missing")


def test_the_question_names_the_file_the_risk_and_the_sender() -> None:
    assert risk_sentence("photo.desktop", "bob") == (
        "photo.desktop can run programs on this computer. Open it only if you trust bob and expected this file.")
    assert risk_sentence("../x.sh", "") == (
        "x.sh can run programs on this computer. Open it only if you expected this file.")
