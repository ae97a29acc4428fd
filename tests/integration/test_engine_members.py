"""Members, titles and history from the client core against the real server: add, remove, rename, leave
(each needs the server, with a sentence offline), and a member added later paging in what came before."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.core import history, members
from desktop.core.db.records import Message
from desktop.core.engine import Engine
from desktop.core.events import ConversationsChanged, EngineEvent, MessageAdded
from desktop.core.names import title_of
from sync.server.runner import EmbeddedServer
from tests.integration.conftest import wait_for
from tests.samples import sample

PASSWORD = "password123"


@dataclass
class Club:
    """alice, bob and carol signed in (carol talks to alice); ``cid`` is alice's club with bob, who accepted it."""

    server: EmbeddedServer
    engines: dict[str, Engine]
    seen: dict[str, list[EngineEvent]]
    cid: str

    def __getitem__(self, name: str) -> Engine:
        return self.engines[name]


@pytest.fixture
def club(tmp_path: Path, embedded: Callable[..., EmbeddedServer]) -> Iterator[Club]:
    server = embedded()
    engines: dict[str, Engine] = {}
    seen: dict[str, list[EngineEvent]] = {}
    for name in ("alice", "bob", "carol"):
        seen[name] = []
        engines[name] = Engine(tmp_path / name, long_poll_s=1, listener=seen[name].append).start()
        engines[name].sign_up(server.url, name, PASSWORD)
    engines["carol"].create_conversation("", ["alice"])  # so alice adding carol is no request
    cid = engines["alice"].create_conversation("club", ["bob"])
    wait_for(lambda: engines["bob"].db.conversations.get(cid), what="the club at bob")
    engines["bob"].accept_request(cid)
    yield Club(server, engines, seen, cid)
    for engine in engines.values():
        engine.stop()


def _messages(engine: Engine, cid: str) -> list[Message]:
    return list(reversed(engine.db.messages.page(cid, limit=1000)))


def _wait_sent(engine: Engine, cid: str, count: int) -> None:
    """Until the conversation holds messages 1 to ``count`` at ``engine``, all sent (the next goes after them)."""
    wait_for(lambda: [m.seq for m in _messages(engine, cid)] == list(range(1, count + 1)), what=f"{count} sent")


def _members(engine: Engine, cid: str) -> tuple[str, ...]:
    conversation = engine.db.conversations.get(cid)
    return () if conversation is None else conversation.members


def test_rename_shows_here_at_once_and_at_the_others(club: Club) -> None:
    alice, bob = club["alice"], club["bob"]
    club.seen["alice"].clear()
    members.rename(alice, club.cid, "  Book club ")
    assert title_of(alice, club.cid) == "Book club" and ConversationsChanged() in club.seen["alice"]
    wait_for(lambda: title_of(bob, club.cid) == "Book club", what="the new title at bob")
    members.rename(bob, club.cid, "")
    wait_for(lambda: title_of(alice, club.cid) == "bob", what="untitled: the other member's name")
    with pytest.raises(members.NotAllowed, match="at most 200 characters; this one has 201"):
        members.rename(alice, club.cid, "x" * 201)


def test_add_and_remove_people(club: Club) -> None:
    alice, bob, carol = club["alice"], club["bob"], club["carol"]
    with pytest.raises(members.Refused) as refused:
        members.add_members(alice, club.cid, members.usernames_in("@Carol, nobody-here"))
    assert str(refused.value) == "Added carol. There is no user called 'nobody-here'."
    assert _members(alice, club.cid) == ("alice", "bob", "carol")  # at once, not only when the feed comes
    wait_for(lambda: _members(carol, club.cid) == ("alice", "bob", "carol"), what="the club at carol")
    conversation = carol.db.conversations.get(club.cid)
    assert conversation is not None and not conversation.is_request  # carol talks to alice
    assert members.add_members(alice, club.cid, ["bob", "carol"]).members == ("alice", "bob", "carol")

    with pytest.raises(members.NotAllowed, match="leave it"):
        members.remove_member(alice, club.cid, "alice")
    assert members.remove_member(bob, club.cid, "carol").members == ("alice", "bob")
    wait_for(lambda: carol.db.conversations.get(club.cid) is None, what="the club gone at carol")
    wait_for(lambda: _members(alice, club.cid) == ("alice", "bob"), what="carol gone at alice")
    with pytest.raises(members.Refused, match="not a member"):
        members.remove_member(bob, club.cid, "carol")


def test_a_stranger_added_gets_a_request(club: Club, tmp_path: Path) -> None:
    dave = Engine(tmp_path / "dave", long_poll_s=1).start()
    try:
        dave.sign_up(club.server.url, "dave", PASSWORD)
        members.add_members(club["bob"], club.cid, ["dave"])
        wait_for(lambda: dave.db.conversations.get(club.cid), what="the club at dave")
        conversation = dave.db.conversations.get(club.cid)
        assert conversation is not None and conversation.is_request and conversation.invited_by == "bob"
        with pytest.raises(members.NotAllowed, match=r"Accept this conversation before you rename it\."):
            members.rename(dave, club.cid, "mine now")
    finally:
        dave.stop()


