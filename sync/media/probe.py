"""`python -m sync probe FILE...`: one JSON line per file with its kind, metadata and thumbnail."""

from __future__ import annotations

import argparse
import errno
import hashlib
import json
import sys
from pathlib import Path
from typing import Any, NoReturn, TextIO

from sync.media.pipeline import CHUNK, MediaError, probe, sniff
from sync.media.sniff import regular_file_size

USAGE_ERROR = 2


class _UsageError(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _ArgumentParser(argparse.ArgumentParser):
    """argparse that hands its exit status back to main() instead of calling sys.exit()."""

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            self._print_message(message, sys.stderr)
        raise _UsageError(status)


def main(argv: list[str]) -> int:
    """Print one JSON object per FILE; 0 even when some files are bad, 2 for unusable arguments."""
    parser = _ArgumentParser(
        prog="python -m sync probe",
        description="Describe media files as JSON lines: kind, MIME type, size, dimensions, duration, "
        "blurhash and thumbnail. Files that can't be decoded get an 'error' sentence instead.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="files to describe")
    parser.add_argument("--thumbnail-dir", type=Path, metavar="DIR",
                        help="write thumbnails here (named by their sha256); created if missing")
    try:
        args = parser.parse_args(argv)
        thumbnail_dir: Path | None = args.thumbnail_dir
        if thumbnail_dir is not None:
            try:
                thumbnail_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                parser.error(f"cannot use --thumbnail-dir {thumbnail_dir}: {exc.strerror or exc}")
    except _UsageError as exc:
        return exc.status
    for path in args.files:
        _print_line(describe(path, thumbnail_dir=thumbnail_dir), sys.stdout)
    return 0


def describe(path: Path, *, thumbnail_dir: Path | None) -> dict[str, Any]:
    """The JSON object for one file: its metadata, or the reason it can't be read."""
    line: dict[str, Any] = {"path": str(path), "sha256": None, "kind": None, "mime": None, "size": None}
    try:
        regular_file_size(path)  # before reading: a pipe or device could block forever
        line["sha256"], line["size"] = file_sha256(path)
        preview = probe(path, thumbnail_dir=thumbnail_dir)
    except MediaError as exc:
        return {**line, **_sniffed(path), "error": str(exc)}
    except OSError as exc:
        return {**line, "error": _unreadable(exc)}
    info = preview.info
    return {
        **line,
        "kind": info.kind,
        "mime": info.mime,
        "width": info.width,
        "height": info.height,
        "duration_ms": info.duration_ms,
        "blurhash": info.blurhash,
        "thumbnail": str(preview.thumbnail) if preview.thumbnail else None,
    }


def file_sha256(path: Path) -> tuple[str, int]:
    """The lowercase hex sha256 and the size of a file, read in 1 MiB chunks.

    Raises:
        OSError: the file can't be read.
    """
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _sniffed(path: Path) -> dict[str, str]:
    """Kind and MIME type of a file whose media failed, so it can still go out as a plain file."""
    try:
        kind, mime = sniff(path)
    except OSError:
        return {}
    return {"kind": kind, "mime": mime}


def _unreadable(exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return "There is no file at this path."
    if exc.errno == errno.EISDIR:
        return "This is a folder, not a file."
    if exc.errno == errno.EINVAL:
        return "This is not a regular file (a pipe or a device, perhaps), so it can't be sent."
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "This file can't be read: permission denied."
    return f"This file can't be read: {exc.strerror or exc}."


def _print_line(line: dict[str, Any], out: TextIO) -> None:
    out.write(json.dumps(line, ensure_ascii=False) + "\n")
    out.flush()
