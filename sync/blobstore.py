"""Content-addressed blob store on local disk: the one owner of the on-disk blob layout.

Layout under ``root``::

    blobs/ab/cd/<sha256>      complete, verified blobs (immutable)
    tmp/                      in-flight writes (same filesystem, so rename is atomic)
    partial/<sha256>          resumable partial downloads of a known blob

A write streams into a temp file while hashing, is fsynced, checked against the expected
hash, then renamed into place. The temp file is removed on any failure. Two writers of the
same blob are safe: both write their own temp file and the second rename is a no-op in effect.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK_SIZE = 1024 * 1024
_SHA_RE = re.compile(r"[0-9a-f]{64}")


class BlobStoreError(Exception):
    """Base of the blob store's errors."""


class InvalidBlobName(BlobStoreError, ValueError):
    """The name is not a lowercase hex sha256."""


class BlobNotFound(BlobStoreError, KeyError):
    """No complete blob with that name is stored."""


class CorruptBlob(BlobStoreError):
    """The bytes do not hash to the name they were written under."""

    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(f"blob content hashes to {actual}, expected {expected}")
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True)
class Blob:
    sha256: str
    size: int


def is_sha256(name: str) -> bool:
    return _SHA_RE.fullmatch(name) is not None


def check_sha256(name: str) -> str:
    """Return ``name`` if it is a lowercase hex sha256; raises InvalidBlobName otherwise."""
    if not is_sha256(name):
        raise InvalidBlobName(f"not a sha256 blob name: {name[:80]!r}")
    return name


