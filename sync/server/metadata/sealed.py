"""The columns that hold user content (names, message text), sealed under the server's metadata key.

A copy of the database shows none of them: each repository seals these values as it writes them
and opens them as it reads them, with the column as the sealing purpose (a value copied into
another column does not open). Sealing is randomized, so no statement may filter, order, join or
deduplicate on a sealed column; they are only stored and read back.

The check row (``metadata_key_check``) holds a sealed known text, so a store opened with the wrong
key fails at once with ``WrongMetadataKey`` instead of on the first message read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sync.server.crypto.sealing import Sealer, Unsealable
from sync.server.metadata.errors import WrongMetadataKey

if TYPE_CHECKING:
    from sync.server.metadata.engine import Database, Tx

TITLE = "conversations.title"
BODY = "messages.body"
ATTACHMENTS = "messages.attachments"
NAME = "message_blobs.name"
FILENAME = "blob_uploaders.filename"
PAYLOAD = "events.payload"
UPLOAD_METADATA = "uploads.metadata"
CHECK = "metadata_key_check.sealed"
_CHECK_TEXT = "envelope metadata key"

# table, its primary key, the sealed column (its name is the purpose's second part)
SEALED_COLUMNS: list[tuple[str, tuple[str, ...], str]] = [
    (purpose.split(".")[0], keys, purpose)
    for purpose, keys in [
        (TITLE, ("id",)),
        (BODY, ("id",)),
        (ATTACHMENTS, ("id",)),
        (NAME, ("sha256", "message_id")),
        (FILENAME, ("sha256", "user_id")),
        (PAYLOAD, ("id",)),
        (UPLOAD_METADATA, ("id",)),
    ]
]
_PAGE = 500


class Seals:
    """A repository's way to seal and open its columns; a value that does not open is ``WrongMetadataKey``."""

    def __init__(self, sealer: Sealer) -> None:
        self._sealer = sealer

    def seal(self, text: str, purpose: str) -> str:
        return self._sealer.seal(text, purpose)

    def open(self, value: str, purpose: str) -> str:
        try:
            return self._sealer.open(value, purpose)
        except Unsealable:
            raise WrongMetadataKey(
                f"The metadata key does not open a {purpose} value in the metadata database: it was sealed "
                "under another metadata key (a different master key or key record), or the value is damaged."
            ) from None

    def check(self, db: Database) -> None:
        """Raises WrongMetadataKey when this key is not the one the store was sealed with."""
        row = db.one("SELECT sealed FROM metadata_key_check WHERE id = 1")
        if row is None or not self._opens(str(row["sealed"]), CHECK):
            raise WrongMetadataKey(f"The metadata key does not open the metadata database {db.where}: it was "
                                   "sealed under another key. Start the server with the master key it was made with.")

    def _opens(self, value: str, purpose: str) -> bool:
        try:
            return self._sealer.open(value, purpose) == _CHECK_TEXT
        except Unsealable:
            return False


def seal_existing(tx: Tx, sealer: Sealer) -> None:
    """Migration 3: the key check row, and every value of the sealed columns sealed where it lies.

    Runs once, inside the migration's transaction (with the version bump, so it is all or nothing),
    a page of rows at a time in primary key order, updating each row by its key.
    """
    tx.execute("CREATE TABLE metadata_key_check (id INTEGER PRIMARY KEY CHECK (id = 1), sealed TEXT NOT NULL)")
    tx.execute("INSERT INTO metadata_key_check (id, sealed) VALUES (1, ?)", (sealer.seal(_CHECK_TEXT, CHECK),))
    for table, keys, purpose in SEALED_COLUMNS:
        column = purpose.split(".")[1]
        key_list = ", ".join(keys)
        where = " AND ".join(f"{k} = ?" for k in keys)
        after: tuple[object, ...] | None = None
        while True:
            page = tx.all(
                f"SELECT {key_list}, {column} AS value FROM {table}"
                + ("" if after is None else f" WHERE ({key_list}) > ({', '.join('?' for _ in keys)})")
                + f" ORDER BY {key_list} LIMIT {_PAGE}",
                after or (),
            )
            for row in page:
                tx.execute(f"UPDATE {table} SET {column} = ? WHERE {where}",
                           (sealer.seal(str(row["value"]), purpose), *(row[k] for k in keys)))
            if len(page) < _PAGE:
                break
            after = tuple(page[-1][k] for k in keys)

