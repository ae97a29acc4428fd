"""The server's metadata store: every SQL statement of the server lives in this package.

``Metadata`` opens the store and hands out one repository per concern (accounts, conversations,
messages, feed, blobs, uploads), each with methods named for what they do. Nothing outside sees a
connection, a transaction or an engine's exception: errors leave as ``metadata.errors``.
"""

from __future__ import annotations

from pathlib import Path

from sync.server.metadata.accounts import Accounts
from sync.server.metadata.blobs import Blobs
from sync.server.metadata.conversations import Conversations
from sync.server.metadata.feed import Feed
from sync.server.metadata.messages import Messages
from sync.server.metadata.sqlite import Database
from sync.server.metadata.uploads import Uploads


class Metadata:
    """The store and its repositories. Only SQLite today (``metadata.sqlite3`` under the data dir)."""

    def __init__(self, path: Path) -> None:
        self._db = Database(path)
        self.accounts = Accounts(self._db)
        self.conversations = Conversations(self._db)
        self.messages = Messages(self._db)
        self.feed = Feed(self._db)
        self.blobs = Blobs(self._db)
        self.uploads = Uploads(self._db)

    def ping(self) -> None:
        """Raises MetadataError when the store cannot answer."""
        self._db.one("SELECT 1")

    def close(self) -> None:
        self._db.close()
