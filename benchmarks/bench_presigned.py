"""Reading one blob from SeaweedFS through presigned URLs, beside boto3 ``get_object`` directly, in one run.

Both paths read the same object from the same private SeaweedFS (``sync.cluster.seaweedfs``) N times
and hash every byte; the presigned path is what a signed link's 302 hands a client. Prints MB/s for
each and their ratio.

Run: .venv/bin/python benchmarks/bench_presigned.py [--mib 256] [--runs 5]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sync.cluster.seaweedfs import SeaweedFS
from sync.server.storage.s3 import S3Location, S3Storage, client

MiB = 1024 * 1024


def stored_blob(storage: S3Storage, mib: int) -> str:
    hasher, block = hashlib.sha256(), bytes(range(256)) * 4096  # 1 MiB
    for _ in range(mib):
        hasher.update(block)
    return storage.put((block for _ in range(mib)), sha256=hasher.hexdigest()).sha256


def timed(read: Callable[[], str], expected: str, runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        assert read() == expected
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=256, help="the blob's size in MiB")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-seaweedfs-") as root:
        store = SeaweedFS(Path(root)).start()
        try:
            os.environ.update(store.environment())
            storage = S3Storage(client(store.endpoint), S3Location(store.bucket))
            sha = stored_blob(storage, args.mib)

            def presigned() -> str:
                hasher = hashlib.sha256()
                url = storage.presigned_url(sha, mime="application/octet-stream", disposition="attachment")
                with requests.get(url, stream=True, timeout=60) as r:
                    r.raise_for_status()
                    for chunk in r.iter_content(MiB):
                        hasher.update(chunk)
                return hasher.hexdigest()

            def direct() -> str:
                hasher = hashlib.sha256()
                body = storage.s3.get_object(Bucket=store.bucket, Key=storage.blob_key(sha))["Body"]
                for chunk in body.iter_chunks(MiB):
                    hasher.update(chunk)
                return hasher.hexdigest()

            timed(direct, sha, 1)  # warm both paths once
            timed(presigned, sha, 1)
            rows = {"boto3 get_object": timed(direct, sha, args.runs),
                    "presigned URL": timed(presigned, sha, args.runs)}
        finally:
            store.stop()
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"{args.mib} MiB blob, {args.runs} runs each (median)")
    medians = {name: statistics.median(seconds) for name, seconds in rows.items()}
    for name, median in medians.items():
        print(f"{name:18} {args.mib * MiB / median / 1e6:8.0f} MB/s")
    print(f"presigned / direct: {medians['boto3 get_object'] / medians['presigned URL']:.2f}x the speed")


if __name__ == "__main__":
    main()
