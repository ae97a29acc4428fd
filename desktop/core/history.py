"""Older messages the feed never gave this profile (it joined the conversation later), paged in from the server.

The feed brings a member everything from the moment they were added; what came before is on the
server's history endpoint (``GET …/messages?before=<seq>``). Messages are numbered from 1 in each
conversation, so while the oldest one here has a seq above 1 (or none is here yet), there may be
older ones. A page is filed through the same upsert as the feed's, so a message the feed brings
too is never filed twice, and its thumbnails are queued as a new message's are (none for a request).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktop.core.errors import UserFacingError
from desktop.core.feed_page import UNFILEABLE
from sync.client import ApiError, Offline

if TYPE_CHECKING:
    from desktop.core.engine import Engine

PAGE_SIZE = 50


class HistoryUnavailable(UserFacingError):
    """Older messages could not be fetched (the server can't be reached, or refused); nothing changed."""


@dataclass(frozen=True)
class HistoryPage:
    """What one fetch did: how many messages are new here, and whether the server has anything older."""

    filed: int
    complete: bool


def may_have_older(engine: Engine, conversation_id: str) -> bool:
    """Whether the server may hold messages older than any here (no network: the local seqs say)."""
    oldest = engine.db.messages.oldest_seq(conversation_id)
    return oldest is None or oldest > 1


def fetch_older(engine: Engine, conversation_id: str, *, limit: int = PAGE_SIZE) -> HistoryPage:
    """Fetch and file the messages just older than the oldest here (the newest ones when none is here).

    A page whose messages are all here already (or deleted here) is passed over for the next one,
    so a call files something or reaches the start. Raises HistoryUnavailable.
    """
    if not may_have_older(engine, conversation_id):
        return HistoryPage(0, True)
    client = engine.client
    if client is None:
        raise HistoryUnavailable("Older messages can be loaded once you're signed in again.")
    before = engine.db.messages.oldest_seq(conversation_id)
    while True:
        try:
            page = client.history(conversation_id, before=before, limit=limit)
            oldest = min((m.seq for m in page), default=0)
            complete = len(page) < limit or oldest <= 1 or (before is not None and oldest >= before)
            with engine.db.batch():  # left or removed meanwhile: file nothing (it would come back as a ghost)
                if engine.db.conversations.get(conversation_id) is None:
                    return HistoryPage(0, True)
                new = [u.message for u in engine.db.messages.upsert_remote_many(page) if u.change == "inserted"]
        except Offline:
            raise HistoryUnavailable("Older messages can't be loaded while the server can't be reached.") from None
        except ApiError as exc:
            if exc.status == 404:  # no longer a member (left, removed): nothing older to show; the feed says the rest
                return HistoryPage(0, True)
            raise HistoryUnavailable(f"Older messages can't be loaded: {exc.message}") from None
        except UNFILEABLE:
            raise HistoryUnavailable("Older messages can't be loaded: the server sent something this app "
                                     "can't read.") from None
        if new or complete:
            break
        before = oldest
    engine.downloads.want_messages(new)
    if new:
        engine.conversations_changed()
    return HistoryPage(len(new), complete)
