"""The sparse file keeps what arrived across restarts, and starts over when its map can't be trusted."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.streaming.endpoint import byte_range
from desktop.core.streaming.sparse import MAP_SUFFIX, SparseFile


def test_what_arrived_survives_a_restart_and_reads_stop_at_a_hole(tmp_path: Path) -> None:
    sparse = SparseFile(tmp_path / "blob")
    sparse.set_size(1000)
    sparse.write(0, b"a" * 100)
    sparse.write(500, b"b" * 10)
    assert sparse.read(50, 400) == b"a" * 50  # up to the hole, not into it
    assert sparse.read(100, 10) == b""
    with pytest.raises(ValueError):
        sparse.write(995, b"x" * 10)  # past the end
    sparse.save()
    sparse.close()

    again = SparseFile(tmp_path / "blob")
    assert again.size == 1000 and list(again.ranges) == [(0, 100), (500, 510)]
    assert again.read(500, 100) == b"b" * 10
    again.close()


@pytest.mark.parametrize("saved", ['{"size": 1000, "ranges": [[0, 2000]]}', "not json", '{"size": 5, "ranges": []}',
                                   '{"size": "1000", "ranges": []}'])
def test_a_map_that_does_not_fit_the_file_starts_over(tmp_path: Path, saved: str) -> None:
    sparse = SparseFile(tmp_path / "blob")
    sparse.set_size(1000)
    sparse.close()
    (tmp_path / ("blob" + MAP_SUFFIX)).write_text(saved)
    again = SparseFile(tmp_path / "blob")
    assert again.size is None and list(again.ranges) == []
    again.close()


def test_a_new_size_forgets_the_old_bytes(tmp_path: Path) -> None:
    sparse = SparseFile(tmp_path / "blob")
    sparse.set_size(100)
    sparse.write(0, b"x" * 100)
    sparse.set_size(50)
    assert list(sparse.ranges) == [] and (tmp_path / "blob").stat().st_size == 50
    sparse.close()


@pytest.mark.parametrize(("header", "expected"), [
    (None, None), ("bytes=0-99", (0, 100)), ("bytes=10-", (10, 1000)), ("bytes=-100", (900, 1000)),
    ("bytes=990-5000", (990, 1000)), ("items=0-5", None), ("bytes=0-1,5-6", None), ("bytes=-5000", (0, 1000)),
])
def test_byte_ranges_the_player_asks_for(header: str | None, expected: tuple[int, int] | None) -> None:
    assert byte_range(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=-0", "bytes=-", "bytes=a-b", "bytes=5-2", "bytes= 1-2x"])
def test_a_range_outside_the_blob_or_malformed_is_refused(header: str) -> None:
    with pytest.raises(ValueError):
        byte_range(header, 1000)
