"""Space the media takes on this computer: totals by kind, per conversation, and the largest items.

Counting (see decisions.md, "Storage view"): the bytes are those of complete blobs in the cache.
A blob attached in several conversations counts in each of them, and once in the totals, under the
kind of its first attachment; a cached blob no message attaches any more counts as ``other``.
Thumbnails count apart, as previews: they are never removed, so they are not what a person frees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from desktop.core.db.connection import Connections
from desktop.core.db.records import BlobRecord, blob_from_row
from sync.protocol import Kind

UsageKind = Literal["image", "video", "audio", "file", "other"]
KINDS: tuple[UsageKind, ...] = ("image", "video", "audio", "file", "other")
Kept = Literal["sending", "offline"]
"""Why a cached blob stays when asked to go: it waits to upload, or it is kept offline."""

# The kind of the blob ``b``: that of its first attachment (by message, then position); NULL if none.
_KIND = """(SELECT a.kind FROM attachments a WHERE a.blob = b.sha256
              ORDER BY a.message_id, a.position LIMIT 1)"""
_FULL = "b.state = 'complete' AND b.is_thumbnail = 0"
# Kept offline other than through conversation :cid (pass '' for "through any conversation").
_OFFLINE = """(b.pinned = 1 OR EXISTS (
    SELECT 1 FROM attachments o JOIN conversations c ON c.id = o.conversation_id
     WHERE o.blob = b.sha256 AND c.pinned_offline = 1 AND c.id != :cid))"""
_KEPT = f"CASE WHEN b.pending_upload = 1 THEN 'sending' WHEN {_OFFLINE} THEN 'offline' END"


@dataclass(frozen=True, slots=True)
class Totals:
    """Bytes of full media by kind (each blob once) and of previews (thumbnails)."""

    by_kind: Mapping[UsageKind, int]
    previews: int

    @property
    def media(self) -> int:
        """All full media; the same number as ``MediaCache.usage()``."""
        return sum(self.by_kind.values())


@dataclass(frozen=True, slots=True)
class ConversationUsage:
    """A conversation's cached media by kind (a blob counted once here, whatever else holds it)."""

    conversation_id: str
    pinned_offline: bool
    by_kind: Mapping[Kind, int] = field(default_factory=dict)
    previews: int = 0

    @property
    def media(self) -> int:
        return sum(self.by_kind.values())


@dataclass(frozen=True, slots=True)
class CachedItem:
    """A cached blob as the largest-items list shows it: named after its first attachment."""

    sha256: str
    size: int
    kind: UsageKind
    name: str
    mime: str
    thumbnail: str | None
    conversation_id: str | None
    conversations: int
    """How many conversations attach it (removing it removes it from all of them)."""
    kept: Kept | None

    @property
    def page_key(self) -> tuple[int, str]:
        """Where the next page of ``largest`` starts."""
        return (self.size, self.sha256)