def hash_file(path: Path) -> Blob:
    """Stream a file through sha256; raises OSError if it cannot be read."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return Blob(digest.hexdigest(), size)


class BlobStorage(Protocol):
    """What a server or client needs from a store of blobs (local disk now, S3 later)."""

    def has(self, sha256: str) -> bool: ...
    def size(self, sha256: str) -> int: ...
    def read_range(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]: ...
    def put_stream(self, chunks: Iterable[bytes], *, expected_sha256: str | None = None) -> Blob: ...
    def import_file(self, path: Path, *, expected_sha256: str | None = None, move: bool = False) -> Blob: ...
    def delete(self, sha256: str) -> bool: ...


class BlobWriter:
    """Streams bytes into a temp file while hashing; ``commit`` files it under its hash."""

    def __init__(self, store: BlobStore, expected_sha256: str | None) -> None:
        self._store = store
        self._expected = None if expected_sha256 is None else check_sha256(expected_sha256)
        fd, name = tempfile.mkstemp(dir=store.tmp_dir, prefix="w-")
        self._file: BinaryIO = os.fdopen(fd, "wb")
        self._tmp = Path(name)
        self._digest = hashlib.sha256()
        self._size = 0
        self._done = False

    @property
    def size(self) -> int:
        return self._size

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self._digest.update(data)
        self._size += len(data)

    def commit(self) -> Blob:
        """Fsync, verify and rename into place; raises CorruptBlob on a hash mismatch."""
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            actual = self._digest.hexdigest()
            if self._expected is not None and actual != self._expected:
                raise CorruptBlob(self._expected, actual)
            self._store._install(self._tmp, actual)
            self._done = True
            return Blob(actual, self._size)
        finally:
            if not self._done:
                self.abort()

    def abort(self) -> None:
        if not self._file.closed:
            self._file.close()
        self._tmp.unlink(missing_ok=True)
        self._done = True

    def __enter__(self) -> BlobWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if not self._done:
            self.abort()


class BlobStore:
    """A content-addressed store in a directory; see the module docstring for the layout."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.blobs_dir = self.root / "blobs"
        self.tmp_dir = self.root / "tmp"
        self.partial_dir = self.root / "partial"
        for d in (self.blobs_dir, self.tmp_dir, self.partial_dir):
            d.mkdir(parents=True, exist_ok=True)

    # -- layout: the only place that knows it -------------------------------------------------
    def path_for(self, sha256: str) -> Path:
        """Where a complete blob lives; raises InvalidBlobName."""
        check_sha256(sha256)
        return self.blobs_dir / sha256[:2] / sha256[2:4] / sha256

    def sha_for(self, path: Path) -> str:
        """The inverse of ``path_for``; raises InvalidBlobName for a path outside the layout."""
        path = Path(path)
        sha = path.name
        if not is_sha256(sha) or path != self.path_for(sha):
            raise InvalidBlobName(f"not a blob path of this store: {path}")
        return sha

    def partial_path(self, sha256: str) -> Path:
        """Where a resumable partial download of ``sha256`` is kept."""
        return self.partial_dir / check_sha256(sha256)

    # -- queries -----------------------------------------------------------------------------
    def has(self, sha256: str) -> bool:
        return is_sha256(sha256) and self.path_for(sha256).is_file()

    def size(self, sha256: str) -> int:
        """Size in bytes; raises BlobNotFound."""
        try:
            return self.path_for(sha256).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None

    def __iter__(self) -> Iterator[str]:
        for path in self.blobs_dir.glob("*/*/*"):
            if is_sha256(path.name):
                yield path.name

    # -- reading -----------------------------------------------------------------------------
    def open(self, sha256: str) -> BinaryIO:
        """Open a complete blob for reading; raises BlobNotFound."""
        try:
            return open(self.path_for(sha256), "rb")
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None

    def read_range(
        self, sha256: str, start: int = 0, end: int | None = None, *, chunk_size: int = CHUNK_SIZE
    ) -> Iterator[bytes]:
        """Yield bytes ``start`` to ``end`` (exclusive; None = to the end) in chunks.

        Raises BlobNotFound when called (not lazily), ValueError for a range out of order. The file is
        opened at the first chunk, so a reader dropped before it starts holds nothing open.
        """
        if not self.path_for(sha256).is_file():  # raises InvalidBlobName
            raise BlobNotFound(sha256)
        if start < 0 or (end is not None and end < start):
            raise ValueError(f"bad range {start}-{end}")
        return self._iter_file(sha256, start, end, chunk_size)

    def _iter_file(self, sha256: str, start: int, end: int | None, chunk_size: int) -> Iterator[bytes]:
        with self.open(sha256) as f:
            f.seek(start)
            remaining = None if end is None else end - start
            while remaining is None or remaining > 0:
                n = chunk_size if remaining is None else min(chunk_size, remaining)
                chunk = f.read(n)
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    def verify(self, sha256: str) -> bool:
        """Re-hash a stored blob; False (and the blob removed) if it no longer matches its name."""
        path = self.path_for(sha256)
        if not path.is_file():
            raise BlobNotFound(sha256)
        if hash_file(path).sha256 == sha256:
            return True
        path.unlink(missing_ok=True)
        return False

    # -- writing -----------------------------------------------------------------------------
    def writer(self, *, expected_sha256: str | None = None) -> BlobWriter:
        return BlobWriter(self, expected_sha256)

    def put_stream(self, chunks: Iterable[bytes], *, expected_sha256: str | None = None) -> Blob:
        """Write a stream of bytes as a blob; raises CorruptBlob on a hash mismatch."""
        with self.writer(expected_sha256=expected_sha256) as w:
            for chunk in chunks:
                w.write(chunk)
            return w.commit()

    def put_bytes(self, data: bytes, *, expected_sha256: str | None = None) -> Blob:
        return self.put_stream([data], expected_sha256=expected_sha256)

    def import_file(self, path: Path, *, expected_sha256: str | None = None, move: bool = False) -> Blob:
        """File an existing file as a blob, hashing it first.

        With ``move`` the file is renamed into place when it lives on the same filesystem (no
        copy) and is gone afterwards either way; without it, it is copied and left alone.
        Raises CorruptBlob on a mismatch (the source file is then left where it was).
        """
        path = Path(path)
        if not move:
            with open(path, "rb") as f:
                return self.put_stream(iter(lambda: f.read(CHUNK_SIZE), b""), expected_sha256=expected_sha256)
        blob = hash_file(path)
        if expected_sha256 is not None and blob.sha256 != check_sha256(expected_sha256):
            raise CorruptBlob(expected_sha256, blob.sha256)
        with open(path, "rb") as f:
            os.fsync(f.fileno())
        try:
            self._install(path, blob.sha256)
        except OSError:  # another filesystem: copy, then drop the source
            self.import_file(path, expected_sha256=blob.sha256)
            path.unlink(missing_ok=True)
        return blob

    def adopt_file(self, path: Path, blob: Blob) -> Blob:
        """File ``path`` as ``blob`` without reading it again: the caller hashed it while writing it.

        The file is renamed into place (fsynced first) and is gone afterwards; raises
        FileNotFoundError if it is not there.
        """
        check_sha256(blob.sha256)
        with open(path, "rb") as f:
            os.fsync(f.fileno())
        try:
            self._install(Path(path), blob.sha256)
        except FileNotFoundError:
            raise
        except OSError:  # another filesystem: copy (verifying), then drop the source
            self.import_file(path, expected_sha256=blob.sha256)
            Path(path).unlink(missing_ok=True)
        return blob

    def delete(self, sha256: str) -> bool:
        """Remove a blob; False if it was not there."""
        try:
            self.path_for(sha256).unlink()
            return True
        except FileNotFoundError:
            return False

    def _install(self, tmp: Path, sha256: str) -> None:
        final = self.path_for(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():  # same bytes already there: identical content, keep the first
            tmp.unlink(missing_ok=True)
            return
        os.replace(tmp, final)
        fsync_dir(final.parent)


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable (where the platform can)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
