"""405 answers list every method their path accepts (``Allow``), exactly the methods the spec documents."""

from __future__ import annotations

import re

import requests

from tests.integration.conftest import ServerProcess

PROBES = ("PUT", "PATCH", "DELETE", "POST", "GET", "OPTIONS", "HEAD")


def _concrete(template: str) -> str:
    """The template with ids in: a blob's name is 64 hex digits (no route matches anything else)."""
    return re.sub(r"\{([^}]+)\}", lambda m: "0" * 64 if m[1] == "sha256" else "x" * 8, template)


def test_allow_lists_every_method_of_the_path(server: ServerProcess) -> None:
    r = requests.put(server.url + "/v1/conversations", timeout=10)
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"
    assert {m.strip() for m in r.headers["Allow"].split(",")} == {"GET", "POST"}
    assert "GET, POST" in r.json()["error"]["message"]


def test_allow_matches_the_spec_on_every_path(server: ServerProcess) -> None:
    paths = requests.get(server.url + "/openapi.json", timeout=10).json()["paths"]
    checked = 0
    for template, operations in paths.items():
        documented = {m.upper() for m in operations if m.upper() in PROBES}
        for method in (m for m in PROBES if m not in documented):
            r = requests.request(method, server.url + _concrete(template), timeout=10)
            assert r.status_code == 405, (method, template, r.status_code)
            assert {m.strip() for m in r.headers["Allow"].split(",")} == documented, (method, template)
            checked += 1
    assert checked > len(paths)