class Usage:
    """The storage view's queries; reached as ``LocalDB.usage``. Reads only."""

    def __init__(self, conns: Connections) -> None:
        self._conns = conns

    def totals(self) -> Totals:
        with self._conns.read() as db:
            rows = db.query(f"""SELECT coalesce({_KIND}, 'other') AS kind, sum(b.size) AS bytes
                                  FROM blobs b WHERE {_FULL} GROUP BY 1""")
            by_kind = {cast(UsageKind, r["kind"]): int(r["bytes"]) for r in rows}
            previews = next(db.query("""SELECT coalesce(sum(size), 0) AS n FROM blobs
                                         WHERE state = 'complete' AND is_thumbnail = 1"""))["n"]
        return Totals({k: by_kind.get(k, 0) for k in KINDS}, int(previews))

    def by_conversation(self) -> list[ConversationUsage]:
        """Every conversation with media or previews here, the most full media first."""
        with self._conns.read() as db:
            media = db.query(f"""SELECT x.conversation_id, {_KIND} AS kind, sum(b.size) AS bytes
                                   FROM (SELECT DISTINCT conversation_id, blob FROM attachments) x
                                   JOIN blobs b ON b.sha256 = x.blob
                                  WHERE {_FULL} GROUP BY 1, 2""")
            kinds: dict[str, dict[Kind, int]] = {}
            for r in media:
                kinds.setdefault(r["conversation_id"], {})[r["kind"]] = int(r["bytes"])
            previews = {r["conversation_id"]: int(r["bytes"]) for r in db.query(
                """SELECT x.conversation_id, sum(b.size) AS bytes
                     FROM (SELECT DISTINCT conversation_id, thumbnail FROM attachments
                            WHERE thumbnail IS NOT NULL) x
                     JOIN blobs b ON b.sha256 = x.thumbnail
                    WHERE b.state = 'complete' GROUP BY 1""")}
            pinned = {r["id"]: bool(r["pinned_offline"])
                      for r in db.query("SELECT id, pinned_offline FROM conversations")}
        found = [ConversationUsage(cid, pinned[cid], kinds.get(cid, {}), previews.get(cid, 0))
                 for cid in kinds.keys() | previews.keys() if cid in pinned]
        return sorted(found, key=lambda u: (-u.media, -u.previews, u.conversation_id))

    def largest(self, *, after: tuple[int, str] | None = None, limit: int = 20) -> list[CachedItem]:
        """Cached full media, largest first (ties by sha256); ``after`` is the last ``page_key`` seen."""
        size, sha = after if after is not None else (1 << 62, "")
        return self._items("(b.size < :size OR (b.size = :size AND b.sha256 > :sha))"
                           " ORDER BY b.size DESC, b.sha256 LIMIT :limit",
                           {"size": size, "sha": sha, "limit": int(limit)})

    def item(self, sha256: str) -> CachedItem | None:
        """One cached blob as ``largest`` lists it, or None when its full media is not here."""
        items = self._items("b.sha256 = :sha", {"sha": sha256})
        return items[0] if items else None

    def in_conversation(self, conversation_id: str) -> list[tuple[BlobRecord, Kept | None]]:
        """The conversation's cached full media, largest first, each with why it would stay when its
        media is cleared: waiting to upload, or kept offline by a pin or another conversation."""
        with self._conns.read() as db:
            rows = db.query(
                f"""SELECT b.*, {_KEPT} AS kept FROM blobs b
                     WHERE {_FULL} AND b.sha256 IN (SELECT blob FROM attachments WHERE conversation_id = :cid)
                     ORDER BY b.size DESC, b.sha256""",
                {"cid": conversation_id},
            )
            return [(blob_from_row(r), cast("Kept | None", r["kept"])) for r in rows]

    def _items(self, where: str, params: dict[str, Any]) -> list[CachedItem]:
        with self._conns.read() as db:
            rows = db.query(
                f"""SELECT b.sha256, b.size, coalesce(a.kind, 'other') AS kind, coalesce(a.name, '') AS name,
                           coalesce(a.mime, '') AS mime, a.thumbnail, a.conversation_id, {_KEPT} AS kept,
                           (SELECT count(DISTINCT x.conversation_id) FROM attachments x
                             WHERE x.blob = b.sha256) AS conversations
                      FROM blobs b LEFT JOIN attachments a ON a.rowid = (
                           SELECT f.rowid FROM attachments f WHERE f.blob = b.sha256
                            ORDER BY f.message_id, f.position LIMIT 1)
                     WHERE {_FULL} AND {where}""",
                {"cid": "", **params},
            )
            return [_item(r) for r in rows]


def _item(row: Mapping[str, Any]) -> CachedItem:
    return CachedItem(
        sha256=row["sha256"], size=int(row["size"]), kind=cast(UsageKind, row["kind"]), name=row["name"],
        mime=row["mime"], thumbnail=row["thumbnail"], conversation_id=row["conversation_id"],
        conversations=int(row["conversations"]), kept=cast("Kept | None", row["kept"]),
    )
