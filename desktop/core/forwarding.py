"""Forwarding a message to another conversation: the same blobs by reference, so no bytes move again.

A forward is a new message of the forwarder's in the target conversation, written locally as
pending like any send, with the original's text and attachments (blobs, thumbnails, names, kinds,
sizes, previews). The server lets anyone attach a blob they may read, and everyone who can see a
message may read its blobs, so nothing is uploaded: the outbox only has blobs of ours still
waiting to upload to send, and checks even those first. Nothing needs to be downloaded either:
a forward of media never fetched here names the same blobs all the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.core.db.records import Message
from desktop.core.errors import UnknownConversation, UnknownMessage, UserFacingError
from desktop.core.events import MessageAdded

if TYPE_CHECKING:
    from desktop.core.engine import Engine


class NotForwardable(UserFacingError):
    """The message or the target conversation can't take part in a forward; the sentence says why."""


def can_forward(message: Message) -> bool:
    """Whether a message may be forwarded: it has something in it, and it did not fail to send."""
    return message.state != "failed" and bool(message.body.strip() or message.attachments)


def forward(engine: Engine, message_id: int, conversation_id: str) -> Message:
    """Write a copy of message ``message_id`` into ``conversation_id`` as our own pending message.

    Works offline (it goes out when the server is back) and for media not in the cache. Emits
    ``MessageAdded`` and a conversation-list change, and wakes the outbox, as a send does.
    Raises UnknownMessage, UnknownConversation, NotForwardable (a failed or empty message, a
    conversation request not accepted yet), NotSignedIn.
    """
    message = engine.db.messages.get(message_id)
    if message is None:
        raise UnknownMessage(str(message_id))
    if message.state == "failed":
        raise NotForwardable("This message didn't reach the server; send it again before forwarding it.")
    if not can_forward(message):
        raise NotForwardable("There is nothing in this message to forward.")
    target = engine.db.conversations.get(conversation_id)
    if target is None:
        raise UnknownConversation(conversation_id)
    if target.is_request:
        raise NotForwardable("Accept this conversation before forwarding messages to it.")
    copy = engine.db.messages.add_local(conversation_id, message.body, message.attachments)
    engine.emit(MessageAdded(copy.id, conversation_id))
    engine.conversations_changed()
    engine.outbox.kick()
    return copy
