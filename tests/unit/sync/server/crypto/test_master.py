"""Master keys: made 0600 on first start, read back, taken from the environment for replicas, and
refused with a clear message when they cannot be used."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from sync.server.config import ConfigError
from sync.server.crypto import master
from sync.server.crypto.master import MASTER_KEY_ENV, MasterKeys, WrongMasterKey, key_id, load, new_key
from sync.server.crypto.records import KeyRecords
from sync.server.storage.local_objects import LocalObjects


@pytest.fixture(autouse=True)
def _no_key_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MASTER_KEY_ENV, raising=False)


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def test_a_missing_key_file_is_made_0600_with_one_key(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "master.key"
    keys = load(path, create=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    lines = path.read_text("ascii").split()
    assert len(lines) == 1
    assert base64.b64decode(lines[0], validate=True) == keys.keys[0]
    assert len(keys.keys) == 1
    assert len(keys.keys[0]) == master.KEY_BYTES


def test_a_second_load_reads_the_same_key(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    first = load(path, create=True)
    before = path.read_bytes()
    again = load(path, create=True)
    assert again.keys == first.keys
    assert again.current_id == first.current_id
    assert path.read_bytes() == before
    assert load(path, create=False).keys == first.keys


def test_two_servers_get_different_keys(tmp_path: Path) -> None:
    assert load(tmp_path / "a.key", create=True).keys != load(tmp_path / "b.key", create=True).keys


def test_a_missing_key_file_without_create_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    with pytest.raises(ConfigError, match="does not exist") as caught:
        load(path, create=False)
    assert str(path) in str(caught.value)
    assert not path.exists()


def test_the_environment_wins_over_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "master.key"
    from_file = load(path, create=True)
    env_key = new_key()
    monkeypatch.setenv(MASTER_KEY_ENV, b64(env_key))
    keys = load(path, create=True)
    assert keys.keys == [env_key]
    assert keys.keys != from_file.keys


def test_with_the_environment_set_no_key_file_is_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MASTER_KEY_ENV, b64(new_key()))
    path = tmp_path / "master.key"
    load(path, create=True)
    assert not path.exists()


def test_several_keys_in_the_environment_open_records_wrapped_by_any(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = new_key(), new_key()
    objects = LocalObjects(tmp_path / "objects")
    under_old, old_key = KeyRecords(objects, MasterKeys([old])).new_data_key("blob:test")
    under_new, new_data_key = KeyRecords(objects, MasterKeys([new])).new_data_key("blob:test")

    monkeypatch.setenv(MASTER_KEY_ENV, f" {b64(new)},{b64(old)} ")
    keys = load(tmp_path / "master.key", create=True)
    assert keys.keys == [new, old]
    assert keys.current_id == key_id(new)
    records = KeyRecords(objects, keys)
    assert records.data_key(under_old) == old_key
    assert records.data_key(under_new) == new_data_key


def test_a_key_file_may_hold_the_new_key_then_the_old(tmp_path: Path) -> None:
    old, new = new_key(), new_key()
    path = tmp_path / "master.key"
    path.write_text(f"{b64(new)}\n{b64(old)}\n", "ascii")
    assert load(path, create=False).keys == [new, old]


@pytest.mark.parametrize("value", [b64(b"\1" * 16), b64(b"\1" * 33), "AAAA"])
def test_a_key_of_the_wrong_length_is_a_config_error(value: str, monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    monkeypatch.setenv(MASTER_KEY_ENV, value)
    with pytest.raises(ConfigError, match="32 bytes"):
        load(tmp_path / "master.key", create=True)


def test_a_key_file_with_a_short_key_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    path.write_text(b64(b"\1" * 31) + "\n", "ascii")
    with pytest.raises(ConfigError, match="32 bytes"):
        load(path, create=False)


@pytest.mark.parametrize("value", ["not-base64!", "****", b64(new_key())[:-2] + "!!"])
def test_a_key_not_in_base64_is_a_config_error_naming_its_source(
        value: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(MASTER_KEY_ENV, value)
    with pytest.raises(ConfigError, match="not base64") as caught:
        load(tmp_path / "master.key", create=True)
    assert MASTER_KEY_ENV in str(caught.value)


def test_a_key_file_not_in_base64_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    path.write_text("this is not a key\n", "ascii")
    with pytest.raises(ConfigError, match="not base64") as caught:
        load(path, create=False)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\xff\xfe binary"])
def test_an_empty_or_unreadable_key_file_is_a_config_error(content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        load(path, create=True)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == content  # never replaced by a new key


def test_no_keys_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        MasterKeys([])


def test_save_writes_a_key_file_load_reads_back(tmp_path: Path) -> None:
    keys = MasterKeys([new_key(), new_key()])
    path = tmp_path / "master.key"
    master.save(path, keys)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load(path, create=False).keys == keys.keys


def test_a_wrapped_key_opens_only_with_its_master_key_and_its_associated_data() -> None:
    keys, data_key = MasterKeys([new_key()]), new_key()
    wrapped = keys.wrap(data_key, b"record a")
    assert wrapped[:master.KEY_ID_BYTES].hex() == keys.current_id == keys.wrapped_by(wrapped)
    assert data_key not in wrapped
    assert keys.unwrap(wrapped, b"record a") == data_key
    with pytest.raises(WrongMasterKey):
        keys.unwrap(wrapped, b"record b")
    other = MasterKeys([new_key()])
    with pytest.raises(WrongMasterKey) as caught:
        other.unwrap(wrapped, b"record a")
    assert caught.value.wanted == keys.current_id
    assert caught.value.have == [other.current_id]
    for at in range(len(wrapped)):
        damaged = bytearray(wrapped)
        damaged[at] ^= 0x80
        with pytest.raises(WrongMasterKey):
            keys.unwrap(bytes(damaged), b"record a")
    with pytest.raises(WrongMasterKey):
        keys.unwrap(wrapped[:-1], b"record a")


def test_key_ids_are_stable_and_distinct() -> None:
    key = new_key()
    assert key_id(key) == key_id(bytes(key)) == MasterKeys([key]).current_id
    assert key_id(key) != key_id(new_key())
    assert len(key_id(key)) == 2 * master.KEY_ID_BYTES
    assert MasterKeys([key, new_key()]).ids[0] == key_id(key)