def test_leave_and_the_conversation_is_gone(club: Club) -> None:
    alice, bob = club["alice"], club["bob"]
    bob.send(club.cid, "bye all")
    wait_for(lambda: [m.body for m in _messages(alice, club.cid)] == ["bye all"], what="bob's message at alice")
    members.leave(bob, club.cid)
    assert bob.db.conversations.get(club.cid) is None and _messages(bob, club.cid) == []
    wait_for(lambda: _members(alice, club.cid) == ("alice",), what="bob gone at alice")
    alice.send(club.cid, "come back")
    wait_for(lambda: _messages(alice, club.cid)[-1].state == "sent", what="alice's message sent")
    assert bob.db.conversations.get(club.cid) is None


def test_each_change_needs_the_server_and_says_so(club: Club) -> None:
    alice = club["alice"]
    club.server.stop()
    for change, doing in [(lambda: members.rename(alice, club.cid, "offline"), "Renaming"),
                          (lambda: members.add_members(alice, club.cid, ["carol"]), "Adding people"),
                          (lambda: members.remove_member(alice, club.cid, "bob"), "Removing someone"),
                          (lambda: members.leave(alice, club.cid), "Leaving")]:
        with pytest.raises(members.NeedsServer) as offline:
            change()
        assert str(offline.value) == (f"{doing} needs the server, which can't be reached right now. "
                                      "Try again when you're back online.")
    assert title_of(alice, club.cid) == "club" and _members(alice, club.cid) == ("alice", "bob")
    with pytest.raises(history.HistoryUnavailable, match="can't be reached"):
        history.fetch_older(alice, club.cid)


def test_a_member_added_later_pages_in_the_history_in_order_once(club: Club) -> None:
    alice, bob, carol = club["alice"], club["bob"], club["carol"]
    photo = alice.send(club.cid, "the first photo", [sample("photos/coffee_with_gps.jpg")])
    _wait_sent(alice, club.cid, 1)
    for i in range(1, 30):
        (alice if i % 2 else bob).send(club.cid, f"message {i}")
        _wait_sent(alice, club.cid, i + 1)
    members.add_members(alice, club.cid, ["carol"])
    wait_for(lambda: carol.db.conversations.get(club.cid), what="the club at carol")
    assert _messages(carol, club.cid) == [] and history.may_have_older(carol, club.cid)

    club.seen["carol"].clear()
    pages = []
    while history.may_have_older(carol, club.cid):
        pages.append(history.fetch_older(carol, club.cid, limit=12))
    assert pages == [history.HistoryPage(12, False), history.HistoryPage(12, False), history.HistoryPage(6, True)]
    got = _messages(carol, club.cid)
    assert [m.seq for m in got] == list(range(1, 31))
    assert got[0].body == "the first photo" and [m.body for m in got[1:3]] == ["message 1", "message 2"]
    assert not any(isinstance(e, MessageAdded) for e in club.seen["carol"])  # old news: no notification
    thumbnail = photo.attachments[0].thumbnail
    assert thumbnail is not None
    wait_for(lambda: carol.media_path(thumbnail) is not None, what="the old photo's thumbnail at carol")

    assert history.fetch_older(carol, club.cid) == history.HistoryPage(0, True)
    alice.send(club.cid, "welcome, carol")
    wait_for(lambda: len(_messages(carol, club.cid)) == 31, what="the welcome at carol")
    assert [m.seq for m in _messages(carol, club.cid)] == list(range(1, 32))


def test_pages_already_here_are_passed_over(club: Club) -> None:
    """The feed brought the newest messages, and carol deleted the ones before for herself: a fetch goes
    past them to the start instead of asking for the same page again and again."""
    alice, carol = club["alice"], club["carol"]
    for i in range(6):
        alice.send(club.cid, f"early {i}")
    wait_for(lambda: all(m.state == "sent" for m in _messages(alice, club.cid)) and
             len(_messages(alice, club.cid)) == 6, what="six sent")
    members.add_members(alice, club.cid, ["carol"])
    wait_for(lambda: carol.db.conversations.get(club.cid), what="the club at carol")
    assert history.fetch_older(carol, club.cid, limit=2) == history.HistoryPage(2, False)
    for m in _messages(carol, club.cid):
        carol.delete_for_me(m.id)
    assert history.fetch_older(carol, club.cid, limit=2) == history.HistoryPage(2, False)
    assert [m.body for m in _messages(carol, club.cid)] == ["early 2", "early 3"]


def test_history_of_a_conversation_one_was_removed_from_is_quietly_complete(club: Club) -> None:
    """Removed (or left elsewhere) before the feed says so: asking for older messages is no error to show."""
    alice, bob = club["alice"], club["bob"]
    bob.stop()  # not listening: the removal reaches bob's database only later
    members.remove_member(alice, club.cid, "bob")
    bob = club.engines["bob"] = Engine(bob.data_dir, long_poll_s=1)  # not started: no feed
    assert bob.db.conversations.get(club.cid) is not None
    assert history.fetch_older(bob, club.cid) == history.HistoryPage(0, True)
