"""The scale-out layout as ``make cluster`` starts it: nginx in front of two replicas on PostgreSQL and SeaweedFS.

One layout for the module. A photo is sent in a conversation; its readers download it through nginx. The
first download fills the edge cache; every later one, whole or a range, moves no byte through Python (the
replicas' ``envelope_http_bytes_out`` does not move) and none from the object store (its volume servers'
GET count does not move). nginx still asks a replica on every request,
so a stranger, a reader without a token and a forged link are refused while the photo sits in the cache.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from sync.cluster.layout import Cluster
from sync.cluster.nginx import SLICE_MIB
from tests.integration.conftest import User, make_user
from tests.integration.fuzzing import UNLIMITED
from tests.integration.test_s3_storage import seeded

SLICE = SLICE_MIB * 1024 * 1024
PHOTO = Path(__file__).resolve().parents[1] / "data" / "samples" / "photos" / "coffee.png"


@dataclass
class Scene:
    cluster: Cluster
    alice: User
    bob: User
    carol: User
    mallory: User
    sha: str
    data: bytes


@pytest.fixture(scope="module")
def scene() -> Iterator[Scene]:
    root = Path(tempfile.mkdtemp(prefix="envelope-cluster-"))
    root.chmod(0o755)  # PostgreSQL and nginx's workers run as nobody under root: they must pass through
    cluster = Cluster(root / "cluster", args=UNLIMITED).start()
    try:
        alice, bob, carol, mallory = (make_user(cluster.url) for _ in range(4))
        cid = alice.conversation("coffee", bob.username, carol.username)["id"]
        data = PHOTO.read_bytes()
        sha = alice.upload_bytes(data, filename="coffee.png")
        attachment = {"blob": sha, "size": len(data), "mime": "image/png", "name": "coffee.png", "kind": "image"}
        r = alice.post(f"/v1/conversations/{cid}/messages",
                       json={"client_id": uuid.uuid4().hex, "body": "fresh", "attachments": [attachment]})
        assert r.status_code == 201, r.text
        yield Scene(cluster, alice, bob, carol, mallory, sha, data)
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


def _counter(urls: list[str], name: str) -> float:
    """The sum of one counter over these /metrics pages (each sample line whose name, labels included, starts so)."""
    total = 0.0
    for url in urls:
        for line in requests.get(url, timeout=10).text.splitlines():
            if line.startswith(name):
                total += float(line.split()[-1])
    return total


def bytes_out(cluster: Cluster) -> float:
    """Response body bytes all replicas have sent so far."""
    return _counter(cluster.metrics, "envelope_http_bytes_out_total ")


def store_reads(cluster: Cluster) -> float:
    """Reads the object store's volume servers have answered so far."""
    return _counter(cluster.store_metrics, 'SeaweedFS_volumeServer_request_total{code="200",type="GET"}')


def test_make_cluster_writes_the_balancer_and_the_replicas(scene: Scene) -> None:
    root = scene.cluster.root
    assert (root / "url").read_text().split() == [scene.cluster.url]
    assert (root / "replicas").read_text().split() == scene.cluster.replicas
    assert len(scene.cluster.replicas) == 2
    for url in [scene.cluster.url, *scene.cluster.replicas]:
        assert requests.get(url + "/healthz", timeout=10).ok
    again = Cluster(root).start()  # a second make cluster reuses what runs
    assert again.reused and again.url == scene.cluster.url and again.pids == scene.cluster.pids


def test_the_second_reader_is_served_from_the_edge_cache(scene: Scene) -> None:
    path = f"/v1/media/{scene.sha}"
    before, reads = bytes_out(scene.cluster), store_reads(scene.cluster)
    first = scene.bob.get(path)
    assert first.status_code == 200 and first.content == scene.data
    assert bytes_out(scene.cluster) - before >= len(scene.data)  # the first read came through a replica
    assert store_reads(scene.cluster) > reads  # and from the object store

    before, reads = bytes_out(scene.cluster), store_reads(scene.cluster)
    second = scene.carol.get(path)
    assert second.status_code == 200 and second.content == scene.data
    assert second.headers["X-Cache"] == "HIT"
    assert 'filename="coffee.png"' in second.headers["Content-Disposition"]
    part = scene.carol.get(path, headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.content == scene.data[1000:2000]
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(scene.data)}"
    assert bytes_out(scene.cluster) == before  # no byte of it through Python
    assert store_reads(scene.cluster) == reads  # nor from the object store


def test_nginx_asks_a_replica_even_when_the_photo_is_cached(scene: Scene) -> None:
    path = f"/v1/media/{scene.sha}"
    assert scene.bob.get(path).status_code == 200  # cached now, whichever test ran first
    refused = scene.mallory.get(path)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    anonymous = requests.get(scene.cluster.url + path, timeout=10)
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "unauthorized"
    link = scene.bob.post(f"{path}/link", json={"ttl": 60}).json()["url"]
    assert link.startswith(scene.cluster.url)
    assert requests.get(link.replace("sig=", "sig=0"), timeout=10).status_code == 403
    malformed = requests.get(link.replace("expires=", "expires=soon"), timeout=10)
    assert malformed.status_code == 400 and "expires" in malformed.json()["error"]["message"]
    before = bytes_out(scene.cluster)
    by_link = requests.get(link, timeout=10)
    assert by_link.status_code == 200 and by_link.content == scene.data
    assert bytes_out(scene.cluster) == before


def test_ranges_across_cache_slices_are_the_blobs_bytes(scene: Scene) -> None:
    """A blob of several cache slices: a range over a slice boundary fills part of the cache, a whole read the rest."""
    data = seeded(21, 2 * SLICE + 5)
    sha = scene.alice.upload_bytes(data, filename="pan.bin")
    cid = scene.alice.conversation("big", scene.bob.username)["id"]
    attachment = {"blob": sha, "size": len(data), "mime": "application/octet-stream", "name": "pan.bin",
                  "kind": "file"}
    r = scene.alice.post(f"/v1/conversations/{cid}/messages",
                         json={"client_id": uuid.uuid4().hex, "body": "", "attachments": [attachment]})
    assert r.status_code == 201, r.text
    path = f"/v1/media/{sha}"
    across = scene.bob.get(path, headers={"Range": f"bytes={SLICE - 10}-{SLICE + 9}"})
    assert across.status_code == 206 and across.content == data[SLICE - 10:SLICE + 10]
    tail = scene.bob.get(path, headers={"Range": "bytes=-7"})
    assert tail.status_code == 206 and tail.content == data[-7:]
    whole = scene.bob.get(path)
    assert whole.status_code == 200 and whole.content == data
    before = bytes_out(scene.cluster)
    assert scene.bob.get(path).content == data
    assert bytes_out(scene.cluster) == before
