"""transfer-up: a tus upload into the server (encryption at rest on, its default) beside nginx taking the same
file by WebDAV PUT, both sent by curl from the same file on disk in one request each.

Envelope: ``python -m sync serve`` (fresh data dir), the upload created by POST (not timed), then one PATCH of
the whole file by ``curl -T``, timed to the 204 (the blob is filed by then: sha256 checked, sealed, fsynced).
Reference: ``curl -T`` to nginx (``dav_methods PUT``, one worker; nginx does not fsync). The file gets new
first bytes each round, so every upload stores a new blob. ``extra`` also has the app's own client
(``SyncClient.upload``, its own PATCH size), the server's CPU seconds per curl upload, and a plain copy of
the file with fsync (what this disk takes to make the bytes durable; nginx does not wait for that). Quick:
256 MiB, 5 rounds; ``--full``: 1 GiB, 5 rounds.
"""

from __future__ import annotations

import statistics

from benchmarks.suite.result import Result, row_main
from benchmarks.transfer.rounds import interleaved, result
from benchmarks.transfer.servers import MiB, renew_file, rig, write_fsync_seconds

ID = "transfer-up"
TARGET = "≥ 1.0 × nginx PUT"
ROUNDS = 5


def measure(full: bool) -> Result:
    size = (1024 if full else 256) * MiB
    cpu: list[float] = []
    with rig(ID, size) as (tmp, src, _sha, nginx, server):
        def envelope() -> float:
            sha = renew_file(src)
            before = server.cpu_seconds()
            seconds = server.curl_patch_seconds(src, sha)
            cpu.append(server.cpu_seconds() - before)
            return seconds

        seconds = interleaved({"envelope (curl PATCH)": envelope,
                               "nginx PUT (curl -T)": lambda: nginx.put_seconds(src),
                               "SyncClient.upload": lambda: server.client_seconds("upload", src, renew_file(src), 0),
                               "copy + fsync (Python)": lambda: write_fsync_seconds(src, tmp / "copy.bin")},
                              rounds=ROUNDS)
    row = result(ID, TARGET, 1.0, size, seconds, "envelope (curl PATCH)", "nginx PUT (curl -T)",
                 f"{size // MiB} MiB, one PATCH by curl vs one PUT by curl to nginx (WebDAV, no fsync); "
                 f"encrypted at rest, fsynced; median of {ROUNDS} rounds")
    row.extra["server CPU s per upload"] = round(statistics.median(cpu), 2)
    return row


if __name__ == "__main__":
    row_main(measure)
