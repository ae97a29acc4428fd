"""The metadata contract for each user's feed: pages after a cursor, positions in commit order, under concurrency."""

from __future__ import annotations

import itertools
import random
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from sync.protocol import SyncEvent
from sync.server.metadata import Metadata
from sync.server.metadata.accounts import User
from tests.unit.sync.server.metadata.builders import conversation, events, positioned, post, user

WRITERS = 8
POSTS_PER_WRITER = 30
PAGE = 7


def test_an_empty_feed(meta: Metadata, alice: User) -> None:
    page = meta.feed.after(alice.id, 0, limit=PAGE)
    assert (page.events, page.cursor, page.has_more) == ([], "0", False)


def test_pages_with_has_more_and_cursor(meta: Metadata, alice: User, bob: User) -> None:
    conversation(meta, "c1", alice, bob)
    bodies = [f"message {i}" for i in range(1, 11)]
    for body in bodies:
        post(meta, "c1", bob, body)  # alice's feed: the conversation, then 10 messages

    first = meta.feed.after(alice.id, 0, limit=4)
    assert first.has_more and len(first.events) == 4
    assert first.events[0].type == "conversation"
    second = meta.feed.after(alice.id, int(first.cursor), limit=4)
    assert second.has_more and len(second.events) == 4
    third = meta.feed.after(alice.id, int(second.cursor), limit=4)
    assert not third.has_more and len(third.events) == 3
    assert int(first.cursor) < int(second.cursor) < int(third.cursor)
    paged = [e.message.body for e in first.events + second.events + third.events if e.message]
    assert paged == bodies

    end = meta.feed.after(alice.id, int(third.cursor), limit=4)
    assert (end.events, end.cursor, end.has_more) == ([], third.cursor, False)
    exact = meta.feed.after(alice.id, 0, limit=11)
    assert len(exact.events) == 11 and not exact.has_more and exact.cursor == third.cursor


def test_positions_strictly_increase(meta: Metadata, alice: User, bob: User) -> None:
    conversation(meta, "c1", alice, bob)
    conversation(meta, "c2", bob, alice)
    for i in range(6):
        post(meta, "c1" if i % 2 else "c2", alice)
    meta.conversations.remove_member("c1", bob.id)
    for member in (alice, bob):
        positions = [p for p, _ in positioned(meta, member.id)]
        assert positions == sorted(set(positions))
        assert len(positions) >= 7


def test_a_feed_is_its_users_alone(meta: Metadata, alice: User, bob: User, carol: User) -> None:
    conversation(meta, "ab", alice, bob)
    conversation(meta, "bc", bob, carol)
    post(meta, "ab", alice, "for alice and bob")
    post(meta, "bc", carol, "for bob and carol")
    assert {e.conversation_id for e in events(meta, alice.id)} == {"ab"}
    assert {e.conversation_id for e in events(meta, carol.id)} == {"bc"}
    assert {e.conversation_id for e in events(meta, bob.id)} == {"ab", "bc"}
    bobs_positions = {p for p, _ in positioned(meta, bob.id)}
    assert bobs_positions.isdisjoint(p for p, _ in positioned(meta, alice.id) + positioned(meta, carol.id))


def _key(event: SyncEvent) -> tuple[str, str]:
    return (event.type, event.message.id if event.message else event.conversation_id)


def _read_in_pages(meta: Metadata, user_id: str, cursor: int = 0) -> tuple[list[SyncEvent], int]:
    """Every event after ``cursor`` in pages of PAGE, checking each page's shape; the events and the new cursor."""
    out: list[SyncEvent] = []
    while True:
        page = meta.feed.after(user_id, cursor, limit=PAGE)
        assert len(page.events) <= PAGE
        assert int(page.cursor) >= cursor
        if page.events:
            assert int(page.cursor) > cursor
        out.extend(page.events)
        cursor = int(page.cursor)
        if not page.has_more:
            return out, cursor


def test_concurrent_posts_reach_every_feed_once_in_commit_order(meta: Metadata) -> None:
    """8 threads post into overlapping conversations while readers follow two feeds: nothing lost, doubled or late."""
    people = [user(meta, name) for name in ("ann", "ben", "cat", "dan", "eve", "fay")]
    rooms = {
        "all": people,
        "ann-ben": people[:2],
        "ben-cat-dan": people[1:4],
        "eve-fay": people[4:],
        "ann-fay": [people[0], people[5]],
    }
    for room, members in rooms.items():
        conversation(meta, room, members[0], *members[1:])
    followed = [people[0], people[1]]
    writing = threading.Event()
    writing.set()

    def writer(n: int) -> list[tuple[str, str]]:
        rng = random.Random(n)
        posted = []
        try:
            for i in range(POSTS_PER_WRITER):
                room = rng.choice(sorted(rooms))
                message = post(meta, room, rng.choice(rooms[room]), f"writer {n} post {i}")
                posted.append((room, message.id))
        finally:
            meta.close()  # this thread's connection
        return posted

    def follower(person: User) -> list[SyncEvent]:
        """Reads the feed while it grows; a cursor once past a position never needs to come back."""
        seen: list[SyncEvent] = []
        cursor = 0
        try:
            while writing.is_set():
                more, cursor = _read_in_pages(meta, person.id, cursor)
                seen.extend(more)
            more, cursor = _read_in_pages(meta, person.id, cursor)
            seen.extend(more)
        finally:
            meta.close()
        return seen

    with ThreadPoolExecutor(WRITERS + len(followed)) as pool:
        following = [pool.submit(follower, person) for person in followed]
        writes = [pool.submit(writer, n) for n in range(WRITERS)]
        posted = [p for w in writes for p in w.result()]
        writing.clear()
        followed_feeds = [f.result() for f in following]

    assert len(posted) == WRITERS * POSTS_PER_WRITER
    for person in people:
        rooms_of = {room for room, members in rooms.items() if person in members}
        expected = {("conversation", room) for room in rooms_of} | {
            ("message", mid) for room, mid in posted if room in rooms_of}
        feed, _ = _read_in_pages(meta, person.id)
        keys = [_key(e) for e in feed]
        assert len(keys) == len(set(keys)), f"{person.username}: an event came twice"
        assert set(keys) == expected, f"{person.username}: events missing or foreign"

        seqs: dict[str, list[int]] = defaultdict(list)
        for event in feed:
            if event.message:
                seqs[event.conversation_id].append(event.message.seq)
        for room, numbers in seqs.items():
            assert numbers == list(range(1, len(numbers) + 1)), f"{person.username}/{room}: seq out of order"

        one_by_one = positioned(meta, person.id)
        positions = [p for p, _ in one_by_one]
        assert all(a < b for a, b in itertools.pairwise(positions))
        assert [_key(e) for _, e in one_by_one] == keys

    for person, seen in zip(followed, followed_feeds, strict=True):
        assert [_key(e) for e in seen] == [_key(e) for e in _read_in_pages(meta, person.id)[0]]
