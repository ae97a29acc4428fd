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
from sync.server.metadata.feed import Feed
from sync.server.metadata.messages import Messages
from sync.server.metadata.quota import Quota
from sync.server.metadata.sealed import Seals
from sync.server.metadata.sqlite import Database
from sync.server.metadata.throttle import Throttle
from sync.server.metadata.uploads import Uploads


class Metadata:
    """The store and its repositories. Only SQLite today (``metadata.sqlite3`` under the data dir).

    Names and message text are sealed with ``sealer`` (the server's metadata key; see ``sealed.py``).
    Raises WrongMetadataKey at once when the store was sealed under another key.
    """

    def __init__(self, path: Path, *, sealer: Sealer) -> None:
        self._db = Database(path, sealer=sealer)
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
