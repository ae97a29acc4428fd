"""Media fixtures: media generated once per session and a hostile corpus (sample files: ``tests.samples``)."""

from __future__ import annotations

import random
import shutil
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import av
import pillow_heif
import pytest
from PIL import Image, ImageCms, ImageDraw

from tests.samples import sample

RED = (255, 0, 0)


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


def make_clip(
    path: Path, *, size: tuple[int, int], frames: int, frame: Callable[[int], Image.Image],
    rotation: int | None = None,
) -> Path:
    """Encode `frames` pictures from `frame(i)` as H.264 at 25 fps in an MP4."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for i in range(frames):
            picture = av.VideoFrame.from_image(frame(i))  # type: ignore[no-untyped-call]
            for packet in stream.encode(picture):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def _marked(size: tuple[int, int], colour: tuple[int, int, int]) -> Image.Image:
    """A flat picture with a red square in its top-left corner (to check orientation)."""
    picture = Image.new("RGB", size, colour)
    picture.paste(RED, (0, 0, size[0] // 8, size[1] // 8))
    return picture


@pytest.fixture(scope="session")
def black_start_clip(media_dir: Path) -> Path:
    """64 frames of 320x240: the first one black, the rest bright."""
    return make_clip(
        media_dir / "black_start.mp4", size=(320, 240), frames=64,
        frame=lambda i: Image.new("RGB", (320, 240)) if i == 0 else _marked((320, 240), (220, 220, 220)),
    )


@pytest.fixture(scope="session")
def rotated_clip(media_dir: Path) -> Path:
    """1280x720 with a display rotation of 90 degrees (counter-clockwise, FFmpeg's convention)."""
    return make_clip(
        media_dir / "rotated.mp4", size=(1280, 720), frames=8, rotation=90,
        frame=lambda i: _marked((1280, 720), (40, 90, 200)),
    )


@pytest.fixture(scope="session")
def audio_only_mp4(media_dir: Path) -> Path:
    """AAC in an MP4 whose brand says plain 'isom': only its streams show it is audio."""
    path = media_dir / "sound_only.mp4"
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=22050)
        stream.layout = "mono"
        for i in range(20):
            frame = av.AudioFrame(format="fltp", layout="mono", samples=1024)
            frame.planes[0].update(struct.pack("<1024f", *[((n + i) % 50) / 100 for n in range(1024)]))
            frame.sample_rate, frame.pts = 22050, i * 1024
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.fixture(scope="session")
def photo_12mp(media_dir: Path) -> Path:
    """A 4000x3000 JPEG ('12 MP') with detail everywhere, like a phone photo."""
    path = media_dir / "photo_12mp.jpg"
    detail = Image.effect_mandelbrot((4000, 3000), (-2.2, -1.2, 1.0, 1.2), 64)
    shade = Image.linear_gradient("L").resize((4000, 3000))
    Image.merge("RGB", (detail, shade, Image.effect_noise((4000, 3000), 40))).save(path, quality=90)
    return path


@pytest.fixture(scope="session")
def animated_gif(media_dir: Path) -> Path:
    """Three 64x48 frames: red, green, blue."""
    path = media_dir / "animated.gif"
    frames = [Image.new("RGB", (64, 48), colour) for colour in (RED, (0, 255, 0), (0, 0, 255))]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return path


@pytest.fixture(scope="session")
def heic_photo(media_dir: Path) -> Path:
    """A 96x64 HEIC written by pillow-heif."""
    path = media_dir / "photo.heic"
    pillow_heif.from_pillow(_marked((96, 64), (30, 160, 60))).save(str(path), quality=80)
    return path


@pytest.fixture(scope="session")
def alpha_png(media_dir: Path) -> Path:
    """A 200x100 PNG whose right half is transparent."""
    path = media_dir / "alpha.png"
    picture = Image.new("RGBA", (200, 100), (200, 30, 30, 255))
    ImageDraw.Draw(picture).rectangle((100, 0, 199, 99), fill=(0, 0, 0, 0))
    picture.save(path)
    return path


SRGB_ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.fixture(scope="session")
def icc_gps_jpeg(media_dir: Path) -> Path:
    """A JPEG with an sRGB ICC profile and a GPS position in its EXIF."""
    path = media_dir / "icc_gps.jpg"
    exif = Image.Exif()
    exif[0x010F] = "EnvelopeTestCam"
    exif.get_ifd(0x8825).update({1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)})
    _marked((300, 200), (90, 120, 150)).save(path, quality=90, icc_profile=SRGB_ICC, exif=exif)
    return path


def png_declaring(width: int, height: int) -> bytes:
    """A well-formed little PNG that claims width x height greyscale pixels (nothing is allocated)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 4096)  # a sliver of the data it claims
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


@pytest.fixture(scope="session")
def hostile(media_dir: Path) -> dict[str, Path]:
    """Files that must give a MediaError (never a crash or hang) yet still sniff."""
    folder = media_dir / "hostile"
    folder.mkdir()
    noise = random.Random(20240601)
    jpeg = sample("photos/rocket.jpg").read_bytes()
    mp4 = bytearray(sample("video/hubble_pan.mp4").read_bytes())
    mdat = mp4.index(b"mdat") + 4
    moov = mp4.index(b"moov") - 4
    mp4[mdat:moov] = noise.randbytes(moov - mdat)  # headers intact, every frame garbage
    files: dict[str, bytes] = {
        "truncated.jpg": jpeg[: len(jpeg) // 2],
        "bomb.png": png_declaring(60_000, 60_000),
        "over_limit.png": png_declaring(12_000, 10_000),  # 120 MP: Pillow only warns; we refuse
        "empty.jpg": b"",
        "header_then_noise.mp4": bytes(mp4[:44]) + noise.randbytes(30_000),
        "garbage_frames.mp4": bytes(mp4),
        "noise.mp4": noise.randbytes(30_000),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    shutil.copy(sample("files/chelsea.pdf"), folder / "really_a_pdf.jpg")
    return {name: folder / name for name in [*files, "really_a_pdf.jpg"]}
