"""The storage backends the contract tests run against: one ``Backend`` per ``BlobStorage`` implementation.

Adding a backend is one more entry in ``BACKENDS``: a function that builds it in a test's temp dir
and says how to make a staged upload look old (the one thing the contract cannot do through the
interface without waiting).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sync.server.storage import BlobStorage
from sync.server.storage.local import LocalStorage


@dataclass(frozen=True)
class Backend:
    storage: BlobStorage
    backdate: Callable[[str, float], None]
    """Make the staged upload ``upload_id`` look untouched for ``seconds``."""


def _local(tmp_path: Path) -> Iterator[Backend]:
    staging = tmp_path / "uploads"

    def backdate(upload_id: str, seconds: float) -> None:
        then = time.time() - seconds
        os.utime(staging / upload_id, (then, then))

    yield Backend(LocalStorage(tmp_path / "store", staging), backdate)


BACKENDS: dict[str, Callable[[Path], Iterator[Backend]]] = {"local": _local}
