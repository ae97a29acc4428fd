"""Start and stop a private PostgreSQL on loopback: the one owner of "run PostgreSQL" for tests and ``make cluster``.

Debian's ``postgresql`` package puts its programs under ``/usr/lib/postgresql/<version>/bin`` (not on
PATH); the newest version there is used. ``initdb`` makes a fresh cluster in a temp dir that trusts
only loopback and its own unix socket, and ``pg_ctl`` runs it on a free port. PostgreSQL refuses to
run as root, so under root every step runs as the unprivileged ``nobody``, which owns the temp dir.
Each test gets its own database (``create_database``), made from ``template1`` in a few milliseconds.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from sync.server.runner import free_port

SUPERUSER = "envelope"
RUN_AS = "nobody"
# Settings for a throwaway test cluster: nothing is worth an fsync, and many servers connect at once.
FAST = ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 "
        "-c shared_buffers=64MB")


class PostgresError(RuntimeError):
    """PostgreSQL could not be found or started; the message says why and where its log is."""


def bin_dir() -> Path:
    """Where Debian installed the newest PostgreSQL's programs (initdb, pg_ctl, postgres)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    if initdb := shutil.which("initdb"):
        return Path(initdb).resolve().parent
    raise PostgresError("PostgreSQL is not installed: install Debian's postgresql package "
                        "(make test does it when it runs as root).")


class PostgresServer:
    """One private cluster: ``start()``, ``create_database()`` for each test, ``stop()`` at the end.

    ``base`` is its own dir (a new temp dir by default, removed at stop); ``durable`` keeps
    PostgreSQL's fsyncs on (for ``make cluster``; tests do without).
    """

    def __init__(self, base: Path | None = None, *, durable: bool = False) -> None:
        self._own_base = base is None
        self.base = base or Path(tempfile.mkdtemp(prefix="envelope-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "postgres.log"
        self.durable = durable
        self.port = 0
        self._bin = bin_dir()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", RUN_AS, "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*prefix, *args], capture_output=True, text=True, check=False, timeout=120)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PostgresError(f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr.strip()}\n{log}")

    def start(self) -> PostgresServer:
        if os.geteuid() == 0:
            shutil.chown(self.base, user=RUN_AS)
        if not (self.data / "PG_VERSION").exists():
            self._run(str(self._bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                      "--no-locale", "-E", "UTF8", "--no-sync")
        self.port = free_port()
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 " + ("" if self.durable else FAST)
        self._run(str(self._bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
                  "-w", "-t", "60", "start")
        return self

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; its URL."""
        import psycopg

        name = name or "t" + uuid.uuid4().hex[:16]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" STRATEGY FILE_COPY'.encode())
        return self.url(name)

    def stop(self) -> None:
        if self.port and (self.data / "postmaster.pid").exists():
            with contextlib.suppress(PostgresError):
                mode = "fast" if self.durable else "immediate"
                self._run(str(self._bin / "pg_ctl"), "-D", str(self.data), "-m", mode,
                          "-w", "-t", "60", "stop")
        self.port = 0
        if self._own_base:
            shutil.rmtree(self.base, ignore_errors=True)
