"""Named objects: the plain byte store the encrypting storage keeps its ciphertext and key records in.

Names are ``/``-separated paths of ``[A-Za-z0-9._-]`` parts, never ``..``; the backend owns where
they live (files under a folder today, a bucket's keys next). Small objects are read and replaced
whole and atomically; large ones are written once through ``create`` (published atomically at
commit), read by range, and appended to through ``appender`` (uploads in progress).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol

_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")


Data = bytes | bytearray | memoryview


class ObjectMissing(KeyError):
    """No object of that name."""


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name) or ".." in name:
        raise ValueError(f"not an object name: {name!r}")
    return name


class NewObject(Protocol):
    """An object being written; invisible under its name until ``commit``."""

    def write(self, data: Data) -> None: ...
    def commit(self) -> None:
        """Flush and publish it under its name, replacing what was there."""
    def abort(self) -> None: ...


class Appender(Protocol):
    """Writes an existing object from an offset on; what was after the offset is dropped."""

    def write(self, data: Data) -> None: ...
    def commit(self) -> None:
        """Make what was written durable."""
    def cut_back(self) -> None:
        """The object ends at the start offset again."""
    def close(self) -> None: ...


class ObjectStore(Protocol):
    def get(self, name: str) -> bytes:
        """A small object whole; raises ObjectMissing."""
    def put(self, name: str, data: bytes) -> None:
        """Create or replace a small object atomically and durably."""
    def read_at(self, name: str, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes from ``offset`` (fewer at the end); raises ObjectMissing."""
    def read_range(self, name: str, start: int, end: int, *, chunk: int = ...) -> Iterator[bytes | bytearray]:
        """Bytes ``start`` to ``end`` in chunks of ``chunk`` bytes (the last one shorter), opened
        lazily; raises ObjectMissing when iterated."""
    def size(self, name: str) -> int:
        """Raises ObjectMissing."""
    def exists(self, name: str) -> bool: ...
    def delete(self, name: str) -> bool: ...
    def create(self, name: str) -> NewObject: ...
    def appender(self, name: str, offset: int) -> Appender:
        """Raises ObjectMissing."""
    def rename(self, source: str, target: str) -> None:
        """Move an object to a new name atomically, replacing the target; raises ObjectMissing."""
    def list(self, prefix: str) -> Iterator[str]:
        """Names under ``prefix/`` (any depth)."""
    def age(self, name: str) -> float:
        """Seconds since the object last changed; raises ObjectMissing."""
