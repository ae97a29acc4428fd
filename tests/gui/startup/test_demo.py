"""The demo conversation's script sends only sample media that ships with the app."""

from __future__ import annotations

from desktop.ui.startup.demo import CLUB_SCRIPT, SAMPLES, SCRIPT
from tests.samples import SHIPPED


def test_every_file_the_demo_sends_ships_with_it() -> None:
    assert SAMPLES == SHIPPED
    files = [name for _sender, _text, names in [*SCRIPT, *CLUB_SCRIPT] for name in names]
    assert "photos/portrait_exif6.jpg" in files
    assert [name for name in files if not (SAMPLES / name).is_file()] == []
