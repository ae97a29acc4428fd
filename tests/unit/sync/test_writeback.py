"""Write-out started as a file is written: every stretch of EVERY bytes once, in order, none twice."""

from __future__ import annotations

import os
from pathlib import Path

from sync import writeback
from sync.server.storage.local_objects import LocalObjects
from sync.writeback import EVERY, Writeback


def test_each_stretch_of_the_file_is_started_once_from_the_offset_on() -> None:
    kicked: list[tuple[int, int, int]] = []
    follow = Writeback(7, 100, kick=lambda fd, offset, length: kicked.append((fd, offset, length)))
    for count in (EVERY - 1, 1, 5, EVERY, 3 * EVERY):
        follow.wrote(count)
    assert kicked == [(7, 100, EVERY), (7, 100 + EVERY, EVERY + 5), (7, 100 + 2 * EVERY + 5, 3 * EVERY)]


def test_an_appended_object_is_whole_after_write_out_was_started(tmp_path: Path) -> None:
    assert writeback._KICK is not None or os.uname().sysname != "Linux"  # the real call, on Linux
    store = LocalObjects(tmp_path)
    store.put("staging/u", b"head")
    appender = store.appender("staging/u", 4)
    pieces = [os.urandom(EVERY // 3 + n) for n in range(7)]
    for piece in pieces:
        appender.write(piece)
    appender.commit()
    appender.close()
    assert store.get("staging/u") == b"head" + b"".join(pieces)
