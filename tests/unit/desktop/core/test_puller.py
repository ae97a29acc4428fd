"""The feed puller against canned /v1/sync answers: one event it cannot file never blocks the feed."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from desktop.core.downloads import BACKGROUND, THUMBNAIL
from desktop.core.engine import Engine
from desktop.core.errors import DatabaseUnavailable
from desktop.core.events import EngineEvent, MessageAdded
from sync.client import SyncClient

CID = "c1"
WAIT_S = 30  # a bound on waiting for the other thread: reached only when something is broken


class CannedFeed(SyncClient):
    """A SyncClient whose /v1/sync answers are JSON pages the test wrote, however hostile.

    Everything past the HTTP request is the real client: the page is parsed as it would be off the wire.
    """

    def __init__(self, *pages: Any) -> None:
        super().__init__("http://feed.invalid", "token")
        self.pages = list(pages)
        self.asked: list[str | None] = []

    def request(self, method: str, path: str, *, timeout: float | None = None, **kw: Any) -> requests.Response:
        assert (method, path) == ("GET", "/v1/sync")
        self.asked.append(kw["params"].get("cursor"))
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "application/json"
        response._content = json.dumps(self.pages[0] if len(self.pages) == 1 else self.pages.pop(0)).encode()
        return response


def conversation_event() -> dict[str, Any]:
    return {"type": "conversation", "conversation_id": CID,
            "conversation": {"id": CID, "title": "Trip", "members": ["alice", "mallory"],
                             "created_at": "2024-05-01T09:00:00+00:00"}}


def message_event(seq: int, body: str = "", attachments: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"type": "message", "conversation_id": CID,
            "message": {"id": f"m{seq}", "client_id": f"k{seq}", "conversation_id": CID, "sender": "mallory",
                        "body": body, "attachments": attachments or [], "seq": seq,
                        "created_at": "2024-05-01T10:00:00+00:00"}}


def photo(**fields: Any) -> dict[str, Any]:
    return {"blob": "a" * 64, "size": 1000, "mime": "image/jpeg", "name": "IMG_1.jpg", "kind": "image", **fields}


def clip(**numbers: int) -> dict[str, Any]:
    return {"blob": "b" * 64, "size": 1000, "mime": "video/mp4", "name": "clip.mp4", "kind": "video", **numbers}


def page(*events: Any, cursor: str = "10", has_more: bool = False) -> dict[str, Any]:
    return {"events": list(events), "cursor": cursor, "has_more": has_more}


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = Engine(tmp_path / "alice")  # never started: the test runs the puller's steps itself
    yield engine
    engine.stop()


def heard(engine: Engine) -> list[EngineEvent]:
    events: list[EngineEvent] = []
    engine.add_listener(events.append)
    return events


def bodies(engine: Engine) -> list[str]:
    return [m.body for m in reversed(engine.db.messages.page(CID))]


def test_attachments_too_big_for_sqlite_are_quarantined_and_the_rest_of_the_page_is_filed(engine: Engine) -> None:
    hostile = [message_event(2, attachments=[photo(width=2**63)]),
               message_event(3, attachments=[clip(height=10**30, duration_ms=10**30)])]
    engine.client = CannedFeed(page(conversation_event(), message_event(1, "before"), *hostile,
                                    message_event(4, "after"), cursor="10"))
    told = heard(engine)

    assert engine.puller.step() == 0

    assert bodies(engine) == ["before", "after"]
    assert engine.db.cursor() == "10"
    kept = engine.db.quarantine.all()
    assert [json.loads(q.raw) for q in kept] == hostile
    assert [(q.position, q.after_cursor, q.page_cursor) for q in kept] == [(2, None, "10"), (3, None, "10")]
    assert all(q.error and q.conversation_id == CID and q.type == "message" for q in kept)
    assert [e.conversation_id for e in told if isinstance(e, MessageAdded)] == [CID, CID]
    assert engine.state == "online"


def test_events_of_any_malformed_shape_are_quarantined(engine: Engine) -> None:
    no_sender = message_event(3)
    del no_sender["message"]["sender"]
    malformed = [
        42,
        {"type": "reaction", "conversation_id": CID},
        {"type": "message", "conversation_id": CID},
        no_sender,
        message_event(4, attachments=[photo(width=-1)]),
        {"type": "conversation", "conversation_id": CID, "conversation": {"id": CID, "title": "x", "members": "ab"}},
        message_event(5, attachments=[photo(blob="not a sha")]),
    ]
    engine.client = CannedFeed(page(conversation_event(), *malformed, message_event(6, "fine"), cursor="7"))

    assert engine.puller.step() == 0

    assert bodies(engine) == ["fine"]
    assert engine.db.cursor() == "7"
    assert [json.loads(q.raw) for q in engine.db.quarantine.all()] == malformed


def test_a_full_disk_is_not_quarantined_the_page_is_retried(engine: Engine) -> None:
    engine.client = CannedFeed(page(conversation_event(), message_event(1, "hello " * 50_000), cursor="2"))
    db = engine.db
    with db._conns.write() as conn:  # a real SQLITE_FULL: no page may be added
        pages = next(conn.query("PRAGMA page_count"))["page_count"]
        conn.execute(f"PRAGMA max_page_count = {pages}")

    with pytest.raises(DatabaseUnavailable, match="disk is full"):
        engine.puller.step()

    assert db.cursor() is None
    assert db.quarantine.all() == []
    assert db.conversations.get(CID) is None
    with db._conns.write() as conn:
        conn.execute("PRAGMA max_page_count = 1073741823")
    assert engine.puller.step() == 0
    assert [len(b) for b in bodies(engine)] == [300_000]
    assert db.cursor() == "2"
    assert db.quarantine.all() == []


def test_a_page_that_is_not_a_page_files_nothing_and_backs_off(engine: Engine) -> None:
    engine.client = CannedFeed({"events": [message_event(1, "hello")], "has_more": False})  # no cursor

    delay = engine.puller.step()

    assert delay is not None and delay > 0
    assert engine.db.cursor() is None
    assert engine.db.quarantine.all() == []


def test_the_next_sync_asks_from_the_page_after_the_quarantined_events(engine: Engine) -> None:
    feed = CannedFeed(page(conversation_event(), message_event(1, attachments=[photo(width=2**64)]),
                           cursor="5", has_more=True),
                      page(message_event(2, "next"), cursor="6"))
    engine.client = feed

    assert engine.puller.step() == 0
    assert engine.puller.step() == 0

    assert feed.asked == [None, "5"]
    assert bodies(engine) == ["next"]
    assert engine.db.cursor() == "6"
    assert len(engine.db.quarantine.all()) == 1


class CursorFeed(SyncClient):
    """A SyncClient whose /v1/sync answers by cursor; the answer for ``held`` waits for ``release``."""

    def __init__(self, pages: dict[str | None, Any], *, held: str = "no cursor held") -> None:
        super().__init__("http://feed.invalid", "token")
        self.pages = pages
        self.asked: list[str | None] = []
        self.held = held
        self.holding = threading.Event()
        self.release = threading.Event()

    def request(self, method: str, path: str, *, timeout: float | None = None, **kw: Any) -> requests.Response:
        cursor = kw["params"].get("cursor")
        self.asked.append(cursor)
        if cursor == self.held:
            self.holding.set()
            assert self.release.wait(WAIT_S)
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(self.pages[cursor]).encode()
        return response


def test_the_next_page_is_asked_for_while_this_one_is_filed_and_not_asked_again(engine: Engine) -> None:
    feed = CursorFeed({None: page(conversation_event(), message_event(1, "first"), cursor="5", has_more=True),
                       "5": page(message_event(2, "second"), cursor="6")}, held="5")
    engine.client = feed

    assert engine.puller.step() == 0  # files the first page while the second is on its way
    assert feed.holding.wait(WAIT_S)
    assert bodies(engine) == ["first"]
    feed.release.set()
    assert engine.puller.step() == 0

    assert feed.asked == [None, "5"]
    assert bodies(engine) == ["first", "second"]
    assert engine.db.cursor() == "6"


def test_a_page_that_failed_to_file_is_asked_for_again_and_the_page_after_it_dropped(engine: Engine) -> None:
    feed = CursorFeed({None: page(conversation_event(), message_event(1, "hello " * 50_000), cursor="5",
                                  has_more=True),
                       "5": page(message_event(2, "after"), cursor="6")})
    engine.client = feed
    db = engine.db
    with db._conns.write() as conn:  # a real SQLITE_FULL: no page may be added
        conn.execute(f"PRAGMA max_page_count = {next(conn.query('PRAGMA page_count'))['page_count']}")

    with pytest.raises(DatabaseUnavailable, match="disk is full"):
        engine.puller.step()

    with db._conns.write() as conn:
        conn.execute("PRAGMA max_page_count = 1073741823")
    assert engine.puller.step() == 0  # from the stored cursor (none): the page after it was for nothing
    assert engine.puller.step() == 0
    assert feed.asked[0] is None and feed.asked[-2:] == [None, "5"]
    assert [len(b) for b in bodies(engine)] == [300_000, 5]
    assert db.cursor() == "6"


def test_a_pages_photos_are_queued_thumbnail_first_and_text_queues_nothing(engine: Engine) -> None:
    engine.client = CannedFeed(page(conversation_event(), message_event(1, "just text"),
                                    message_event(2, attachments=[photo(thumbnail="c" * 64)]),
                                    message_event(3, "more text"), cursor="4"))

    assert engine.puller.step() == 0

    assert [(d.sha256, d.priority) for d in engine.db.downloads.all()] == [("c" * 64, THUMBNAIL),
                                                                         ("a" * 64, BACKGROUND)]


def test_a_message_sqlite_cannot_store_sends_its_run_one_by_one_and_only_it_is_quarantined(engine: Engine) -> None:
    too_big = message_event(2, "seq past 64 bits")
    too_big["message"]["seq"] = 2**64  # valid JSON and a valid model; SQLite refuses it when the run goes in
    engine.client = CannedFeed(page(conversation_event(), message_event(1, "before"), too_big,
                                    message_event(3, "after"), cursor="4"))
    told = heard(engine)

    assert engine.puller.step() == 0

    assert bodies(engine) == ["before", "after"]
    kept = engine.db.quarantine.all()
    assert [(json.loads(q.raw), q.position) for q in kept] == [(too_big, 2)]
    assert kept[0].error.startswith("OverflowError")
    assert len([e for e in told if isinstance(e, MessageAdded)]) == 2
    assert engine.db.cursor() == "4"
