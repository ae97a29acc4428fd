"""``make cluster`` / ``make cluster-down``: the scale-out layout on this machine, under ``.cluster/``.

``python scripts/cluster.py up`` starts SeaweedFS, PostgreSQL, two server replicas and nginx (or reuses
them when they all still run) and prints the balancer's URL and each replica's; ``down`` stops them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sync.cluster.layout import Cluster

ROOT = Path(__file__).resolve().parents[1] / ".cluster"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("up", "down"))
    args = parser.parse_args(argv)
    cluster = Cluster(ROOT)
    if args.action == "down":
        cluster.stop()
        print("The cluster is stopped.")
        return 0
    try:
        cluster.start()
    except Exception as exc:  # any engine's failure is said in one sentence, with where its log is
        print(f"The cluster did not start: {exc}", file=sys.stderr)
        return 1
    print(("The cluster was already running." if cluster.reused else "The cluster is running.")
          + f" Its logs and data are in {ROOT}.")
    print(f"Balancer (edge cache for media): {cluster.url}   ({ROOT / 'url'})")
    for url in cluster.replicas:
        print(f"Replica: {url}")
    print(f"Object store (S3): {cluster.s3_endpoint}. Stop it all with make cluster-down.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
