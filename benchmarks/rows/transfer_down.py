"""transfer-down: a blob downloaded from the server (encryption at rest on, its default: every piece opened
with AES-GCM on the way out) beside nginx serving the same bytes as a static file, both read by curl to
/dev/null.

Envelope: ``python -m sync serve`` (fresh data dir), the file uploaded once by ``SyncClient`` before timing,
then ``GET /v1/media/<sha256>`` with a bearer token. Reference: nginx (one worker, ``sendfile on``) serving the
same file from its root. Both read from the page cache (the file was just written). ``extra`` also has the
app's own client (``SyncClient.download`` to a file on the same disk, fsynced). Quick: 512 MiB, 7 rounds;
``--full``: 1 GiB, 7 rounds.
"""

from __future__ import annotations

import shutil

from benchmarks.suite.result import Result, row_main
from benchmarks.transfer.rounds import interleaved, result
from benchmarks.transfer.servers import MiB, rig

ID = "transfer-down"
TARGET = "≥ 0.9 × nginx static"
ROUNDS = 7


def measure(full: bool) -> Result:
    size = (1024 if full else 512) * MiB
    with rig(ID, size) as (tmp, src, sha, nginx, server):
        shutil.copyfile(src, nginx.root / "static.bin")
        server.client_seconds("upload", src, sha, 0)
        src.unlink()
        dest = tmp / "dest.bin"

        def client() -> float:
            dest.unlink(missing_ok=True)
            return server.client_seconds("download", dest, sha, 0)

        seconds = interleaved({"envelope (curl GET)": lambda: server.curl_get_seconds(sha),
                               "nginx static (curl GET)": lambda: nginx.get_seconds("static.bin"),
                               "SyncClient.download": client}, rounds=ROUNDS)
    return result(ID, TARGET, 0.9, size, seconds, "envelope (curl GET)", "nginx static (curl GET)",
                  f"{size // MiB} MiB, curl to /dev/null from both; encrypted at rest vs nginx sendfile of "
                  f"the plain file; median of {ROUNDS} rounds")


if __name__ == "__main__":
    row_main(measure)
