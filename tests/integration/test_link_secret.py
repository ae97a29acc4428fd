"""The key that signs media links comes from configuration, so replicas share it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from sync.server.config import LINK_SECRET_ENV, ConfigError, ServerConfig
from sync.server.media import sign
from tests.integration.conftest import ServerProcess, User, make_user


def test_links_are_signed_with_the_configured_secret(tmp_path: Path) -> None:
    """Replicas given the same secret sign and check links alike: the server signs with the configured key."""
    key = "s" * 40
    server = ServerProcess(tmp_path / "server", env={LINK_SECRET_ENV: key}).start()
    try:
        alice = make_user(server.url)
        sha = alice.upload_bytes(b"a photo, say")
        link = alice.post(f"/v1/media/{sha}/link", json={"ttl": 60}).json()["url"]
        query = parse_qs(urlsplit(link).query)
        expected = sign(key.encode(), "GET", f"/v1/media/{sha}", query["user"][0], int(query["expires"][0]))
        assert query["sig"][0] == expected
        assert requests.get(link, timeout=10).content == b"a photo, say"
        assert not (server.data_dir / "link-secret").exists()  # nothing generated beside the configured one
    finally:
        server.stop()


def test_the_environment_variable_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LINK_SECRET_ENV, "e" * 40)
    assert ServerConfig(tmp_path, link_secret_file=tmp_path / "missing").link_secret() == b"e" * 40


def test_a_short_or_missing_secret_is_refused_with_a_sentence(tmp_path: Path) -> None:
    short = tmp_path / "short.key"
    short.write_bytes(b"too short")
    with pytest.raises(ConfigError, match="at least 32 bytes"):
        ServerConfig(tmp_path, link_secret_file=short).link_secret()
    with pytest.raises(ConfigError, match="cannot be read"):
        ServerConfig(tmp_path, link_secret_file=tmp_path / "nope.key").link_secret()
    done = subprocess.run([sys.executable, "-m", "sync", "serve", "--data-dir", str(tmp_path / "d"),
                           "--link-secret-file", str(short)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "at least 32 bytes" in done.stderr


def test_without_configuration_one_server_keeps_its_own_secret(server: ServerProcess, alice: User) -> None:
    assert (server.data_dir / "link-secret").stat().st_mode & 0o777 == 0o600
    other = make_user(server.url)
    assert other.user_id != alice.user_id
