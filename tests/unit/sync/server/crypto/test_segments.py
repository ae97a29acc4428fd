"""The segment format: sizes that round-trip, segments that open only at their own index, blob and kind."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.server.crypto.master import new_key
from sync.server.crypto.segments import (
    BATCH,
    FINAL,
    HEADER_BYTES,
    MIDDLE,
    OVERHEAD,
    TAIL,
    Damaged,
    Segments,
    SegmentWriter,
    header,
    parse_header,
)

SIZE = 1024
STRIDE = SIZE + OVERHEAD


def segments(key: bytes | None = None, blob_id: bytes = b"\1" * 16) -> Segments:
    return Segments(key or new_key(), blob_id, SIZE, "test blob")


def sealed_object(seg: Segments, data: bytes, chunks: list[int]) -> bytes:
    out: list[bytes] = [header(SIZE, seg.blob_id)]
    writer = SegmentWriter(seg, lambda piece: out.append(bytes(piece)))  # a copy: the writer reuses its buffer
    at = 0
    for length in chunks:
        writer.write(data[at:at + length])
        at += length
    writer.write(data[at:])
    out.append(writer.finish())
    return b"".join(out)


@settings(max_examples=100, deadline=None, database=None)
@given(size=st.integers(0, 5 * SIZE + 10), chunks=st.lists(st.integers(0, 3 * SIZE), max_size=6))
def test_any_chunking_gives_an_object_that_opens_to_the_data(size: int, chunks: list[int]) -> None:
    seg = segments()
    data = random.Random(size).randbytes(size)
    stored = sealed_object(seg, data, chunks)
    assert len(stored) == HEADER_BYTES + size // SIZE * STRIDE + OVERHEAD + size % SIZE
    assert seg.plaintext_size(len(stored)) == size
    final = size // SIZE
    body = [stored[HEADER_BYTES:]]
    assert b"".join(seg.opened(body, 0, final, final, len(stored))) == data
    assert parse_header(stored, "test blob") == (SIZE, seg.blob_id)


@settings(max_examples=60, deadline=None, database=None)
@given(size=st.integers(0, (3 * BATCH + 2) * SIZE), chunks=st.lists(st.integers(0, (BATCH + 3) * SIZE), max_size=4))
def test_pieces_of_a_batch_or_more_seal_the_same_format_as_small_ones(size: int, chunks: list[int]) -> None:
    """Large writes are sealed straight from the caller's buffer; mixed with small ones the object is the same."""
    seg = segments()
    data = random.Random(size).randbytes(size)
    stored = sealed_object(seg, data, chunks)
    final = size // SIZE
    assert len(stored) == HEADER_BYTES + final * STRIDE + OVERHEAD + size % SIZE
    assert b"".join(seg.opened([stored[HEADER_BYTES:]], 0, final, final, len(stored))) == data


def test_object_sizes_that_no_plaintext_gives_are_damaged() -> None:
    seg = segments()
    valid = {HEADER_BYTES + n // SIZE * STRIDE + OVERHEAD + n % SIZE: n for n in range(4 * SIZE)}
    for object_size in range(HEADER_BYTES + 4 * STRIDE):
        if object_size in valid:
            assert seg.plaintext_size(object_size) == valid[object_size]
        else:
            with pytest.raises(Damaged):
                seg.plaintext_size(object_size)


@pytest.mark.parametrize("data", [b"", b"ENV", b"XXXX" + bytes(20), header(512, bytes(16)),
                                  header(32 * 1024 * 1024, bytes(16)), header(SIZE, bytes(16))[:-1]])
def test_headers_that_are_not_ours_are_damaged(data: bytes) -> None:
    with pytest.raises(Damaged):
        parse_header(data, "test blob")


def test_a_segment_opens_only_at_its_index_with_its_kind_blob_and_key() -> None:
    key = new_key()
    seg = segments(key)
    for kind in (MIDDLE, FINAL, TAIL):
        sealed = seg.seal(2, b"x" * 100, kind)
        assert seg.open(2, sealed, kind) == b"x" * 100
        for other in {MIDDLE, FINAL, TAIL} - {kind}:
            with pytest.raises(Damaged):
                seg.open(2, sealed, other)
        with pytest.raises(Damaged):
            seg.open(3, sealed, kind)
        with pytest.raises(Damaged):
            segments(key, b"\2" * 16).open(2, sealed, kind)
        with pytest.raises(Damaged):
            segments().open(2, sealed, kind)


def test_final_segments_are_deterministic_and_others_are_not() -> None:
    seg = segments()
    assert seg.seal(4, b"end", FINAL) == seg.seal(4, b"end", FINAL)
    assert seg.seal(4, b"end", FINAL) != seg.seal(4, b"End", FINAL)
    assert seg.seal(4, b"end", FINAL) != seg.seal(5, b"end", FINAL)
    assert seg.seal(4, b"mid", MIDDLE) != seg.seal(4, b"mid", MIDDLE)
    assert seg.seal(4, b"mid", TAIL) != seg.seal(4, b"mid", TAIL)


def test_a_read_cut_short_inside_a_segment_is_damaged_before_yielding_it() -> None:
    seg = segments()
    data = random.Random(1).randbytes(3 * SIZE + 10)
    stored = sealed_object(seg, data, [])
    got = []
    with pytest.raises(Damaged, match="ends inside segment 2"):
        for plain in seg.opened([stored[HEADER_BYTES:HEADER_BYTES + 2 * STRIDE + 100]], 0, 3, 3, len(stored)):
            got.append(plain)
    assert b"".join(got) == data[:2 * SIZE]
