"""Names of a copy-out in its folder: hostile names stay inside, names are made unique, a run continues."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.core.export.folder import Folder, NoRoom, Placement
from desktop.core.export.manifest import MANIFEST_NAME


@pytest.fixture
def opened() -> Iterator[Callable[[Path], Folder]]:
    """opened(root), its manifest closed at the end of the test."""
    folders: list[Folder] = []

    def open_folder(root: Path) -> Folder:
        folders.append(Folder(root))
        return folders[-1]

    yield open_folder
    for folder in folders:
        folder.manifest.close()


def blob(data: bytes) -> tuple[str, int]:
    return hashlib.sha256(data).hexdigest(), len(data)


def place(folder: Folder, data: bytes, name: str, **kw: Any) -> Placement:
    sha, size = blob(data)
    return folder.place(sha, name, size, **kw)


def write(folder: Folder, data: bytes, name: str, under: str = "") -> Path:
    """Place and write ``data`` as a copy-out would, and record it."""
    sha, size = blob(data)
    placement = folder.place(sha, name, size, under=under)
    assert placement.state == "new"
    placement.target.parent.mkdir(parents=True, exist_ok=True)
    placement.target.write_bytes(data)
    folder.record(placement, sha, size, name)
    return placement.target


@pytest.mark.parametrize("name", ["../../evil.txt", "/etc/passwd", "..", "a/../../b.txt", "C:\\Windows\\win.ini",
                                  "\u202etxt.exe", "", ".bashrc", "CON.txt", "x" * 400 + ".jpg"])
def test_a_hostile_name_stays_inside_the_folder(tmp_path: Path, name: str, opened: Callable[[Path], Folder]) -> None:
    root = tmp_path / "out"
    root.mkdir()
    folder = opened(root)
    target = write(folder, b"payload", name)
    assert target.parent == root and target.resolve().is_relative_to(root.resolve())
    assert not target.name.startswith(".") and "\u202e" not in target.name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing beside the folder


def test_a_link_in_the_folder_is_never_written_through(tmp_path: Path, opened: Callable[[Path], Folder]) -> None:
    root, outside = tmp_path / "out", tmp_path / "outside.jpg"
    root.mkdir()
    outside.write_bytes(b"keep me")
    (root / "photo.jpg").symlink_to(outside)
    (root / "media").symlink_to(tmp_path)
    folder = opened(root)

    assert write(folder, b"new photo", "photo.jpg").name == "photo (2).jpg"
    with pytest.raises(NoRoom):
        place(folder, b"video", "clip.mp4", under="media/ab")
    assert outside.read_bytes() == b"keep me"


def test_names_are_unique_ignoring_case_and_one_blob_under_one_name_is_placed_once(
        tmp_path: Path, opened: Callable[[Path], Folder]) -> None:
    folder = opened(tmp_path)
    first = write(folder, b"one", "IMG_1.jpg")
    second = write(folder, b"two", "img_1.JPG")
    third = write(folder, b"three", "IMG_1.jpg")
    again = place(folder, b"one", "IMG_1.jpg")
    assert [first.name, second.name, third.name] == ["IMG_1.jpg", "img_1 (2).JPG", "IMG_1 (3).jpg"]
    assert (again.state, again.target) == ("again", first)
    elsewhere = place(folder, b"one", "copy.jpg")
    assert elsewhere.state == "new" and elsewhere.target.name == "copy.jpg"  # another name: another file
    assert place(folder, b"one", "other.jpg", one_per_blob=True).target == first  # content-addressed


def test_a_new_run_keeps_its_names_and_skips_what_is_whole(tmp_path: Path, opened: Callable[[Path], Folder]) -> None:
    run = opened(tmp_path)
    write(run, b"one", "a.txt")
    b = write(run, b"two", "a.txt")
    write(run, b"three", "c.txt")
    run.manifest.close()
    b.write_bytes(b"the user changed this file")
    (tmp_path / "c.txt").unlink()
    with open(tmp_path / MANIFEST_NAME, "a") as manifest:
        manifest.write('{"path": "torn')  # a crash in the middle of a line

    again = opened(tmp_path)
    second = place(again, b"two", "a.txt")
    assert place(again, b"one", "a.txt").state == "done"
    assert (second.state, second.target.name) == ("new", "a (3).txt")  # the changed file is left alone
    c = place(again, b"three", "c.txt")
    assert (c.state, c.target.name) == ("new", "c.txt")  # deleted since: written again in its place


def test_a_file_whose_line_was_lost_is_found_by_its_bytes(tmp_path: Path, opened: Callable[[Path], Folder]) -> None:
    (tmp_path / "report.pdf").write_bytes(b"the report")
    folder = opened(tmp_path)
    found = place(folder, b"the report", "report.pdf")
    other = place(folder, b"another report", "report.pdf")
    assert (found.state, found.target.name) == ("done", "report.pdf")
    assert (other.state, other.target.name) == ("new", "report (2).pdf")
    assert opened(tmp_path).manifest.of_pair(blob(b"the report")[0], "report.pdf") is not None
