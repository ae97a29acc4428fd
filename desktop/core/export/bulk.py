"""Bulk save: several attachments of the gallery (or all of a conversation's) written into one folder."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.core.db.records import Attachment, MediaItem
from desktop.core.export.copyout import CopyCancelled, CopyOut, Outcome, ProgressCallback
from sync.filenames import clean_filename
from sync.protocol import Kind

if TYPE_CHECKING:
    from desktop.core.engine import Engine

PAGE = 500


def conversation_media(engine: Engine, conversation_id: str, kinds: Iterable[Kind]) -> list[MediaItem]:
    """Every attachment of ``kinds`` in the conversation, newest first, as the gallery lists them."""
    kinds = tuple(kinds)
    items: list[MediaItem] = []
    while page := engine.db.messages.media(conversation_id, kinds, after=items[-1] if items else None, limit=PAGE):
        items += page
        if len(page) < PAGE:
            break
    return items


def save_attachments(engine: Engine, folder: Path, attachments: Sequence[Attachment], *,
                     progress: ProgressCallback | None = None, cancel: threading.Event | None = None) -> Outcome:
    """Write each attachment into ``folder`` under its own name, made unique; blocking.

    The same blob under the same name is written once; what a run before finished (its size
    still right) is kept, so a cancelled or stopped save continues when run again. Raises
    CopyStopped with a sentence (full disk, offline): the files written so far stay.
    """
    unique = {(a.blob, clean_filename(a.name)): a.size for a in attachments}
    job = CopyOut(engine, folder, progress=progress, cancel=cancel)
    try:
        job.plan(len(unique), sum(unique.values()))
        for a in attachments:
            job.copy(a.blob, a.name, a.size)
    except CopyCancelled:
        job.outcome.cancelled = True
    finally:
        job.finish()
    return job.outcome
