"""Sample media for tests: what the demo ships and what only tests need, and how the portrait sample looks."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageChops, ImageStat

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "desktop" / "ui" / "assets" / "samples"
"""The demo's media (package data); tests read these from here, never from a copy."""
TEST_ONLY = ROOT / "tests" / "data" / "samples"
"""Media nothing but the tests needs."""
FOLDERS = (SHIPPED, TEST_ONLY)

PORTRAIT = "photos/portrait_exif6.jpg"
PORTRAIT_CROP = (178, 0, 462, 427)
"""The part of ``photos/rocket.jpg`` that ``PORTRAIT`` holds (stored turned a quarter, EXIF Orientation 6)."""


def sample(name: str) -> Path:
    """The sample ``name`` (e.g. ``"photos/rocket.jpg"``); raises FileNotFoundError when no folder has it."""
    for folder in FOLDERS:
        path = folder / name
        if path.is_file():
            return path
    raise FileNotFoundError(f"sample media {name!r} is in neither {SHIPPED} nor {TEST_ONLY}")


def samples_of(kind: str) -> list[Path]:
    """Every sample in the ``kind`` folder (``"photos"``, ``"video"``...) of both places, sorted by name."""
    return sorted((path for folder in FOLDERS for path in (folder / kind).glob("*") if path.is_file()),
                  key=lambda path: path.name)


def distances_by_turn(picture: Image.Image) -> dict[int, float]:
    """How much a picture of the portrait sample looks like the upright photo turned by 0, 90, 180, 270 degrees.

    The upright reference is the crop of ``rocket.jpg`` the sample was cut from: the rocket stands in the
    middle, its nose near the top, dark sky above. Each value is the mean grey-level difference (0-255)
    between ``picture`` and the reference turned clockwise by that many degrees, scaled to the picture's size;
    a picture a person sees upright is close to the 0 entry and far from the others.
    """
    with Image.open(sample("photos/rocket.jpg")) as rocket:
        upright = rocket.crop(PORTRAIT_CROP).convert("L")
    seen = picture.convert("L")
    distances = {}
    for degrees in (0, 90, 180, 270):
        turned = upright.rotate(-degrees, expand=True).resize(seen.size)
        distances[degrees] = ImageStat.Stat(ImageChops.difference(seen, turned)).mean[0]
    return distances


def assert_rocket_upright(picture: Image.Image) -> None:
    """Fail unless ``picture`` shows the portrait sample as a person expects: upright, the rocket's nose at the top."""
    distances = {degrees: round(d, 1) for degrees, d in distances_by_turn(picture).items()}
    best = min(distances, key=distances.__getitem__)
    assert best == 0, f"the rocket is turned {best} degrees clockwise (differences by turn: {distances})"
    others = min(d for degrees, d in distances.items() if degrees)
    assert distances[0] < 8 and distances[0] * 4 < others, f"not clearly the upright photo: {distances}"
