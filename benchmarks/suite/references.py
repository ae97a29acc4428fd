"""The programs the rows compare with (nginx, curl, vipsthumbnail): `make bench` installs them first
(scripts/bench-system-packages.txt); run by hand, the suite says what is missing instead of failing late."""

from __future__ import annotations

import glob
import shutil
from pathlib import Path

TABLE = Path(__file__).resolve().parents[2] / "scripts" / "bench-system-packages.txt"


def ensure_references() -> str:
    """An empty string when every reference is here, else the sentence saying how to get them."""
    missing = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        command, package = line.split()
        present = glob.glob(command) if "/" in command else shutil.which(command)
        if not present:
            missing.append(package)
    if not missing:
        return ""
    return (f"The benchmarks compare with programs that are not installed: {', '.join(sorted(set(missing)))}. "
            f"`make bench` installs them (as root), or: sudo apt-get install -y {' '.join(sorted(set(missing)))}")
