"""Named objects as files under one folder: 0600 files, 0700 folders, atomic renames, fsyncs."""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

from sync.blobstore import fsync_dir
from sync.server.private_files import FILE_MODE, private_dir, write_private
from sync.server.storage.objects import Data, ObjectMissing, check_name
from sync.writeback import Writeback

READ_CHUNK = 1024 * 1024


def _open_new(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)


def _write_all(fd: int, data: Data) -> None:
    view = memoryview(data)
    while view:  # a short write (the disk filling up): the next one raises
        view = view[os.write(fd, view):]


class _NewFile:
    def __init__(self, store: LocalObjects, name: str) -> None:
        self._store, self._name = store, name
        self._tmp = store.tmp_dir / secrets.token_hex(12)
        self._fd = _open_new(self._tmp)
        self._writeback = Writeback(self._fd, 0)

    def write(self, data: Data) -> None:
        _write_all(self._fd, data)
        self._writeback.wrote(len(data))

    def commit(self) -> None:
        try:
            os.fsync(self._fd)
        finally:
            os.close(self._fd)
            self._fd = -1
        try:
            target = self._store.path(self._name)
            private_dir(target.parent)
            os.replace(self._tmp, target)
            fsync_dir(target.parent)
        except BaseException:
            self._tmp.unlink(missing_ok=True)
            raise

    def abort(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        self._tmp.unlink(missing_ok=True)


class _FileAppender:
    def __init__(self, path: Path, offset: int) -> None:
        try:
            self._fd = os.open(path, os.O_WRONLY)
        except FileNotFoundError:
            raise ObjectMissing(path.name) from None
        self._offset = offset
        os.ftruncate(self._fd, offset)
        os.lseek(self._fd, offset, os.SEEK_SET)
        self._writeback = Writeback(self._fd, offset)

    def write(self, data: Data) -> None:
        _write_all(self._fd, data)
        self._writeback.wrote(len(data))

    def commit(self) -> None:
        os.fsync(self._fd)

    def cut_back(self) -> None:
        os.ftruncate(self._fd, self._offset)
        os.lseek(self._fd, self._offset, os.SEEK_SET)
        self._writeback = Writeback(self._fd, self._offset)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class LocalObjects:
    def __init__(self, root: Path) -> None:
        self.root = private_dir(root)
        self.tmp_dir = private_dir(root / ".tmp")

    def path(self, name: str) -> Path:
        return self.root / check_name(name)

    def get(self, name: str) -> bytes:
        try:
            return self.path(name).read_bytes()
        except FileNotFoundError:
            raise ObjectMissing(name) from None

    def put(self, name: str, data: bytes) -> None:
        write_private(self.path(name), data)

    def read_at(self, name: str, offset: int, length: int) -> bytes:
        try:
            with open(self.path(name), "rb") as f:
                f.seek(offset)
                return f.read(length)
        except FileNotFoundError:
            raise ObjectMissing(name) from None

    def read_range(self, name: str, start: int, end: int, *, chunk: int = READ_CHUNK) -> Iterator[bytes | bytearray]:
        path = self.path(name)
        try:
            f = open(path, "rb", buffering=0)  # noqa: SIM115 - closed below; unbuffered: read straight into each chunk
        except FileNotFoundError:
            raise ObjectMissing(name) from None
        with f:
            f.seek(start)
            left = end - start
            while left > 0:
                data = bytearray(min(chunk, left))
                got = f.readinto(data)
                if not got:
                    return
                left -= got
                yield bytes(data) if got < len(data) else data

    def size(self, name: str) -> int:
        try:
            return self.path(name).stat().st_size
        except FileNotFoundError:
            raise ObjectMissing(name) from None

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def delete(self, name: str) -> bool:
        try:
            self.path(name).unlink()
            return True
        except FileNotFoundError:
            return False

    def create(self, name: str) -> _NewFile:
        check_name(name)
        return _NewFile(self, name)

    def appender(self, name: str, offset: int) -> _FileAppender:
        return _FileAppender(self.path(name), offset)

    def rename(self, source: str, target: str) -> None:
        path = self.path(target)
        private_dir(path.parent)
        try:
            os.replace(self.path(source), path)
        except FileNotFoundError:
            raise ObjectMissing(source) from None
        fsync_dir(path.parent)

    def list(self, prefix: str) -> Iterator[str]:
        base = self.path(prefix)
        if not base.is_dir():
            return
        for dirpath, _dirs, files in os.walk(base):
            for file in files:
                if not file.startswith("."):
                    yield (Path(dirpath) / file).relative_to(self.root).as_posix()

    def age(self, name: str) -> float:
        try:
            return time.time() - self.path(name).stat().st_mtime
        except FileNotFoundError:
            raise ObjectMissing(name) from None

    def sweep_tmp(self, older_than_s: float) -> None:
        """Remove half-written objects a crash left behind."""
        now = time.time()
        for tmp in self.tmp_dir.iterdir():
            with contextlib.suppress(FileNotFoundError):
                if now - tmp.stat().st_mtime > older_than_s:
                    tmp.unlink()
