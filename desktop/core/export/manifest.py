"""What a copy-out already wrote into a folder: one JSON line per finished file, so a new run continues."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

MANIFEST_NAME = ".envelope-export.jsonl"
VERSION = 1
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Written:
    """A file a copy-out finished: ``path`` is relative to the folder, with ``/`` between parts."""

    path: str
    sha256: str
    size: int
    name: str
    """The name the file had in Envelope (cleaned); the path may differ from it (``IMG_1 (2).jpg``)."""


class Manifest:
    """The folder's ``.envelope-export.jsonl``: a header line, then one line per finished file.

    Lines are appended as files finish (a whole rewrite per file would cost the square of the
    count); a line cut short by a crash, or one that is not ours, is ignored when read. A file
    whose line was lost is found again by its bytes (``Folder``), so nothing is copied twice.
    """

    def __init__(self, folder: Path, header: Mapping[str, str] | None = None) -> None:
        self.path = folder / MANIFEST_NAME
        self._header: dict[str, Any] = {"envelope_export": VERSION, **(header or {})}
        self.header: dict[str, Any] = {}
        """The first line of the file as it is on disk (what the run that made it was about)."""
        self._by_path: dict[str, Written] = {}
        self._by_pair: dict[tuple[str, str], Written] = {}
        self._by_blob: dict[str, Written] = {}
        self._out: IO[str] | None = None
        for written in self._read():
            self._index(written)

    def _read(self) -> list[Written]:
        try:
            lines = self.path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return []
        found = []
        with contextlib.suppress(ValueError, IndexError):
            first = json.loads(lines[0])
            self.header = first if isinstance(first, dict) and "envelope_export" in first else {}
        for line in lines:
            try:
                found.append(_parse(json.loads(line)))
            except (ValueError, TypeError, KeyError):
                continue  # the header, a torn last line, or something that is not ours
        return found

    def _index(self, written: Written) -> None:
        self._by_path[written.path.casefold()] = written
        self._by_pair.setdefault((written.sha256, written.name), written)
        self._by_blob.setdefault(written.sha256, written)

    def at(self, path: str) -> Written | None:
        """What was written at ``path`` (compared as a case-insensitive disk would)."""
        return self._by_path.get(path.casefold())

    def of_pair(self, sha256: str, name: str) -> Written | None:
        """Where this blob was written under this name, if it was."""
        return self._by_pair.get((sha256, name))

    def of_blob(self, sha256: str) -> Written | None:
        """Where this blob was first written, under any name."""
        return self._by_blob.get(sha256)

    def open(self) -> IO[str]:
        """The file to append to, started with the header line when new; raises OSError."""
        if self._out is None:
            is_new = not self.path.exists()
            self._out = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - kept open for the run
            if is_new:
                self._out.write(json.dumps(self._header, ensure_ascii=False) + "\n")
                self._out.flush()
                self.header = dict(self._header)
        return self._out

    def record(self, written: Written) -> None:
        """Note a finished file; raises OSError when the line cannot be written."""
        out = self.open()
        out.write(json.dumps({"path": written.path, "sha256": written.sha256, "size": written.size,
                                    "name": written.name}, ensure_ascii=False) + "\n")
        out.flush()
        self._index(written)

    def close(self) -> None:
        if self._out is not None:
            out, self._out = self._out, None
            with contextlib.suppress(OSError):  # a full disk: lines not flushed are found by their bytes next time
                out.close()


def _parse(row: Any) -> Written:
    path, sha, size, name = row["path"], row["sha256"], row["size"], row["name"]
    if not (isinstance(path, str) and isinstance(name, str) and isinstance(size, int) and isinstance(sha, str)
            and _SHA256.fullmatch(sha) and size >= 0):
        raise ValueError("not a manifest line")
    return Written(path, sha, size, name)
