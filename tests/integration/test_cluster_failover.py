"""A replica of the ``make cluster`` layout dies: nothing is lost, nothing is doubled.

One layout for the module; each test kills a replica and starts it again at the end, on its own port.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from sync.cluster.layout import Cluster
from tests.integration.conftest import User, make_user, tus_create
from tests.integration.fuzzing import UNLIMITED
from tests.integration.test_s3_storage import TUS, seeded, send

MiB = 1024 * 1024
CLIENTS, MESSAGES = 20, 6
KILL_AFTER = CLIENTS * 2  # messages stored before replica 1 is killed


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    root = Path(tempfile.mkdtemp(prefix="envelope-cluster-"))
    root.chmod(0o755)  # PostgreSQL and nginx's workers run as nobody under root: they must pass through
    layout = Cluster(root / "cluster", args=UNLIMITED).start()
    yield layout
    layout.stop()
    shutil.rmtree(root, ignore_errors=True)


def test_an_upload_started_on_one_replica_resumes_on_the_other(cluster: Cluster) -> None:
    user = make_user(cluster.url)
    on_one, on_two = (replace(user, base=url, session=requests.Session()) for url in cluster.replicas)
    data = seeded(14, 7 * MiB + 3)
    sha = hashlib.sha256(data).hexdigest()
    path = tus_create(on_one, len(data), sha)
    assert send(on_one, path, data[:6 * MiB], 0) == 6 * MiB
    cluster.kill_replica(0)
    try:
        r = on_two.request("HEAD", path, headers=TUS)
        assert r.status_code == 200 and r.headers["Upload-Offset"] == str(6 * MiB)
        assert send(on_two, path, data[6 * MiB:], 6 * MiB) == len(data)
        assert user.get(f"/v1/media/{sha}").content == data  # through nginx, to the replica still up
    finally:
        cluster.restart_replica(0)


def _send_all(user: User, conversation: str, stored: threading.Semaphore) -> None:
    """Post MESSAGES messages, each retried with its client_id until the balancer stores it."""
    for n in range(MESSAGES):
        client_id = f"{user.username}-{n}-{uuid.uuid4().hex[:6]}"
        for _attempt in range(20):
            try:
                r = user.post(f"/v1/conversations/{conversation}/messages",
                              json={"client_id": client_id, "body": f"message {n}", "attachments": []})
            except requests.ConnectionError:
                continue
            if r.status_code in (200, 201):
                stored.release()
                break
            assert r.status_code in (502, 503, 504), r.text  # the replica died under it: send again
        else:
            raise AssertionError(f"{client_id} was never stored")


def test_twenty_clients_keep_sending_while_a_replica_dies(cluster: Cluster) -> None:
    users = [make_user(cluster.url) for _ in range(CLIENTS)]
    conversations = [str(user.conversation("busy")["id"]) for user in users]
    stored = threading.Semaphore(0)
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            sending = [pool.submit(_send_all, user, cid, stored)
                       for user, cid in zip(users, conversations, strict=True)]
            for _ in range(KILL_AFTER):
                assert stored.acquire(timeout=60), "the clients stopped sending"
            cluster.kill_replica(0)
            for future in sending:
                future.result()
    finally:
        cluster.restart_replica(0)
    for user, cid in zip(users, conversations, strict=True):
        bodies = [m["body"] for m in user.get(f"/v1/conversations/{cid}/messages").json()]
        assert sorted(bodies) == [f"message {n}" for n in range(MESSAGES)], user.username
