"""A conversation's people and title, changed from this profile: add, remove, rename, leave.

Each needs the server (membership and titles are the server's to keep); offline, each raises
``NeedsServer`` with a sentence saying so, and nothing changes here. After the server agrees, the
local copy is updated at once (the feed brings the same state a moment later; filing it twice
changes nothing). Adding a stranger follows the consent rule on the server: the conversation is a
request for them until they accept it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from desktop.core.db.records import Conversation, Wire
from desktop.core.errors import NotSignedIn, UnknownConversation, UserFacingError
from sync.client import ApiError, Offline, SyncClient
from sync.protocol import MAX_TITLE_CHARS

if TYPE_CHECKING:
    from desktop.core.engine import Engine

T = TypeVar("T")


class NeedsServer(UserFacingError):
    """The change needs the server, which can't be reached; nothing changed."""


class NotAllowed(UserFacingError):
    """The change does not make sense here (yourself through Remove, a title too long, a request)."""


class Refused(UserFacingError):
    """The server said no (an unknown name, a full conversation, not a member any more): its sentence."""

    def __init__(self, sentence: str, status: int) -> None:
        super().__init__(sentence)
        self.status = status


def usernames_in(text: str) -> list[str]:
    """The usernames typed in a field, separated by commas, semicolons or spaces (an "@" before one is fine)."""
    names = (n.lstrip("@") for n in re.split(r"[\s,;]+", text.strip().lower()))
    return list(dict.fromkeys(n for n in names if n))


def add_members(engine: Engine, conversation_id: str, usernames: Sequence[str]) -> Conversation:
    """Add people by username, one after another; those already in are skipped.

    Raises NeedsServer, NotAllowed (a request), NotSignedIn, Refused (an unknown name, a full
    conversation: the server's sentence, after saying whom it added before that).
    """
    conversation = _accepted(engine, conversation_id, "add people")
    wanted = [name for name in usernames if name not in conversation.members]
    added: list[str] = []
    try:
        for name in wanted:
            _call(engine, "Adding people", partial(SyncClient.add_member, conversation_id=conversation_id,
                                                   username=name))
            added.append(name)
    except Refused as exc:
        if not added:
            raise
        _refresh(engine, conversation_id)
        raise Refused(f"Added {', '.join(added)}. {exc}", exc.status) from None
    return _refresh(engine, conversation_id) if wanted else conversation


def remove_member(engine: Engine, conversation_id: str, username: str) -> Conversation:
    """Take someone else out of the conversation; they stop seeing it, old messages and files included.

    Raises NeedsServer, NotAllowed (yourself: that is ``leave``; a request), NotSignedIn, Refused.
    """
    if username == _me(engine):
        raise NotAllowed("To take yourself out of a conversation, leave it.")
    _accepted(engine, conversation_id, "remove people")
    _call(engine, "Removing someone", lambda client: client.remove_member(conversation_id, username))
    return _refresh(engine, conversation_id)


def rename(engine: Engine, conversation_id: str, title: str) -> Conversation:
    """Give the conversation a new title for everyone in it; an empty one shows the members' names.

    Raises NeedsServer, NotAllowed (too long; a request), NotSignedIn, Refused.
    """
    title = title.strip()
    if len(title) > MAX_TITLE_CHARS:
        raise NotAllowed(f"A title can be at most {MAX_TITLE_CHARS} characters; this one has {len(title)}.")
    _accepted(engine, conversation_id, "rename it")
    renamed = _call(engine, "Renaming", lambda client: client.rename_conversation(conversation_id, title))
    return _store(engine, renamed)


def leave(engine: Engine, conversation_id: str) -> None:
    """Leave the conversation: it disappears from here with its messages (as deleting a request does).

    Raises NeedsServer, NotSignedIn, Refused.
    """
    me = _me(engine)
    _call(engine, "Leaving", lambda client: client.remove_member(conversation_id, me))
    engine.db.conversations.remove(conversation_id)
    engine.conversations_changed()


# -- helpers -------------------------------------------------------------------------------------------
def _me(engine: Engine) -> str:
    account = engine.account
    if account is None:
        raise NotSignedIn()
    return account.username


def _accepted(engine: Engine, conversation_id: str, what: str) -> Conversation:
    conversation = engine.db.conversations.get(conversation_id)
    if conversation is None:
        raise UnknownConversation(conversation_id)
    if conversation.is_request:
        raise NotAllowed(f"Accept this conversation before you {what}.")
    return conversation


def _call(engine: Engine, doing: str, call: Callable[[SyncClient], T]) -> T:
    client = engine.client
    if client is None:
        raise NotSignedIn()
    try:
        return call(client)
    except Offline:
        raise NeedsServer(f"{doing} needs the server, which can't be reached right now. "
                          "Try again when you're back online.") from None
    except ApiError as exc:
        raise Refused(exc.message, exc.status) from None


def _refresh(engine: Engine, conversation_id: str) -> Conversation:
    return _store(engine, _call(engine, "Updating the conversation",
                                lambda client: client.conversation(conversation_id)))


def _store(engine: Engine, conversation: Wire) -> Conversation:
    stored = engine.db.conversations.upsert(conversation)
    engine.conversations_changed()
    return stored
