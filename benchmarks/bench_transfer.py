"""Upload and download throughput of the sync server on loopback, beside nginx taking the same file by PUT.

Run: .venv/bin/python benchmarks/bench_transfer.py [--size-mb 1024] [--rounds 3] [--no-download]
     [--tree PATH | --trees NAME=PATH NAME=PATH ...]

Each tree (a checkout of this repo, e.g. a ``git worktree`` of an older commit) is measured with its own
code: its server runs as ``python -m sync serve`` and its ``sync.client.SyncClient`` uploads (tus, the
client's own PATCH size) in a subprocess, both with cwd=tree and a fresh data dir each time. The
reference is ``curl -T`` to nginx (``dav_methods PUT``) started from a temp config. Measurements are
interleaved round by round, in an order that rotates; each one starts after ``sync``. Prints MB/s
(median, min–max), the ratio to nginx in the same round, and the server's CPU seconds per upload (a
steadier figure than MB/s on a shared machine); nothing is asserted. Exits 2 when nginx or curl is missing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.transfer.servers import ROOT, EnvelopeServer, NginxSink, make_file, nginx_binary


def _measure_tree(
    tree: Path, tmp: Path, src: Path, sha: str, args: argparse.Namespace
) -> tuple[dict[str, float], float]:
    """Seconds for each transfer through one tree's server (started fresh), and its CPU seconds for the upload."""
    server = EnvelopeServer(tree, tmp / "srv", args.size_mb + 1)
    try:
        os.sync()
        cpu = server.cpu_seconds()
        seconds = {"tus upload": server.client_seconds("upload", src, sha, args.chunk_mb * 1024 * 1024)}
        cpu = server.cpu_seconds() - cpu
        if not args.no_download:
            dest = tmp / "dest.bin"
            os.sync()
            seconds["download"] = server.client_seconds("download", dest, sha, 0)
            dest.unlink()
            os.sync()
            seconds["curl GET"] = server.curl_get_seconds(sha)
        return seconds, cpu
    finally:
        server.close()


def _parse_trees(args: argparse.Namespace) -> dict[str, Path]:
    pairs = [item.split("=", 1) for item in args.trees] if args.trees else [["tree", str(args.tree)]]
    trees = {name: Path(path).resolve() for name, path in pairs}
    for name, tree in trees.items():
        if not (tree / "sync" / "__main__.py").is_file():
            sys.exit(f"--trees {name}={tree}: not a checkout of this repo (no sync/__main__.py)")
    return trees


def _report(mb: float, times: dict[str, list[float]], cpu: dict[str, list[float]]) -> None:
    sink = [mb / s for s in times["nginx PUT (curl -T)"]]
    print(f"\n{mb:.0f} MB, {len(sink)} rounds; MB/s median (min–max); ratio = median of per-round ratios to nginx PUT")
    print(f"{'transfer':<34}{'median':>8}{'min':>8}{'max':>8}{'ratio':>8}  per-round ratios")
    for label, seconds in times.items():
        rates = [mb / s for s in seconds]
        ratios = [rate / ref for rate, ref in zip(rates, sink, strict=True)]
        print(f"{label:<34}{statistics.median(rates):>8.0f}{min(rates):>8.0f}{max(rates):>8.0f}"
              f"{statistics.median(ratios):>8.2f}  {' '.join(f'{r:.2f}' for r in ratios)}")
    print("server CPU seconds (user + sys) during the upload: median (min–max)")
    for name, seconds in cpu.items():
        print(f"  {name:<32}{statistics.median(seconds):>8.2f} ({min(seconds):.2f}–{max(seconds):.2f})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="file size in MiB (default 1024)")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each transfer (default 3)")
    parser.add_argument("--chunk-mb", type=int, default=0, help="PATCH size in MiB (default: the client's own)")
    parser.add_argument("--no-download", action="store_true", help="measure uploads only")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout to measure (default: this one)")
    parser.add_argument("--trees", nargs="+", metavar="NAME=PATH", help="several checkouts, measured in turn")
    args = parser.parse_args()
    trees = _parse_trees(args)
    nginx = nginx_binary()
    if nginx is None or shutil.which("curl") is None:
        print("nginx and curl are needed for the reference: sudo apt-get install -y nginx curl", file=sys.stderr)
        return 2
    size = args.size_mb * 1024 * 1024
    times: dict[str, list[float]] = {"nginx PUT (curl -T)": []}
    cpu: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-transfer-") as tmp_name:
        tmp = Path(tmp_name)
        src = tmp / "src.bin"
        sha = make_file(src, size)
        sink = NginxSink(nginx, tmp / "nginx")
        try:
            steps: list[tuple[str, Path | None]] = [*trees.items(), ("nginx", None)]
            for n in range(args.rounds):
                for name, tree in steps[n % len(steps):] + steps[: n % len(steps)]:
                    if tree is None:
                        os.sync()
                        times["nginx PUT (curl -T)"].append(sink.put_seconds(src))
                    else:
                        transfers, server_cpu = _measure_tree(tree, tmp, src, sha, args)
                        cpu.setdefault(name, []).append(server_cpu)
                        for what, seconds in transfers.items():
                            times.setdefault(f"{what} {name}", []).append(seconds)
                print(f"round {n + 1}/{args.rounds} done", file=sys.stderr)
        finally:
            sink.close()
    _report(size / 1e6, times, cpu)
    return 0


if __name__ == "__main__":
    sys.exit(main())
