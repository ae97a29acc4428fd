"""safe_image: only allow-listed formats, judged by content, decoded within pixel and allocation limits."""

from __future__ import annotations

from pathlib import Path

import psutil
import pytest
from PySide6.QtCore import QSize
from pytestqt.qtbot import QtBot

from desktop.ui.media import safe_image
from desktop.ui.media.safe_image import UnsafeImage
from desktop.ui.media.thumbnails import ThumbnailCache
from tests.gui.media.hostile import SVG, bomb_png, picture

SHA = "ab" * 32


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP", "HEIF"])
def test_allowed_formats_decode_whatever_their_name(qtbot: QtBot, tmp_path: Path, fmt: str) -> None:
    path = write(tmp_path, "picture.bin", picture(fmt, (640, 480)))
    assert safe_image.decode(path).size() == QSize(640, 480)
    assert safe_image.decode(path, cover=QSize(64, 64)).size() == QSize(85, 64)  # scaled while decoding


@pytest.mark.parametrize(("name", "data"), [
    ("photo.jpg", picture("TIFF")),
    ("photo.jpg", SVG),
    ("photo.png", picture("BMP")),
    ("photo.jpg", picture("PPM")),
    ("photo.jpg", b"/* XPM */\nstatic char *x[] = {\"1 1 1 1\", \"a c #ff0000\", \"a\"};\n"),
    ("photo.jpg", picture("ICO")),
])
def test_other_formats_are_refused_even_when_qt_has_a_plugin(qtbot: QtBot, tmp_path: Path, name: str,
                                                             data: bytes) -> None:
    with pytest.raises(UnsafeImage, match="only JPEG, PNG, WebP, GIF and HEIC"):
        safe_image.decode(write(tmp_path, name, data))


def test_a_bomb_is_refused_from_its_header_without_allocating(qtbot: QtBot, tmp_path: Path) -> None:
    bomb = bomb_png()
    assert len(bomb) < 100_000
    path = write(tmp_path, "thumb.jpg", bomb)
    rss = psutil.Process().memory_info().rss
    with pytest.raises(UnsafeImage, match=r"too large to show here \(2.5 gigapixels; the limit is 100 megapixels"):
        safe_image.decode(path, cover=QSize(200, 200))
    assert psutil.Process().memory_info().rss - rss < 50_000_000


def test_the_allocation_limit_stops_a_bomb_the_pixel_check_missed(
        qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safe_image, "MAX_PIXELS", 10**12)
    path = write(tmp_path, "thumb.png", bomb_png())
    rss = psutil.Process().memory_info().rss
    with pytest.raises(UnsafeImage, match="can't be shown"):
        safe_image.decode(path)
    assert psutil.Process().memory_info().rss - rss < 50_000_000


def test_a_heic_bomb_is_refused_too(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safe_image, "MAX_PIXELS", 100)
    with pytest.raises(UnsafeImage, match="too large"):
        safe_image.decode(write(tmp_path, "x.heic", picture("HEIF", (64, 48))))


def test_damaged_and_empty_files_are_refused_with_a_sentence(qtbot: QtBot, tmp_path: Path) -> None:
    for name, data in (("a.png", picture("PNG")[:40]), ("b.jpg", b"\xff\xd8\xff" + bytes(50)), ("c.jpg", b"")):
        with pytest.raises(UnsafeImage):
            safe_image.decode(write(tmp_path, name, data))
    with pytest.raises(UnsafeImage, match="can't be read"):
        safe_image.decode(tmp_path / "missing.jpg")


@pytest.mark.parametrize("data", [picture("TIFF"), SVG, bomb_png()], ids=["tiff", "svg", "bomb"])
def test_a_hostile_thumbnail_leaves_the_placeholder(qtbot: QtBot, tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "thumb.jpg", data)
    cache = ThumbnailCache(lambda sha: path if sha == SHA else None)
    assert cache.pixmap(SHA, QSize(120, 90)) is None
    qtbot.waitUntil(lambda: not cache.busy(), timeout=5_000)
    assert cache.pixmap(SHA, QSize(120, 90)) is None and not cache.busy()  # refused once, not asked again
    assert not cache.has(SHA, QSize(120, 90))
    cache.wait_idle()
