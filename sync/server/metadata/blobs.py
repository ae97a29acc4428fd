"""What the metadata store knows of blobs: size and type, who uploaded them, and who may read them."""

from __future__ import annotations

from dataclasses import dataclass

from sync.server.metadata.engine import Database
from sync.server.metadata.sealed import FILENAME, NAME, Seals
from sync.server.metadata.uploads import Upload

# Who may read a blob: its uploader, and members of a conversation with a message attaching it.
_READABLE = """
    SELECT 1 FROM blobs b WHERE b.sha256 = :sha AND (
        EXISTS (SELECT 1 FROM blob_uploaders u WHERE u.sha256 = :sha AND u.user_id = :user)
        OR EXISTS (
            SELECT 1 FROM message_blobs mb JOIN members m ON m.conversation_id = mb.conversation_id
            WHERE mb.sha256 = :sha AND m.user_id = :user
        )
    )
"""


@dataclass(frozen=True)
class BlobInfo:
    size: int
    mime: str


class Blobs:
    """Reached as ``Metadata.blobs``."""

    def __init__(self, db: Database, seals: Seals) -> None:
        self._db = db
        self._seals = seals

    def file_upload(self, upload: Upload, *, size: int, mime: str, created_at: str) -> None:
        """The upload became a blob: record it and its uploader, and drop the upload, in one transaction."""
        with self._db.write() as tx:
            tx.execute("INSERT INTO blobs (sha256, size, mime, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                       (upload.sha256, size, mime, created_at))
            tx.execute("INSERT INTO blob_uploaders (sha256, user_id, filename) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                       (upload.sha256, upload.user_id, self._seals.seal(upload.metadata.get("filename", "")[-4096:],
                                                                        FILENAME)))
            tx.execute("DELETE FROM uploads WHERE id = ?", (upload.id,))

    def get(self, sha256: str) -> BlobInfo | None:
        row = self._db.one("SELECT size, mime FROM blobs WHERE sha256 = ?", (sha256,))
        return BlobInfo(int(row["size"]), str(row["mime"])) if row else None

    def can_read(self, user_id: str, sha256: str) -> bool:
        return self._db.one(_READABLE, {"sha": sha256, "user": user_id}) is not None

    def readable(self, user_id: str, shas: list[str]) -> list[str]:
        """The subset of ``shas`` the user may read, in the order given, without repeats."""
        seen: set[str] = set()
        out = []
        for sha in shas:
            if sha not in seen and self.can_read(user_id, sha):
                out.append(sha)
            seen.add(sha)
        return out

    def name_for(self, user_id: str, sha256: str) -> str:
        """The file name this user knows the blob by ('' when none): from a message they can see, else
        the name they uploaded it under.

        Names are sealed, so SQL cannot skip the empty ones: every row that may hold the name is
        read and opened here, and the first name that is not empty wins.
        """
        in_messages = self._db.all(
            "SELECT mb.name FROM message_blobs mb JOIN members m ON m.conversation_id = mb.conversation_id "
            "WHERE mb.sha256 = ? AND m.user_id = ?",
            (sha256, user_id),
        )
        for row in in_messages:
            if name := self._seals.open(row["name"], NAME):
                return name
        uploaded = self._db.one("SELECT filename FROM blob_uploaders WHERE sha256 = ? AND user_id = ?",
                                (sha256, user_id))
        return self._seals.open(uploaded["filename"], FILENAME) if uploaded else ""
