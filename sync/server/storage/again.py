"""The same bytes stored again: every backend keeps the first copy, but checks the new stream all the same."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sync.blobstore import Blob, CorruptBlob


def stored_again(chunks: Iterable[bytes], sha256: str) -> Blob:
    """Read ``chunks`` through, hashing them; the Blob they make, or CorruptBlob when they do not hash to
    ``sha256`` (a client claiming a blob it does not have learns nothing: nothing is stored either way)."""
    hasher, size = hashlib.sha256(), 0
    for chunk in chunks:
        hasher.update(chunk)
        size += len(chunk)
    if hasher.hexdigest() != sha256:
        raise CorruptBlob(sha256, hasher.hexdigest())
    return Blob(sha256, size)
