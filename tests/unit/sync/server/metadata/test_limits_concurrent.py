"""The quota check under concurrency: two replicas creating uploads at once cannot both pass the quota."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sync.server.metadata.quota import OverQuota, UploadLimits
from sync.server.metadata.uploads import Upload
from tests.unit.sync.server.metadata.backends import Opener
from tests.unit.sync.server.metadata.builders import sha, user

T0 = 1_700_000_000.0
ROUNDS = 15
LIMITS = UploadLimits(quota_bytes=1000, max_open_uploads=10)


def test_two_writers_cannot_both_pass_the_quota(open_store: Opener) -> None:
    """Each round two handles on one store (as two replicas) each create a 600-byte upload under a
    1000-byte quota at the same moment: one passes, the other is over the quota, every round."""
    one, two = open_store(), open_store()
    alice = user(one, "alice")
    start = threading.Barrier(2)

    def create(store_and_id: tuple[object, str]) -> bool:
        store, upload_id = store_and_id
        upload = Upload(id=upload_id, user_id=alice.id, length=600, offset=0, sha256=sha(upload_id.encode()),
                        expires_at=T0 + 3600)
        start.wait()
        try:
            store.uploads.create(upload, limits=LIMITS, now=T0)  # type: ignore[attr-defined]
            return True
        except OverQuota:
            return False

    with ThreadPoolExecutor(2) as pool:
        for n in range(ROUNDS):
            passed = list(pool.map(create, [(one, f"a{n}"), (two, f"b{n}")]))
            assert sorted(passed) == [False, True], f"round {n}: {passed}"
            assert one.quota.usage(alice.id, now=T0).used_bytes == 600
            winner = f"a{n}" if passed[0] else f"b{n}"
            assert one.uploads.delete(winner)
    one.close()
    two.close()
