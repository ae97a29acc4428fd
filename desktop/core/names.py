"""How people and conversations are named on screen: the one rule every screen uses."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.core.engine import Engine


def display_name(username: str) -> str:
    """A person as the app shows them: their username exactly as they chose it."""
    return username


def sender_beside(title: str, sender: str) -> str:
    """The sender's name to show beside a conversation's title, or "" when the title already is that name.

    In a one-to-one chat the title is the other person, so "alice · alice" would say it twice.
    """
    name = display_name(sender)
    return "" if title.strip() == name else name


def conversation_title(title: str, members: Iterable[str], me: str) -> str:
    """A conversation's title; untitled, the other members' names; alone, "Just you"."""
    if title.strip():
        return title.strip()
    others = [display_name(m) for m in members if m != me]
    return ", ".join(others) or "Just you"


def title_of(engine: Engine, conversation_id: str) -> str:
    """The title of a conversation known to the local db, as the signed-in user sees it."""
    conversation = engine.db.conversations.get(conversation_id)
    if conversation is None:
        return "Unknown conversation"
    account = engine.account
    return conversation_title(conversation.title, conversation.members, account.username if account else "")
