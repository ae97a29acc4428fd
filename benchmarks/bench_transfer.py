"""Upload and download throughput of the sync server on loopback (tus up, streamed GET down).

Run: .venv/bin/python benchmarks/bench_transfer.py [--size-mb 1024] [--chunk-mb 16]
Prints a table; nothing is asserted. The server runs as ``python -m sync serve`` in a subprocess.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sync.client import SyncClient  # noqa: E402
from sync.server.runner import free_port  # noqa: E402


def _make_file(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    block = os.urandom(1024 * 1024)
    with open(path, "wb") as f:
        written = 0
        while written < size:
            chunk = block[: min(len(block), size - written)]
            # vary each block so the file is not one repeated MiB
            chunk = written.to_bytes(8, "little") + chunk[8:]
            f.write(chunk)
            digest.update(chunk)
            written += len(chunk)
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--chunk-mb", type=int, default=16)
    args = parser.parse_args()
    size = args.size_mb * 1024 * 1024
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        src = tmpdir / "src.bin"
        sha = _make_file(src, size)
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "sync", "serve", "--port", str(port), "--data-dir", str(tmpdir / "srv"),
             "--log-level", "warning", "--max-upload-mb", str(args.size_mb + 1)],
            cwd=ROOT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    if requests.get(url + "/healthz", timeout=1).ok:
                        break
                except requests.ConnectionError:
                    time.sleep(0.05)
            client = SyncClient(url, timeout=600)
            client.create_account("bench", "benchmark password")
            client.sign_in("bench", "benchmark password")

            started = time.perf_counter()
            upload_url = client.create_upload(size, sha, filename="src.bin")
            client.upload(upload_url, src, chunk_size=args.chunk_mb * 1024 * 1024)
            up_s = time.perf_counter() - started

            dest = tmpdir / "dest.bin"
            started = time.perf_counter()
            client.download(sha, dest)
            down_s = time.perf_counter() - started
            ok = dest.stat().st_size == size

            curl_s = None
            if shutil.which("curl"):  # the server alone, no client disk in the way
                started = time.perf_counter()
                subprocess.run(["curl", "-sf", "-o", "/dev/null", "-H", f"Authorization: Bearer {client.token}",
                                f"{url}/v1/media/{sha}"], check=True)
                curl_s = time.perf_counter() - started
        finally:
            proc.terminate()
            proc.wait()
    mb = size / 1e6
    print(f"{'transfer':<28}{'size MB':>10}{'seconds':>10}{'MB/s':>10}")
    print(f"{'upload (tus, incl. verify)':<28}{mb:>10.0f}{up_s:>10.2f}{mb / up_s:>10.0f}")
    print(f"{'download (GET, to disk)':<28}{mb:>10.0f}{down_s:>10.2f}{mb / down_s:>10.0f}")
    if curl_s is not None:
        print(f"{'download (curl, to /dev/null)':<28}{mb:>10.0f}{curl_s:>10.2f}{mb / curl_s:>10.0f}")
    print(f"download complete: {ok}")


if __name__ == "__main__":
    main()
