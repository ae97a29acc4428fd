"""What a metadata engine offers the repositories, whichever database is behind it (``sqlite.py``, ``postgres.py``).

Repositories write portable SQL: ``?`` (or ``:name``) placeholders, ``ON CONFLICT``, ``RETURNING``,
integers for booleans, no engine's own functions, and identifiers that are keywords in either
engine quoted (``"offset"``). Reads go through ``Database.one``/``all``; writes through
``Database.write()`` and its ``Tx``. Errors leave as ``metadata.errors``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

Row = Mapping[str, Any]
Params = Sequence[object] | Mapping[str, object]


class Tx(Protocol):
    """One write transaction."""

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; how many rows it changed."""
        ...

    def many(self, sql: str, rows: Iterable[Params]) -> None: ...

    def one(self, sql: str, params: Params = ()) -> Row | None: ...

    def all(self, sql: str, params: Params = ()) -> list[Row]: ...

    def lock(self, sql: str, params: Params = ()) -> Row | None:
        """Read one row (a ``SELECT``) and hold it until the transaction ends, so that another
        writer checking the same row waits for this one to commit."""
        ...


class Database(Protocol):
    """One metadata store; ``where`` names it in messages (a file, or a URL without its password)."""

    where: str

    def write(self) -> AbstractContextManager[Tx]: ...

    def one(self, sql: str, params: Params = ()) -> Row | None: ...

    def all(self, sql: str, params: Params = ()) -> list[Row]: ...

    def close(self) -> None: ...
