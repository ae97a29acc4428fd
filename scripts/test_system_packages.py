"""Install (as root), or print the apt-get line for, the Debian packages the tests run (test-system-packages.txt).

``python3 scripts/test_system_packages.py [TABLE]``: another table, e.g. bench-system-packages.txt (the
benchmark suite's references), in the same form.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

TABLE_PATH = Path(__file__).with_name("test-system-packages.txt")
POLICY = Path("/usr/sbin/policy-rc.d")


def load_table(path: Path = TABLE_PATH) -> dict[str, str]:
    """command -> the Debian package that provides it."""
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            command, package = line.split()
            table[command] = package
    return table


def installed(command: str) -> bool:
    """A command on PATH, or a path (a glob: ``/usr/lib/postgresql/*/bin/initdb``) for one that is not."""
    if "/" in command:
        return bool(glob.glob(command))
    return shutil.which(command) is not None


def missing_packages(table: dict[str, str]) -> list[str]:
    return sorted({package for command, package in table.items() if not installed(command)})


@contextlib.contextmanager
def no_service_starts() -> Iterator[None]:
    """Packages install without starting their services (nginx on port 80, PostgreSQL's default cluster):
    the tests start private ones. Debian's ``policy-rc.d`` answering 101 says "not now" to every start."""
    if POLICY.exists():  # the machine has its own policy: leave it be
        yield
        return
    POLICY.write_text("#!/bin/sh\n# written by Envelope's test set-up while it installs packages\nexit 101\n")
    POLICY.chmod(0o755)
    try:
        yield
    finally:
        POLICY.unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    table_path = Path(argv[0]) if argv else TABLE_PATH
    if sys.platform != "linux" or not shutil.which("apt-get"):
        return 0  # not Debian-like: nothing we can install here
    packages = missing_packages(load_table(table_path))
    if not packages:
        return 0
    if os.geteuid() != 0:
        print(f"sudo apt-get install -y --no-install-recommends {' '.join(packages)}", file=sys.stderr)
        return 1
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"Installing what the tests run: {' '.join(packages)}", file=sys.stderr)
    if subprocess.run(["apt-get", "update", "-qq"], env=env, check=False).returncode != 0:
        return 1
    cmd = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages]
    with no_service_starts():
        install = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if install.returncode != 0 or missing_packages(load_table(table_path)):
        print(install.stdout + install.stderr, file=sys.stderr)
        print(f"test_system_packages: apt-get could not install {' '.join(packages)}", file=sys.stderr)
        return install.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
