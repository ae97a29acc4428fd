"""Where the server keeps bytes: finished blobs by sha256, and uploads in progress (staging).

``BlobStorage`` is the whole interface the routes and the filing code use; nothing outside this
package knows a path, a rename or a bucket. ``EncryptedStorage`` implements it over any
``ObjectStore`` (``objects.py``): named byte objects, ``LocalObjects`` on the local disk today, a
bucket next. Nothing is ever stored in the clear.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from sync.blobstore import Blob


class StagedMissing(Exception):
    """An upload's staged bytes are not there (discarded, or promoted by another request)."""


class StageWriter(Protocol):
    """Appends to one upload's staged bytes from a given offset (what was after it is dropped)."""

    def write(self, data: bytes) -> None: ...
    def cut_back(self) -> None:
        """Drop everything this writer wrote: the staged bytes end at its start offset again."""
    def commit(self) -> None:
        """Make what was written durable."""
    def close(self) -> None: ...


class BlobStorage(Protocol):
    # -- blobs -------------------------------------------------------------------------------------
    def put(self, chunks: Iterable[bytes], *, sha256: str) -> Blob:
        """Store a stream as a blob; raises CorruptBlob when it does not hash to ``sha256``."""
    def read_range(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes | memoryview]:
        """The bytes ``start``..``end`` in pieces (views of buffers no one else writes)."""
    def head(self, sha256: str, size: int) -> bytes:
        """The first ``size`` bytes (or fewer) of a blob: enough to sniff its type."""
    def size(self, sha256: str) -> int: ...
    def exists(self, sha256: str) -> bool: ...
    def delete(self, sha256: str) -> bool: ...

    # -- staging: uploads in progress --------------------------------------------------------------
    def stage_create(self, upload_id: str) -> None: ...
    def stage_writer(self, upload_id: str, offset: int) -> StageWriter:
        """Raises StagedMissing."""
    def stage_promote(self, upload_id: str, sha256: str, *, length: int, digest: str | None) -> Blob:
        """Turn the staged bytes into the blob ``sha256``: checked against ``digest`` (the sha256 the
        caller computed while receiving) or, when None, hashed now. Raises CorruptBlob (the staged
        bytes stay) and StagedMissing."""
    def stage_delete(self, upload_id: str) -> None: ...
    def stage_orphans(self, known: set[str], *, older_than_s: float) -> list[str]:
        """Staged uploads not in ``known`` and untouched for ``older_than_s`` (left by a crash)."""
