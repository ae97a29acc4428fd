"""The test set-up's package installer keeps services from starting while it installs (policy-rc.d)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("test_system_packages_script", ROOT / "scripts/test_system_packages.py")
assert spec is not None and spec.loader is not None
script = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = script
spec.loader.exec_module(script)


def test_services_are_told_not_now_while_installing_and_the_policy_goes_after(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = tmp_path / "policy-rc.d"
    monkeypatch.setattr(script, "POLICY", policy)
    with script.no_service_starts():
        assert subprocess.run([str(policy), "nginx", "start"], check=False).returncode == 101
    assert not policy.exists()


def test_a_policy_the_machine_has_is_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = tmp_path / "policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 0\n")
    monkeypatch.setattr(script, "POLICY", policy)
    with script.no_service_starts():
        assert policy.read_text() == "#!/bin/sh\nexit 0\n"
    assert policy.read_text() == "#!/bin/sh\nexit 0\n"
