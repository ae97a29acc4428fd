"""Downscaling in bands on every core gives the pixels of one Image.resize, within a rounding step."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops, ImageStat

from sync.media import resize
from sync.media.resize import resize_in_bands
from tests.samples import sample


def assert_same_pixels(banded: Image.Image, whole: Image.Image) -> None:
    """Equal but for fixed-point rounding: no channel more than 2 levels off, on average almost none."""
    assert banded.size == whole.size and banded.mode == whole.mode
    difference = ImageChops.difference(banded, whole)
    assert max(high for _, high in difference.getextrema()) <= 2
    assert max(ImageStat.Stat(difference).mean) < 0.1


def photo(size: tuple[int, int]) -> Image.Image:
    """A real photo (the rocket sample) stretched to `size`, so every band has detail in it."""
    with Image.open(sample("photos/rocket.jpg")) as im:
        return im.convert("RGB").resize(size, Image.Resampling.BICUBIC)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ((4000, 3000), (2560, 1920)),  # 12 MP to the send size: no integer reduction first
        ((3000, 4000), (1920, 2560)),  # portrait
        ((8000, 6000), (2560, 1920)),  # 48 MP: reduced by 3 first, as resize(reducing_gap=3) does
        ((4001, 2999), (2559, 1918)),  # odd sizes: band edges fall between source rows
    ],
)
def test_bands_give_the_pixels_of_one_resize(source: tuple[int, int], target: tuple[int, int],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resize, "_threads", lambda: 3)  # three bands even on a one-core machine
    picture = photo(source)
    whole = picture.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    assert_same_pixels(resize_in_bands(picture, target), whole)


def test_a_small_picture_is_one_band(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resize, "_threads", lambda: 4)
    picture = photo((600, 400))
    whole = picture.resize((300, 200), Image.Resampling.LANCZOS, reducing_gap=3.0)
    assert ImageChops.difference(resize_in_bands(picture, (300, 200)), whole).getbbox() is None  # one call
