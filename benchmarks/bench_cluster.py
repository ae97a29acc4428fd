"""Upload and download MB/s through nginx to two replicas on SeaweedFS + PostgreSQL, beside the embedded
default server, in one run.

(a) ``python -m sync serve`` with its defaults (SQLite, the encrypted local disk); (b) the layout ``make
cluster`` starts (``sync.cluster.layout.Cluster``: SeaweedFS S3, PostgreSQL, two replicas, nginx as
balancer and edge cache), on free loopback ports under a temp dir, stopped after. Each repetition
generates a new file of random bytes on disk (streamed, never whole in memory), uploads it with
``SyncClient`` (tus PATCHes) and downloads it with ``SyncClient.download`` twice: the first read of a
blob comes from the store (on the cluster through a replica from SeaweedFS, the edge cache missing), the
second on the cluster from nginx's cache. Every download is checked by sha256. Prints MB/s (median,
min–max) and the ratio scale-out ÷ embedded; nothing is asserted.

Run: .venv/bin/python benchmarks/bench_cluster.py [--mib 256] [--runs 3]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.transfer.servers import PASSWORD, EnvelopeServer, make_file
from sync.client import SyncClient
from sync.cluster.layout import Cluster

ROOT = Path(__file__).resolve().parents[1]
MiB = 1024 * 1024
CASES = ("upload", "download (from the store)", "download again")


def signed_in(url: str) -> str:
    account = {"username": "bench", "password": PASSWORD}
    requests.post(url + "/v1/accounts", json=account, timeout=30).raise_for_status()
    r = requests.post(url + "/v1/tokens", json=account, timeout=30)
    r.raise_for_status()
    return str(r.json()["token"])


def file_sha(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(16 * MiB):
            digest.update(block)
    return digest.hexdigest()


def seconds(step: Callable[..., object], *args: object) -> float:
    started = time.perf_counter()
    step(*args)
    return time.perf_counter() - started


def measure(url: str, token: str, work: Path, mib: int, runs: int) -> dict[str, list[float]]:
    """Seconds of each case, per repetition; a new random file each time, so the first download is cold."""
    client = SyncClient(url, token, timeout=600)
    times: dict[str, list[float]] = {case: [] for case in CASES}
    source, target = work / "source.bin", work / "target.bin"
    for _ in range(runs):
        sha = make_file(source, mib * MiB)
        upload = client.create_upload(mib * MiB, sha, filename="bench.bin")
        times["upload"].append(seconds(client.upload, upload, source))
        for case in CASES[1:]:
            target.unlink(missing_ok=True)
            os.sync()
            times[case].append(seconds(client.download, sha, target))
            if file_sha(target) != sha:
                raise RuntimeError(f"{url} sent other bytes than were uploaded ({case})")
    client.close()
    source.unlink()
    target.unlink()
    return times


def embedded(work: Path, mib: int, runs: int) -> dict[str, list[float]]:
    server = EnvelopeServer(ROOT, work / "embedded", max_upload_mb=mib + 1)
    try:
        return measure(server.url, server.token, work, mib, runs)
    finally:
        server.close()


def scaleout(work: Path, mib: int, runs: int) -> dict[str, list[float]]:
    cluster = Cluster(work / "cluster").start()
    try:
        return measure(cluster.url, signed_in(cluster.url), work, mib, runs)
    finally:
        cluster.stop()


def rate(mib: int, seconds: float) -> float:
    return mib * MiB / seconds / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=256, help="the file's size in MiB")
    parser.add_argument("--runs", type=int, default=3, help="repetitions on each layout")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        Path(tmp).chmod(0o755)  # PostgreSQL and nginx's workers run as nobody under it: they must pass through
        results = {"embedded": embedded(Path(tmp), args.mib, args.runs),
                   "scale-out": scaleout(Path(tmp), args.mib, args.runs)}
    print(f"nproc {os.cpu_count()}, {args.mib} MiB file, {args.runs} runs each; MB/s median (min–max)")
    print(f"{'':28}{'embedded':>22}{'scale-out':>22}  scale-out ÷ embedded")
    for case in CASES:
        cells, medians = [], []
        for name in results:
            speeds = [rate(args.mib, s) for s in results[name][case]]
            medians.append(statistics.median(speeds))
            cells.append(f"{medians[-1]:.0f} ({min(speeds):.0f}–{max(speeds):.0f})")
        print(f"{case:28}{cells[0]:>22}{cells[1]:>22}  {medians[1] / medians[0]:.2f}")


if __name__ == "__main__":
    main()
