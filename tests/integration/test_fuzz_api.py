"""schemathesis finds nothing: no 5xx, and every status, content type, body and Allow header as the spec says.

``make test`` fuzzes for FUZZ_SECONDS (default 45) with the five conformance checks; ``make fuzz`` for 10
minutes with every check (FUZZ_CHECKS=all).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import ServerProcess
from tests.integration.fuzzing import CHECKS, UNLIMITED, fuzz

SECONDS = int(os.environ.get("FUZZ_SECONDS", "45"))


@pytest.fixture
def open_server(tmp_path: Path) -> Iterator[ServerProcess]:
    srv = ServerProcess(tmp_path / "server", args=UNLIMITED).start()
    yield srv
    srv.stop()


@pytest.mark.timeout(SECONDS + 600)
def test_schemathesis_finds_nothing(open_server: ServerProcess, tmp_path: Path) -> None:
    checks = os.environ.get("FUZZ_CHECKS", ",".join(CHECKS)).split(",")
    run = fuzz(open_server, tmp_path, seconds=SECONDS, checks=checks)
    report = tmp_path / "schemathesis.txt"  # pytest keeps the last runs' tmp_path
    report.write_text(run.output)
    print(f"schemathesis: {run.generated} cases in {SECONDS} s, checks {','.join(checks)}; output in {report}")
    assert run.exit_code == 0, f"{run.failures}\n(the whole output: {report})"
    assert run.generated > 100, run.failures
    assert "Traceback" not in open_server.log(), open_server.log()[-4000:]
