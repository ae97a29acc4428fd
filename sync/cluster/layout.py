"""The scale-out layout on one machine: SeaweedFS (S3), PostgreSQL, two server replicas, nginx in front.

``Cluster(root).start()`` starts it all under ``root`` (``make cluster`` uses ``.cluster/``, the tests a
temp dir) and writes ``url`` (the balancer) and ``replicas`` (one base URL a line) there; ``stop()`` ends
everything it started. The processes outlive the command that started them: ``state.json`` keeps their
pids, so a second ``start()`` reuses a layout that still runs whole, and ``stop()`` from another process
ends it. Every replica shares one link secret and one master key (``root/secrets``), and one data dir
(the key records the master key wraps live there, not in PostgreSQL), so any replica verifies any signed
link and opens any sealed field.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from sync.cluster.nginx import Nginx
from sync.cluster.postgres import PostgresServer
from sync.cluster.seaweedfs import SeaweedFS
from sync.server.private_files import write_private
from sync.server.runner import free_port

REPLICAS = 2
BUCKET = "envelope"
START_TIMEOUT_S = 60.0
STOP_S = 5.0
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Cluster:
    root: Path
    url: str = ""
    replicas: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)  # each replica's /metrics URL, in the order of replicas
    store_metrics: list[str] = field(default_factory=list)  # each SeaweedFS volume server's /metrics URL
    s3_endpoint: str = ""
    pids: dict[str, int] = field(default_factory=dict)
    pg_port: int = 0
    database: str = ""
    args: list[str] = field(default_factory=list)  # more flags for every replica's serve (tests: limits)
    reused: bool = False
    _children: list[subprocess.Popen[bytes]] = field(default_factory=list, repr=False)  # started by this process

    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    def start(self) -> Cluster:
        """Reuse the layout under ``root`` when all of it runs; else clear what is left and start anew."""
        if self._load() and self.running():
            self.reused = True
            return self
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        self.root.chmod(0o755)  # PostgreSQL and nginx's workers run as nobody, under it
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def running(self) -> bool:
        return all(_alive(pid) for pid in self.pids.values()) and Nginx(self.root / "nginx").running()

    def _start(self) -> None:
        seaweed = SeaweedFS(self.root / "seaweedfs", BUCKET).start()
        self.s3_endpoint = seaweed.endpoint
        self.pids = {f"seaweedfs-{name}": s.process.pid for name, s in seaweed.servers.items() if s.process}
        self._children += [s.process for s in seaweed.servers.values() if s.process]
        self.store_metrics = [f"http://127.0.0.1:{arg.split('=', 1)[1]}/metrics" for server in seaweed.servers.values()
                              for arg in server.args if arg.startswith("-metricsPort=")]
        self._save()
        (self.root / "postgres").mkdir()
        postgres = PostgresServer(self.root / "postgres", durable=True).start()
        self.pg_port = postgres.port
        self._save()
        self.database = postgres.create_database("envelope")
        write_private(self.root / "secrets" / "link.secret", secrets.token_hex(32).encode())
        for index in range(REPLICAS):  # one after another: the first makes the shared master key
            self._start_replica(index)
        port = free_port()
        Nginx(self.root / "nginx").start(port, self.replicas)
        self.url = f"http://127.0.0.1:{port}"
        self._save()
        (self.root / "url").write_text(self.url + "\n")
        (self.root / "replicas").write_text("".join(url + "\n" for url in self.replicas))

    def _start_replica(self, index: int) -> None:
        """Start replica ``index`` (0-based); a new one on free ports, a restarted one on its own."""
        if index == len(self.replicas):
            self.replicas.append(f"http://127.0.0.1:{free_port()}")
            self.metrics.append(f"http://127.0.0.1:{free_port()}/metrics")
        url, name = self.replicas[index], f"replica{index + 1}"
        metrics_port = self.metrics[index].rsplit(":", 1)[1].split("/")[0]
        command = [sys.executable, "-m", "sync", "serve", "--host", "127.0.0.1", "--port", url.rsplit(":", 1)[1],
                   "--data-dir", str(self.root / "data"),  # shared: the key records the master key wraps
                   "--database", self.database, "--storage", f"s3://{BUCKET}", "--s3-endpoint", self.s3_endpoint,
                   "--link-secret-file", str(self.root / "secrets" / "link.secret"),
                   "--master-key-file", str(self.root / "secrets" / "master.key"), "--metrics-port", metrics_port,
                   "--trusted-proxy", "127.0.0.1", "--log-level", "warning", *self.args]
        log = self.root / f"{name}.log"
        with log.open("ab") as out:
            process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **SeaweedFS(self.root).environment()},
                                       stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
        self.pids[name] = process.pid
        self._children.append(process)
        self._save()
        _wait_healthy(url, process, log)

    def restart_replica(self, index: int) -> None:
        """Start a replica killed by ``kill_replica`` again, on its own ports (nginx sends to it again)."""
        self._start_replica(index)

    def kill_replica(self, index: int) -> None:
        """Kill one replica at once, as a crash would (nginx then skips it)."""
        _end([self.pids.pop(f"replica{index + 1}")], signal.SIGKILL)
        self._save()

    def stop(self) -> None:
        """End every process this layout started (those in ``state.json``); nothing when none runs."""
        if not self.pids and not self._load():
            return
        Nginx(self.root / "nginx").stop()
        _end([pid for name, pid in self.pids.items() if name.startswith("replica")], signal.SIGTERM)
        if self.pg_port:
            postgres = PostgresServer(self.root / "postgres", durable=True)
            postgres.port = self.pg_port
            postgres.stop()
        _end([pid for name, pid in self.pids.items() if name.startswith("seaweedfs")], signal.SIGTERM)
        for child in self._children:
            child.wait()  # ended above (and reaped there): this only settles the Popen
        self.pids, self.pg_port, self._children = {}, 0, []
        self.state_file.unlink(missing_ok=True)

    def _save(self) -> None:
        state = {"url": self.url, "replicas": self.replicas, "metrics": self.metrics,
                 "store_metrics": self.store_metrics, "s3_endpoint": self.s3_endpoint, "pids": self.pids,
                 "pg_port": self.pg_port,
                 "database": self.database}
        self.state_file.write_text(json.dumps(state, indent=1))

    def _load(self) -> bool:
        try:
            state = json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return False
        self.url, self.replicas = state.get("url", ""), state.get("replicas", [])
        self.metrics, self.store_metrics = state.get("metrics", []), state.get("store_metrics", [])
        self.s3_endpoint, self.pids = state.get("s3_endpoint", ""), state.get("pids", {})
        self.pg_port, self.database = state.get("pg_port", 0), state.get("database", "")
        return True


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a child of ours that ended is reaped here, not left a zombie)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _end(pids: list[int], sig: int) -> None:
    """Send ``sig`` to each, wait (bounded) for them to end, then kill those that have not."""
    for pid in pids:
        if _alive(pid):
            os.kill(pid, sig)
    deadline = time.monotonic() + STOP_S
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)  # they may not be our children (a previous make cluster): no wait() for them
    for pid in pids:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The server replica at {url} stopped while starting; see {log}")
        try:
            if requests.get(url + "/healthz", timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)  # polling a process we started: there is no event to wait on
    raise RuntimeError(f"The server replica at {url} did not answer within {START_TIMEOUT_S:.0f} s; see {log}")
