"""The server's metadata store: every SQL statement of the server lives in this package.

``Metadata`` opens the store and hands out one repository per concern (accounts, conversations,
messages, feed, blobs, uploads, blocks), each with methods named for what they do. Nothing outside sees a
connection, a transaction or an engine's exception: errors leave as ``metadata.errors``.
"""

from __future__ import annotations

from pathlib import Path

from sync.server.crypto.sealing import Sealer
from sync.server.metadata.accounts import Accounts
from sync.server.metadata.blobs import Blobs
from sync.server.metadata.consent import Blocks
from sync.server.metadata.conversations import Conversations
from sync.server.metadata.engine import Database
from sync.server.metadata.feed import Feed
from sync.server.metadata.messages import Messages
from sync.server.metadata.quota import Quota
from sync.server.metadata.sealed import Seals
from sync.server.metadata.throttle import Throttle
from sync.server.metadata.uploads import Uploads


def is_postgres(location: Path | str) -> bool:
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def open_database(location: Path | str, *, sealer: Sealer) -> Database:
    """The engine for ``location``: a ``postgresql://`` URL is PostgreSQL, anything else a SQLite file."""
    if is_postgres(location):
        from sync.server.metadata import postgres  # psycopg is needed only here

        return postgres.Database(str(location), sealer=sealer)
    from sync.server.metadata import sqlite

    return sqlite.Database(Path(location), sealer=sealer)


class Metadata:
    """The store and its repositories, on SQLite (a file path: ``metadata.sqlite3`` under the data
    dir by default) or PostgreSQL (a ``postgresql://`` URL).

    Names and message text are sealed with ``sealer`` (the server's metadata key; see ``sealed.py``).
    Raises WrongMetadataKey at once when the store was sealed under another key.
    """

    def __init__(self, location: Path | str, *, sealer: Sealer) -> None:
        self._db = open_database(location, sealer=sealer)
        seals = Seals(sealer)
        try:
            seals.check(self._db)
        except BaseException:
            self._db.close()
            raise
        self.accounts = Accounts(self._db)
        self.conversations = Conversations(self._db, seals)
        self.messages = Messages(self._db, seals)
        self.feed = Feed(self._db, seals)
        self.blobs = Blobs(self._db, seals)
        self.uploads = Uploads(self._db, seals)
        self.blocks = Blocks(self._db)
        self.quota = Quota(self._db)
        self.throttle = Throttle(self._db)

    def ping(self) -> None:
        """Raises MetadataError when the store cannot answer."""
        self._db.one("SELECT 1")

    def close(self) -> None:
        self._db.close()
