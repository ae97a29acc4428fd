"""A conversation exported to a folder: HTML pages readable offline, ``messages.json``, and each media file
once (content-addressed), streamed page by page: no size cap, resumable, with progress."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.core.db.records import Message
from desktop.core.errors import NotSignedIn, UnknownConversation
from desktop.core.export.copyout import (
    CopyCancelled,
    CopyOut,
    CopyStopped,
    Outcome,
    ProgressCallback,
    disk_sentence,
)
from desktop.core.export.folder import NoRoom, numbered
from desktop.core.export.manifest import Manifest
from desktop.core.export.page import Heading
from desktop.core.export.writer import ExportFiles
from desktop.core.names import conversation_title
from sync.filenames import clean_filename

if TYPE_CHECKING:
    from desktop.core.engine import Engine

PAGE_MESSAGES = 1000
"""Messages per HTML page: a long conversation becomes several pages a browser opens quickly."""
PREFIX = 16
"""Hex digits of a blob's sha256 naming its folder under ``media/``."""


@dataclass
class Survey:
    """A first pass over the conversation: how many messages, where each page starts, which blobs."""

    count: int = 0
    starts: list[int] = field(default_factory=list)
    """The ``before`` sort key of each page, newest page first."""
    blobs: dict[str, int] = field(default_factory=dict)


def export_folder(parent: Path, title: str, conversation_id: str) -> Path:
    """Where in ``parent`` this conversation's export goes: a folder named after it, the same one as an
    export of it before (which a new run continues), else the first such name not used yet.

    Raises NoRoom.
    """
    for name in numbered(clean_filename(title, fallback="Conversation")):
        folder = parent / name
        if not folder.exists() and not folder.is_symlink():
            return folder
        if folder.is_dir() and not folder.is_symlink() and (
                Manifest(folder).header.get("conversation") == conversation_id or not any(folder.iterdir())):
            return folder
    raise NoRoom(f"Envelope found no free folder name for {title} in {parent}.")


def export_conversation(engine: Engine, conversation_id: str, parent: Path, *,
                        progress: ProgressCallback | None = None, cancel: threading.Event | None = None) -> Outcome:
    """Export the conversation into a folder of its own in ``parent``; blocking (off the GUI thread).

    Media goes to ``media/<sha256 prefix>/<name>``, each blob once whatever names it had; what a run
    before wrote there is kept. The pages and ``messages.json`` are written anew each run and put
    in place when whole. Raises CopyStopped (full disk, offline…: what was written stays),
    NotSignedIn, UnknownConversation.
    """
    conversation = engine.db.conversations.get(conversation_id)
    if conversation is None:
        raise UnknownConversation(conversation_id)
    account = engine.account
    if account is None:
        raise NotSignedIn()
    title = conversation_title(conversation.title, conversation.members, account.username)
    try:
        folder = export_folder(Path(parent), title, conversation_id)
    except OSError as exc:
        raise CopyStopped(f"Envelope couldn't look inside {parent}: {exc.strerror or exc}.") from exc
    survey = _survey(engine, conversation_id)
    job = CopyOut(engine, folder, progress=progress, cancel=cancel, header={"conversation": conversation_id})
    files: ExportFiles | None = None
    try:
        job.plan(len(survey.blobs), sum(survey.blobs.values()))
        heading = Heading(title, conversation.members, account.username, survey.count, datetime.now().astimezone())
        about = {"id": conversation_id, "title": title, "members": list(conversation.members)}
        files = ExportFiles(folder, heading, about, max(1, len(survey.starts)))
        paths: dict[str, str | None] = {}
        for number, before in enumerate(reversed(survey.starts), start=1):
            messages = engine.db.messages.page(conversation_id, before=before, limit=PAGE_MESSAGES)[::-1]
            for m in messages:
                for sha, name, size in _files_of(engine, m):
                    if sha not in paths:
                        paths[sha] = job.copy(sha, name, size, under=f"media/{sha[:PREFIX]}", one_per_blob=True)
            files.page(number, messages, paths)
        if not survey.starts:
            files.page(1, [], paths)
        files.finish()
    except CopyCancelled:
        job.outcome.cancelled = True
    except OSError as exc:
        raise job.stopped(disk_sentence(exc, folder)) from exc
    finally:
        if files is not None:
            files.discard()
        job.finish()
    return job.outcome


def _survey(engine: Engine, conversation_id: str) -> Survey:
    """Count the messages and their blobs, a page at a time (what arrives meanwhile waits for the next export)."""
    survey = Survey()
    before: int | None = None
    while page := engine.db.messages.page(conversation_id, before=before, limit=PAGE_MESSAGES):
        survey.starts.append(page[0].sort_key + 1 if before is None else before)
        survey.count += len(page)
        for m in page:
            for sha, _name, size in _files_of(engine, m):
                survey.blobs[sha] = size
        before = page[-1].sort_key
        if len(page) < PAGE_MESSAGES:
            break
    return survey


def _files_of(engine: Engine, m: Message) -> list[tuple[str, str, int]]:
    """(sha256, name, size) of each file a message brings into the export: its attachments, and a
    video's poster (its thumbnail, when cached: thumbnails come at once) so the page shows a frame."""
    files = []
    for a in m.attachments:
        files.append((a.blob, a.name, a.size))
        cached = engine.media_path(a.thumbnail) if a.kind == "video" and a.thumbnail else None
        if a.thumbnail and cached is not None:
            with open(cached, "rb") as f:
                head = f.read(16)
            extension = ".webp" if head[8:12] == b"WEBP" else ".png" if head.startswith(b"\x89PNG") else ".jpg"
            files.append((a.thumbnail, f"{Path(a.name).stem} poster{extension}", cached.stat().st_size))
    return files
