"""schemathesis against a real server: seeded with real ids, signed in, every check named; for tests and `make fuzz`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.integration.conftest import ROOT, ServerProcess, make_user, tus_create

# Each limit far above what a fuzzer sends in a run, so its answers reach the routes (429 is documented all the same).
UNLIMITED = ["--write-rate", "1000000", "--chunk-rate", "1000000", "--signups-per-address", "1000000",
             "--login-attempts", "1000000", "--login-attempts-per-address", "1000000",
             "--uploads-in-progress", "1000000"]
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "allow_header_conformance"]


@dataclass
class FuzzRun:
    exit_code: int
    output: str
    generated: int

    @property
    def failures(self) -> str:
        return self.output[-6000:]


def seed(base: str) -> dict[str, str]:
    """An owner with a conversation (with bob), a message attaching a blob, and an upload in progress."""
    owner, bob, spare = make_user(base), make_user(base), make_user(base)
    conversation = owner.conversation("fuzzed", bob.username)
    data = b"\x89PNG\r\n\x1a\n" + os.urandom(1000)
    sha = owner.upload_bytes(data, filename="seed.png")
    r = owner.post(f"/v1/conversations/{conversation['id']}/messages", json={
        "client_id": "seed-1", "body": "seed",
        "attachments": [{"blob": sha, "size": len(data), "mime": "image/png", "name": "seed.png", "kind": "image"}]})
    assert r.status_code == 201, r.text
    upload = tus_create(owner, 100, "0" * 64).rsplit("/", 1)[1]
    return {"token": owner.token, "spare_token": spare.token, "conversation_id": str(conversation["id"]),
            "sha256": sha, "upload_id": upload, "username": bob.username}


def config(ids: dict[str, str]) -> str:
    """The schemathesis.toml: the owner's token on every request (a spare one to revoke), real ids in paths."""
    def toml(value: str) -> str:
        return json.dumps(value)

    return "\n".join([
        'hooks = "tests.integration.fuzz_hooks"',
        f"headers = {{ Authorization = {toml('Bearer ' + ids['token'])} }}",
        "[parameters]",
        *(f"{name} = {toml(ids[name])}" for name in ("conversation_id", "sha256", "upload_id", "username")),
        "[[operations]]",
        'include-path = "/v1/tokens/current"',
        f"headers = {{ Authorization = {toml('Bearer ' + ids['spare_token'])} }}",
        "",
    ])


def fuzz(server: ServerProcess, workdir: Path, *, seconds: int, checks: list[str]) -> FuzzRun:
    ids = seed(server.url)
    requests.get(server.url + "/healthz", timeout=5).raise_for_status()
    (workdir / "schemathesis.toml").write_text(config(ids))
    cmd = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(workdir / "schemathesis.toml"), "run",
           f"{server.url}/openapi.json", "--checks", ",".join(checks), "--max-time", str(seconds),
           "--workers", "2", "--request-timeout", "30", "--no-color"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCHEMATHESIS_TELEMETRY": "false"}
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + 300)
    output = done.stdout + done.stderr
    generated = re.search(r"(\d+) generated", output)
    return FuzzRun(done.returncode, output, int(generated[1]) if generated else 0)
