"""transfer-up: a tus upload into the server (encryption at rest on, its default) beside nginx taking the same
file by WebDAV PUT, both sent by curl from the same file on disk in one request each.

Envelope: ``python -m sync serve`` (fresh data dir), the upload created by POST (not timed), then one PATCH of
the whole file by ``curl -T``, timed to the 204 (the blob is filed by then: sha256 checked, sealed, fsynced).
Reference: ``curl -T`` to nginx (``dav_methods PUT``, one worker; nginx does not fsync). The file gets new
first bytes each round, so every upload stores a new blob. ``extra`` also has the app's own client
(``SyncClient.upload``, its own PATCH size), the server's CPU seconds per curl upload, and a plain copy of the
file with fsync (what this disk takes to make the bytes durable, which nginx does not wait for). Quick: 256 MiB, 5
rounds; ``--full``: 1 GiB, 5 rounds.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.suite.result import Result, row_main
from benchmarks.transfer.rounds import interleaved, result
from benchmarks.transfer.servers import (
    ROOT,
    EnvelopeServer,
    NginxSink,
    make_file,
    nginx_binary,
    renew_file,
    write_fsync_seconds,
)

ID = "transfer-up"
TARGET = "≥ 1.0 × nginx PUT"
MiB = 1024 * 1024
ROUNDS = 5


def measure(full: bool) -> Result:
    size = (1024 if full else 256) * MiB
    nginx = nginx_binary()
    if nginx is None:
        sys.exit("transfer-up needs nginx and curl (make benchsyslibs)")
    with tempfile.TemporaryDirectory(prefix="bench-up-") as tmp_name:
        tmp = Path(tmp_name)
        src = tmp / "src.bin"
        make_file(src, size)
        sink = NginxSink(nginx, tmp / "nginx")
        server = EnvelopeServer(ROOT, tmp / "server", size // MiB + 1)
        cpu: list[float] = []
        try:
            def envelope() -> float:
                sha = renew_file(src)
                before = server.cpu_seconds()
                seconds = server.curl_patch_seconds(src, sha)
                cpu.append(server.cpu_seconds() - before)
                return seconds

            def client() -> float:
                return server.client_seconds("upload", src, renew_file(src), 0)

            seconds = interleaved({"envelope (curl PATCH)": envelope,
                                   "nginx PUT (curl -T)": lambda: sink.put_seconds(src),
                                   "SyncClient.upload": client,
                                   "copy + fsync (Python)": lambda: write_fsync_seconds(src, tmp / "copy.bin")},
                                  rounds=ROUNDS)
        finally:
            server.close()
            sink.close()
    row = result(ID, TARGET, 1.0, size, seconds, "envelope (curl PATCH)", "nginx PUT (curl -T)",
                 f"{size // MiB} MiB, one PATCH by curl vs one PUT by curl to nginx (WebDAV, no fsync); "
                 f"encrypted at rest, fsynced; median of {ROUNDS} rounds")
    row.extra["server CPU s per upload"] = round(statistics.median(cpu), 2)
    return row


if __name__ == "__main__":
    row_main(measure)
