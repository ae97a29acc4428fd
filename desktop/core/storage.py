"""Freeing space on this computer: a conversation's media, or one large item; messages and text stay.

What goes is full media in the cache: it becomes *missing* and downloads again when opened, as after
an eviction. Thumbnails stay, so timelines and galleries still show previews. A blob that something
else still needs stays too: one waiting to upload, one kept offline (pinned, or attached in another
conversation kept offline), one open right now. The numbers shown come from ``LocalDB.usage``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from desktop.core.db.records import BlobRecord
from desktop.core.errors import UnknownConversation, UserFacingError
from sync.blobstore import Blob

if TYPE_CHECKING:
    from desktop.core.engine import Engine

Reason = Literal["sending", "offline", "open"]
KEPT_SENTENCES: dict[Reason, str] = {
    "sending": "It is waiting to be sent; it can be removed once it has gone.",
    "offline": "It is kept offline for a conversation; untick that conversation under Available offline first.",
    "open": "It is open right now; close it first.",
}


class NotRemovable(UserFacingError):
    """An item asked to go is needed here; the sentence says why and what to do."""


@dataclass(frozen=True, slots=True)
class ClearPlan:
    """What clearing a conversation's media would do: what goes, and what stays and why."""

    conversation_id: str
    pinned_offline: bool
    """Clearing also stops keeping the conversation offline (or everything would come back)."""
    removed: tuple[BlobRecord, ...]
    kept: tuple[tuple[BlobRecord, Reason], ...]

    @property
    def removed_bytes(self) -> int:
        return sum(r.size or 0 for r in self.removed)

    @property
    def kept_bytes(self) -> int:
        return sum(r.size or 0 for r, _ in self.kept)


def plan_clear(engine: Engine, conversation_id: str) -> ClearPlan:
    """What ``clear_media`` would remove now; changes nothing. Raises UnknownConversation."""
    conversation = engine.db.conversations.get(conversation_id)
    if conversation is None:
        raise UnknownConversation(conversation_id)
    removed: list[BlobRecord] = []
    kept: list[tuple[BlobRecord, Reason]] = []
    for record, why in engine.db.usage.in_conversation(conversation_id):
        reason: Reason | None = why or ("open" if engine.cache.is_held(record.sha256) else None)
        if reason is None:
            removed.append(record)
        else:
            kept.append((record, reason))
    return ClearPlan(conversation_id, conversation.pinned_offline, tuple(removed), tuple(kept))


def clear_media(engine: Engine, conversation_id: str) -> list[Blob]:
    """Remove a conversation's full media from this computer; its messages, text and previews stay.

    A conversation kept offline stops being kept offline, and its media waiting in the download
    queue stops waiting: nothing comes back until it is opened. What another part of the app
    still needs stays (see ``plan_clear``). Returns what was removed. Raises UnknownConversation.
    """
    plan = plan_clear(engine, conversation_id)
    if plan.pinned_offline:
        engine.set_pinned_offline(conversation_id, False)
    for item in engine.db.messages.media(conversation_id, ("image", "video", "audio", "file"), limit=10_000):
        sha = item.attachment.blob
        if item.blob_state != "complete" and engine.downloads.queued(sha) \
                and not engine.db.blobs.kept_offline(sha):
            engine.downloads.cancel(sha)
    return engine.cache.remove(plan.removed)  # (this conversation's own pin never kept anything)


def remove_item(engine: Engine, sha256: str) -> Blob | None:
    """Remove one blob's full media from this computer (from every conversation that attaches it).

    None when it was not here. Raises NotRemovable when something needs it (the sentence says what).
    """
    item = engine.db.usage.item(sha256)
    if item is None:
        return None
    reason: Reason | None = item.kept or ("open" if engine.cache.is_held(sha256) else None)
    if reason is not None:
        raise NotRemovable(f"{item.name or 'This item'} stays on this computer. {KEPT_SENTENCES[reason]}")
    record = engine.db.blobs.get(sha256)
    removed = engine.cache.remove([record] if record is not None else [])
    if not removed:  # needed since the check a moment ago
        raise NotRemovable(f"{item.name or 'This item'} is in use and stays on this computer for now.")
    return removed[0]
