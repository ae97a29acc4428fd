"""The one size rule: decimal units (1 MB = 1000² bytes), as macOS and GNOME show them."""

from __future__ import annotations

import pytest

from desktop.core.units import GB, KB, MB, size_text


@pytest.mark.parametrize(("size", "text"), [
    (0, "0 bytes"),
    (1, "1 byte"),
    (999, "999 bytes"),
    (1000, "1.0 KB"),
    (1536, "1.5 KB"),
    (8 * MB, "8.0 MB"),
    (300 * 1024**2, "314.6 MB"),  # 300 MiB, as a file manager shows it
    (5 * GB, "5.0 GB"),
    (100 * MB, "100.0 MB"),
    (12_345 * GB, "12.3 TB"),
])
def test_sizes_read_in_decimal_units(size: int, text: str) -> None:
    assert size_text(size) == text


def test_a_size_that_rounds_up_moves_to_the_next_unit() -> None:
    assert size_text(999_960) == "1.0 MB"  # not "1000.0 KB"
    assert size_text(999_949) == "999.9 KB"


def test_a_limit_set_in_gigabytes_reads_back_in_the_same_units() -> None:
    assert size_text(round(0.1 * GB)) == "100.0 MB"  # not "102 MB"
    assert (KB, MB, GB) == (1000, 1000**2, 1000**3)
