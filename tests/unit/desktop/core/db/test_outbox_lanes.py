"""The outbox's lanes, order and pausing (db level), and the fair choice between conversations."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from desktop.core.db.local import LocalDB
from desktop.core.db.records import Account, Attachment
from desktop.core.lanes import SMALL_BYTES, Fair, lane_of
from tests.unit.desktop.core.conftest import FakeClock

ME = "alice"
BIG, SMALL, OTHER_BIG = "b" * 64, "s" * 64, "o" * 64


@pytest.fixture
def db(tmp_path: Path, clock: FakeClock) -> Iterator[LocalDB]:
    with LocalDB(tmp_path / "envelope.db", clock=clock) as local:
        local.set_account(Account("http://127.0.0.1:8765", "u-alice", ME, "token"))
        for cid in ("c1", "c2"):
            local.conversations.upsert({"id": cid, "title": cid, "members": [ME, "bob"],
                                        "created_at": "2024-01-01T00:00:00.000Z"})
        yield local


def file(sha: str, size: int) -> Attachment:
    return Attachment(blob=sha, size=size, mime="application/octet-stream", name=f"{sha[0]}.bin", kind="file")


def send(db: LocalDB, cid: str, body: str, *attachments: Attachment) -> int:
    for a in attachments:
        db.blobs.record(a.blob, a.size, "complete", pending_upload=True)
    return db.messages.add_local(cid, body, list(attachments)).id


def test_each_lane_takes_only_its_own_steps(db: LocalDB) -> None:
    send(db, "c1", "", file(BIG, SMALL_BYTES + 1))
    send(db, "c1", "", file(SMALL, SMALL_BYTES))
    send(db, "c1", "hello")
    assert db.outbox.next_due(lane="large", large_bytes=SMALL_BYTES).blob == BIG  # type: ignore[union-attr]
    assert db.outbox.next_due(lane="small", large_bytes=SMALL_BYTES).blob == SMALL  # type: ignore[union-attr]
    post = db.outbox.next_due(lane="posts", large_bytes=SMALL_BYTES)
    assert post is not None and post.kind == "post" and db.messages.get(post.message_id).body == "hello"  # type: ignore[union-attr]


def test_a_message_uploading_something_large_does_not_hold_later_ones_back(db: LocalDB) -> None:
    send(db, "c1", "", file(BIG, SMALL_BYTES + 1))
    photo = db.messages.get(send(db, "c1", "", file(SMALL, 1000)))
    assert photo is not None
    later = db.messages.add_local("c1", "after both")
    after = next(i for i in db.outbox.items(later.client_id))
    assert db.outbox.waits_for_earlier(after, large_bytes=SMALL_BYTES)  # the small photo keeps its place
    db.outbox.complete(next(i.id for i in db.outbox.items() if i.blob == SMALL))
    assert db.outbox.waits_for_earlier(after, large_bytes=SMALL_BYTES)  # its post has not gone yet
    db.messages.mark_sent(photo.client_id, server_id="s1", seq=1)
    assert not db.outbox.waits_for_earlier(after, large_bytes=SMALL_BYTES)  # only the large one is left


def test_paused_steps_are_not_due_and_come_back_due_at_once(db: LocalDB, clock: FakeClock) -> None:
    send(db, "c1", "", file(BIG, SMALL_BYTES + 1))
    claimed = db.outbox.next_due(lease_ms=60_000, lane="large", large_bytes=SMALL_BYTES)
    assert claimed is not None
    db.outbox.set_paused(BIG, True)
    clock.advance(120_000)
    assert db.outbox.next_due(lane="large", large_bytes=SMALL_BYTES) is None
    [step] = db.outbox.set_paused(BIG, False)
    assert not step.paused and step.next_attempt_at <= clock()
    assert db.outbox.next_due(lane="large", large_bytes=SMALL_BYTES) == replace(step, paused=False)


def test_moved_to_the_front_goes_first(db: LocalDB) -> None:
    send(db, "c1", "", file(BIG, SMALL_BYTES + 1))
    send(db, "c1", "", file(OTHER_BIG, SMALL_BYTES + 2))
    assert db.outbox.next_due(lane="large", large_bytes=SMALL_BYTES).blob == BIG  # type: ignore[union-attr]
    db.outbox.to_front(OTHER_BIG)
    assert [i.blob for i in db.outbox.uploads()] == [OTHER_BIG, BIG]
    assert db.outbox.next_due(lane="large", large_bytes=SMALL_BYTES).blob == OTHER_BIG  # type: ignore[union-attr]


def test_fair_takes_turns_between_conversations_but_the_front_comes_first() -> None:
    fair: Fair[tuple[str, str, int]] = Fair(lambda c: c[0], lambda c: c[2])
    queue = [("c1", "a", 0), ("c1", "b", 0), ("c1", "c", 0), ("c2", "x", 0), ("c2", "y", 0)]
    taken = []
    while queue:
        pick = fair.choose(queue)
        queue.remove(pick)
        taken.append(pick[1])
    assert taken == ["a", "x", "b", "y", "c"]
    assert fair.choose([("c1", "d", 0), ("c2", "z", 1)])[1] == "z"


def test_lane_of_sizes() -> None:
    assert lane_of(SMALL_BYTES) == "small" and lane_of(SMALL_BYTES + 1) == "large"
    assert lane_of(None) == "small" and lane_of(10 * SMALL_BYTES, thumbnail=True) == "small"
