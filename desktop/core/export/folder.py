"""Where each file of a copy-out goes in its folder: a cleaned name, made unique, that stays inside."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from desktop.core.errors import UserFacingError
from desktop.core.export.manifest import Manifest, Written
from desktop.core.saving import sha256_of
from sync.filenames import clean_filename, path_inside

MAX_TRIES = 10_000
State = Literal["new", "done", "again"]


class NoRoom(UserFacingError):
    """No name inside the folder is free for a file (the folder links elsewhere, or holds thousands alike)."""


@dataclass(frozen=True, slots=True)
class Placement:
    """A file's place: ``path`` relative to the folder (``/`` between parts) and ``target`` on disk.

    ``state`` is ``new`` (to write), ``done`` (a run before wrote it and it is still whole) or
    ``again`` (placed earlier in this run: the same blob under the same name is written once).
    """

    path: str
    target: Path
    state: State


class Folder:
    """The names of one copy-out: de-duplicated (``IMG_1.jpg``, ``IMG_1 (2).jpg``), never outside
    ``root``, never over a file that was there before, and the same as last time on a resumed run.

    Names are compared case-insensitively, as a USB stick or a Mac disk would.
    """

    def __init__(self, root: Path, header: Mapping[str, str] | None = None) -> None:
        self.root = root
        self.manifest = Manifest(root, header)
        self.manifest.open()
        self._taken: set[str] = set()
        self._pairs: dict[tuple[str, str], Placement] = {}
        self._blobs: dict[str, Placement] = {}

    def place(self, sha256: str, name: str, size: int, *, under: str = "", one_per_blob: bool = False) -> Placement:
        """Where the blob goes under ``name`` (cleaned) in the subfolder ``under``.

        ``one_per_blob``: the blob is stored once whatever names it has (content-addressed), at the
        place it was first given. Raises NoRoom; OSError when a file there cannot be read.
        """
        name = clean_filename(name)
        earlier = self._blobs.get(sha256) if one_per_blob else self._pairs.get((sha256, name))
        if earlier is not None:
            return Placement(earlier.path, earlier.target, "again")
        recorded = self.manifest.of_blob(sha256) if one_per_blob else self.manifest.of_pair(sha256, name)
        placement = self._resume(recorded, size) if recorded is not None else None
        if placement is None:
            placement = self._choose(sha256, name, size, under)
        self._taken.add(placement.path.casefold())
        self._pairs[(sha256, name)] = placement
        self._blobs.setdefault(sha256, placement)
        return placement

    def record(self, placement: Placement, sha256: str, size: int, name: str) -> None:
        """Note a file written whole; raises OSError."""
        self.manifest.record(Written(placement.path, sha256, size, clean_filename(name)))

    def _resume(self, recorded: Written, size: int) -> Placement | None:
        """The place a run before gave this file, unless that name is now someone else's file."""
        if recorded.path.casefold() in self._taken:
            return None
        target = self._inside(recorded.path)
        if target is None:
            return None
        if not target.exists() and not target.is_symlink():
            return Placement(recorded.path, target, "new")  # deleted since: written again in its place
        if _whole(target, size):
            return Placement(recorded.path, target, "done")
        return None  # changed since (by the user?): left alone, and a new name is found

    def _choose(self, sha256: str, name: str, size: int, under: str) -> Placement:
        if under and not (self.root / under).resolve().is_relative_to(self.root.resolve()):
            raise NoRoom(f"{self.root / under} leads outside {self.root}, so Envelope won't write there.")
        for candidate in numbered(name):
            path = f"{under}/{candidate}" if under else candidate
            if path.casefold() in self._taken:
                continue
            written = self.manifest.at(path)
            if written is not None and written.sha256 != sha256:
                continue
            target = self._inside(path)
            if target is None:
                continue
            if not target.exists() and not target.is_symlink():
                return Placement(path, target, "new")
            if _whole(target, size) and sha256_of(target) == sha256:  # written, its line lost in a crash
                if written is None:
                    self.record(Placement(path, target, "done"), sha256, size, name)
                return Placement(path, target, "done")
        raise NoRoom(f"Envelope found no free name for {name} inside {self.root}.")

    def _inside(self, path: str) -> Path | None:
        """``root / path`` when it resolves inside ``root`` (no link leads out), else None."""
        parent, _, leaf = path.rpartition("/")
        try:
            target = path_inside(self.root / parent, leaf)
        except ValueError:
            return None
        if target.name != leaf or not target.resolve().is_relative_to(self.root.resolve()):
            return None
        return target


def _whole(target: Path, size: int) -> bool:
    """A regular file (not a link) of the expected size."""
    return not target.is_symlink() and target.is_file() and target.stat().st_size == size


def numbered(name: str) -> Iterator[str]:
    """``name``, then ``stem (2).ext``, ``stem (3).ext``… up to MAX_TRIES."""
    yield name
    stem, dot, ext = name.rpartition(".")
    stem, ext = (stem, dot + ext) if stem else (name, "")
    for n in range(2, MAX_TRIES):
        yield f"{stem} ({n}){ext}"
