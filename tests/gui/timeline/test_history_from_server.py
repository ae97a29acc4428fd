"""A member added later scrolls to the top of the conversation and gets what came before, from the server:
all of it, in order, once, with the old photo's thumbnail."""

from __future__ import annotations

from collections.abc import Callable

from pytestqt.qtbot import QtBot

from desktop.ui.media.thumbnails import ThumbnailCache
from desktop.ui.timeline.model import TimelineModel
from desktop.ui.timeline.view import TimelineView
from sync.client import SyncClient
from sync.protocol import MessageCreate
from tests.gui.conftest import SAMPLES, AppUser, Chat, wait_until_open

WAIT_MS = 20_000
EARLIER = 30


def _client(user: AppUser) -> SyncClient:
    client = user.engine.client
    assert client is not None
    return client


def _thirty_then_carol(chat: Chat, carol: AppUser, qtbot: QtBot) -> str:
    """30 messages in the chat (a photo first), then alice adds carol (a friend) and welcomes her: the
    photo's thumbnail sha256. Everything here goes over HTTP: the test's thread writes no database."""
    alice = chat.alice
    _client(carol).create_conversation("", ["alice"])  # carol talks to alice: the chat is no request for her
    alice.bridge.run(lambda: alice.engine.send(chat.cid, "the first photo", [SAMPLES / "photos/chelsea.png"]))
    qtbot.waitUntil(lambda: [m.seq for m in alice.engine.db.messages.page(chat.cid)] == [1], timeout=WAIT_MS)
    for i in range(1, EARLIER):
        author = alice if i % 2 else chat.bob
        _client(author).post_message(chat.cid, MessageCreate(client_id=f"early-{i}", body=f"message {i}"))
    _client(alice).add_member(chat.cid, "carol")
    _client(alice).post_message(chat.cid, MessageCreate(client_id="welcome", body="welcome, carol"))
    qtbot.waitUntil(lambda: len(carol.engine.db.messages.page(chat.cid)) == 1, timeout=WAIT_MS)
    (photo,) = alice.engine.db.messages.page(chat.cid, before=2, limit=1)[0].attachments
    assert photo.thumbnail is not None
    return photo.thumbnail


def test_opening_the_conversation_brings_what_came_before(chat: Chat, make_user: Callable[[str], AppUser],
                                                          qtbot: QtBot) -> None:
    carol = make_user("carol")
    thumbnail = _thirty_then_carol(chat, carol, qtbot)
    assert [m.body for m in carol.engine.db.messages.page(chat.cid)] == ["welcome, carol"]  # the feed's part
    wait_until_open(qtbot, carol, chat.cid)  # one message: the top is in sight, the rest is asked for
    qtbot.waitUntil(lambda: len(carol.rows()) == EARLIER + 1, timeout=WAIT_MS)
    assert [m.seq for m in carol.rows()] == list(range(1, EARLIER + 2))
    assert [m.body for m in carol.rows()][:3] == ["the first photo", "message 1", "message 2"]
    qtbot.waitUntil(lambda: carol.engine.media_path(thumbnail) is not None, timeout=WAIT_MS)
    assert not carol.model.canFetchMore()  # the start is reached: nothing more is asked for


def test_scrolling_up_pages_in_a_page_at_a_time(chat: Chat, make_user: Callable[[str], AppUser],
                                                qtbot: QtBot) -> None:
    carol = make_user("carol")
    _thirty_then_carol(chat, carol, qtbot)
    view = TimelineView(ThumbnailCache(carol.engine.media_path))
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show()
    model = TimelineModel(carol.bridge, chat.cid, page_size=8, parent=view)
    loaded: list[int] = []
    model.history_loaded.connect(loaded.append)
    view.setModel(model)

    def scrolled_to_the_top() -> bool:
        view.verticalScrollBar().setValue(0)
        return model.rowCount() == EARLIER + 1

    qtbot.waitUntil(scrolled_to_the_top, timeout=WAIT_MS)
    assert loaded == [8, 8, 8, 6]  # one server page at a time, each shown as it came
    assert [model.message_at(r).seq for r in range(model.rowCount())] == list(range(1, EARLIER + 2))
    assert not model.canFetchMore() and not model.fetching  # the start is reached: nothing more is asked for
