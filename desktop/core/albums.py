"""Which messages files sent together become: photos and videos as albums, every other file alone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from desktop.core.db.records import Message
from sync.media.pipeline import sniff

ALBUM_LIMIT = 10
"""At most this many photos and videos share a message (as Telegram does); more make further albums."""
VISUAL_KINDS = frozenset({"image", "video"})

T = TypeVar("T")
SendOne = Callable[[str, list[Path]], Message]
"""Sends one message: (text, files) → the message written locally (``Engine.send`` bound to a conversation)."""


def group(items: Sequence[tuple[T, str]]) -> list[list[T]]:
    """The messages ``items`` (each with its kind) go as, ordered by each message's first item.

    Photos and videos gather into albums of at most ALBUM_LIMIT in the order given, even with other
    files between them; any other file (a document, a voice note, audio) is a message of its own,
    as it is shown as a block of its own and opened on its own.
    """
    messages: list[list[T]] = []
    album: list[T] | None = None
    for item, kind in items:
        if kind not in VISUAL_KINDS:
            messages.append([item])
        elif album is not None and len(album) < ALBUM_LIMIT:
            album.append(item)
        else:
            album = [item]
            messages.append(album)
    return messages


@dataclass
class Sending:
    """What became of files sent together: the messages written, and the files left out with why."""

    messages: list[Message] = field(default_factory=list)
    unreadable: list[tuple[Path, OSError]] = field(default_factory=list)


def send_files(send: SendOne, body: str, files: Sequence[Path],
               kind_of: Callable[[Path], str] = lambda path: sniff(path)[0]) -> Sending:
    """Send ``body`` and ``files`` as the messages ``group`` makes; the text goes with the first that is sent.

    A file that can't be read (moved or deleted since it was attached) is left out and reported; its
    album still goes without it. With no file left, the text goes alone. Blocking (files are read
    and previewed): call it off the GUI thread. Raises what ``send`` raises other than OSError.
    """
    result = Sending()
    kinds: list[tuple[Path, str]] = []
    for path in files:
        try:
            kinds.append((path, kind_of(path)))
        except OSError as exc:
            result.unreadable.append((path, exc))
    for paths in group(kinds):
        while paths:
            try:
                result.messages.append(send("" if result.messages else body, paths))
                break
            except OSError as exc:
                gone = {p: e for p in paths if (e := read_error(p)) is not None}
                if not gone:  # every file reads: the trouble is elsewhere (the cache's disk), so none went
                    gone = dict.fromkeys(paths, exc)
                result.unreadable += gone.items()
                paths = [p for p in paths if p not in gone]
    if body and not result.messages:
        result.messages.append(send(body, []))
    return result


def read_error(path: Path) -> OSError | None:
    """Why ``path`` can't be read now, or None when it can."""
    try:
        with path.open("rb") as f:
            f.read(1)
    except OSError as exc:
        return exc
    return None
