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
from schemathesis.config._checks import (
    MISSING_REQUIRED_HEADER_EXPECTED_STATUSES,
    NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES,
    POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES,
)

from tests.integration.conftest import ROOT, ServerProcess, make_user, tus_create

# Each limit far above what a fuzzer sends in a run, so its answers reach the routes (429 is documented all the same).
UNLIMITED = ["--write-rate", "1000000", "--chunk-rate", "1000000", "--signups-per-address", "1000000",
             "--login-attempts", "1000000", "--login-attempts-per-address", "1000000",
             "--uploads-in-progress", "1000000",
             "--max-wait", "1"]  # a valid wait (0-60 s) is held 1 s: a long poll neither times out nor stalls a worker
DEFAULT_STATUSES = {  # what schemathesis accepts unless told otherwise; the tuning below adds to them, never removes
    "missing_required_header": MISSING_REQUIRED_HEADER_EXPECTED_STATUSES,
    "negative_data_rejection": NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES,
    "positive_data_acceptance": POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES,
}
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
    """An owner with a conversation (with bob), a message attaching a blob, an upload in progress, a user blocked."""
    owner, bob, spare = make_user(base), make_user(base), make_user(base)
    conversation = owner.conversation("fuzzed", bob.username)
    data = b"\x89PNG\r\n\x1a\n" + os.urandom(1000)
    sha = owner.upload_bytes(data, filename="seed.png")
    r = owner.post(f"/v1/conversations/{conversation['id']}/messages", json={
        "client_id": "seed-1", "body": "seed",
        "attachments": [{"blob": sha, "size": len(data), "mime": "image/png", "name": "seed.png", "kind": "image"}]})
    assert r.status_code == 201, r.text
    upload = tus_create(owner, 100, "0" * 64).rsplit("/", 1)[1]
    assert owner.post("/v1/users/me/blocked", json={"username": spare.username}).status_code == 200
    return {"token": owner.token, "spare_token": spare.token, "conversation_id": str(conversation["id"]),
            "sha256": sha, "upload_id": upload, "username": bob.username, "blocked": spare.username}


# The tus operations that read Tus-Resumable. Without it, or with a version other than 1.0.0, tus 1.0.0 answers
# 412 Precondition Failed (tus.io/protocols/resumable-upload, "Tus-Resumable"); the spec lists that 412, but
# schemathesis's missing-header and negative-data checks accept only their own lists of rejections, which no
# spec can extend. So for exactly these operations 412 joins those two lists (every other rejection still counts).
TUS_OPERATIONS = ["POST /v1/uploads", "HEAD /v1/uploads/{upload_id}", "PATCH /v1/uploads/{upload_id}",
                  "DELETE /v1/uploads/{upload_id}"]
# Schema-valid requests that the server rightly refuses for what no schema can say. Each joins the statuses
# schemathesis accepts for valid data on exactly that operation; every other status still fails it.
VALID_BUT_REFUSED = {
    # A body that names something that is not there, or breaks a rule between fields or with the server's
    # state: a user nobody has (or who blocked the caller), a blob the caller never uploaded, an attachment
    # whose kind is not its type's, a full conversation, blocking the inviter of a conversation one started,
    # blocking oneself. 422 with a sentence (docs/api.md).
    "POST /v1/conversations": ["422"],
    "POST /v1/conversations/{conversation_id}/members": ["422"],
    "POST /v1/conversations/{conversation_id}/messages": ["422"],
    "POST /v1/conversations/{conversation_id}/block": ["422"],
    "POST /v1/users/me/blocked": ["422"],
    # tus creation: Upload-Metadata must carry a sha256 whose base64 decodes to 64 hex digits (400, a rule of
    # this server a pattern cannot hold in any readable form); an Upload-Length over Tus-Max-Size, or over the
    # caller's quota, is 413 (tus 1.0.0, "Creation"; the size depends on the server's settings and state).
    "POST /v1/uploads": ["400", "413"],
    # tus PATCH: a body past Upload-Length is 413, a body that does not match its Upload-Checksum is
    # 460 Checksum Mismatch (tus 1.0.0, "Checksum"), and a PATCH while another writes is 423 Locked. And 400:
    # the spec's Upload-Checksum pattern is exactly what the server takes (tests/unit/sync/server/
    # test_openapi.py), yet schemathesis fills it outside that pattern in cases it calls valid (seen:
    # `Upload-Checksum: 0`), which the server rightly refuses.
    "PATCH /v1/uploads/{upload_id}": ["400", "413", "423", "460"],
}
SEEDED = ("conversation_id", "sha256", "upload_id", "username")  # path parameters, filled from seed()


def config(ids: dict[str, str]) -> str:
    """The schemathesis.toml: the owner's token on every request (a spare one to revoke), real ids in paths.

    The real ids are dictionaries, not pinned parameters: a pinned value wins over the one a stateful link
    carries (so `POST /v1/conversations` then `DELETE .../members/{username}` hit the seeded conversation and
    bob, and a 404 there read as "created resource not found"); a dictionary value only fills what no link gave.
    """
    def toml(value: object) -> str:
        return json.dumps(value)

    def dictionary(name: str, value: str) -> list[str]:
        return [f"[dictionaries.{name}]", f"values = [{toml(value)}]"]

    def statuses(check: str, *extra: str) -> str:
        return f"checks.{check}.expected-statuses = {toml([*DEFAULT_STATUSES[check], *extra])}"

    return "\n".join([
        'hooks = "tests.integration.fuzz_hooks"',
        f"headers = {{ Authorization = {toml('Bearer ' + ids['token'])} }}",
        "[parameters]",
        *(f'"path.{name}" = {{ dictionary = "{name}" }}' for name in SEEDED),
        *(line for name in (*SEEDED, "blocked") for line in dictionary(name, ids[name])),
        "[[operations]]",
        'include-path = "/v1/tokens/current"',
        f"headers = {{ Authorization = {toml('Bearer ' + ids['spare_token'])} }}",
        "[[operations]]",
        'include-name = "DELETE /v1/users/me/blocked/{username}"',
        'parameters = { "path.username" = { dictionary = "blocked" } }',
        "[[operations]]",
        f"include-name = {toml(TUS_OPERATIONS)}",
        statuses("missing_required_header", "412"),
        statuses("negative_data_rejection", "412"),
        *(line for name, extra in VALID_BUT_REFUSED.items()
          for line in ("[[operations]]", f"include-name = {toml(name)}", statuses("positive_data_acceptance", *extra))),
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
