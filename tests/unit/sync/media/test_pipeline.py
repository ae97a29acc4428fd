"""The media pipeline: sniffing, probing, thumbnails, compress-for-send and hostile input."""

from __future__ import annotations

import hashlib
import io
import os
import time
import wave
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import blurhash
import psutil
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageStat

from sync.media.pipeline import (
    CorruptMedia,
    MediaError,
    MediaTooLarge,
    ProbeTimeout,
    UnsupportedMedia,
    compress_for_send,
    probe,
    sniff,
)
from sync.media.sniff import sniff_bytes
from sync.media.worker import run_isolated
from tests.samples import PORTRAIT, assert_rocket_upright, sample, samples_of
from tests.unit.sync.conftest import SRGB_ICC, png_declaring

KINDS = {"image", "video", "audio", "file"}
GPS_IFD = 0x8825
ORIENTATION = 0x0112


def opened(path: Path) -> Image.Image:
    """The decoded picture at `path`, file closed (Pillow warns about files left open)."""
    with Image.open(path) as im:
        im.load()
        return im


def brightness(picture: Image.Image) -> float:
    return float(ImageStat.Stat(picture.convert("L")).mean[0])


def no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.startswith(".")]


# --- sniffing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("photos/rocket.jpg", ("image", "image/jpeg")),
        ("photos/coffee.png", ("image", "image/png")),
        ("video/hubble_pan.mp4", ("video", "video/mp4")),
        ("audio/voice_note.m4a", ("audio", "audio/mp4")),
        ("files/chelsea.pdf", ("file", "application/pdf")),
    ],
)
def test_sniff_samples(name: str, expected: tuple[str, str]) -> None:
    assert sniff(sample(name)) == expected


def test_sniff_generated_formats(
    heic_photo: Path, animated_gif: Path, alpha_png: Path, black_start_clip: Path
) -> None:
    assert sniff(heic_photo) == ("image", "image/heic")
    assert sniff(animated_gif) == ("image", "image/gif")
    assert sniff(alpha_png) == ("image", "image/png")
    assert sniff(black_start_clip) == ("video", "video/mp4")


def test_sniff_mp4_with_only_sound_is_audio(audio_only_mp4: Path) -> None:
    assert audio_only_mp4.read_bytes()[8:12] == b"isom"  # nothing in the brand gives it away
    assert sniff(audio_only_mp4) == ("audio", "audio/mp4")


def test_sniff_ignores_the_extension(tmp_path: Path) -> None:
    pdf = tmp_path / "holiday.jpg"
    pdf.write_bytes(sample("files/chelsea.pdf").read_bytes())
    jpeg = tmp_path / "report.pdf"
    jpeg.write_bytes(sample("photos/rocket.jpg").read_bytes())
    assert sniff(pdf) == ("file", "application/pdf")
    assert sniff(jpeg) == ("image", "image/jpeg")


def test_sniff_other_formats(tmp_path: Path) -> None:
    webp = tmp_path / "a"
    Image.new("RGB", (8, 8)).save(webp, "WEBP")
    wav = tmp_path / "b"
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 800)
    archive = tmp_path / "c"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("note.txt", "hi")
    text = tmp_path / "d"
    text.write_bytes(("Grüße aus Köln 🌧 " * 600).encode())  # a multi-byte character cut at 8 KiB
    blob = tmp_path / "e"
    blob.write_bytes(bytes(range(256)) * 4)
    assert sniff(webp) == ("image", "image/webp")
    assert sniff(wav) == ("audio", "audio/wav")
    assert sniff(archive) == ("file", "application/zip")
    assert sniff(text) == ("file", "text/plain")
    assert sniff(blob) == ("file", "application/octet-stream")


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"fLaC\x00\x00\x00\x22", ("audio", "audio/flac")),
        (b"OggS\x00\x02" + b"\x00" * 22 + b"OpusHead", ("audio", "audio/ogg")),
        (b"OggS\x00\x02" + b"\x00" * 22 + b"\x80theora", ("video", "video/ogg")),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", ("video", "video/quicktime")),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic", ("image", "image/heic")),
        (b"\x00\x00\x00\x14ftypavif\x00\x00\x00\x00mif1", ("image", "image/avif")),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", ("video", "video/webm")),
    ],
)
def test_sniff_magic_numbers(head: bytes, expected: tuple[str, str]) -> None:
    assert sniff_bytes(head, whole=False)[:2] == expected


@given(st.binary(max_size=512))
def test_sniff_bytes_never_fails(head: bytes) -> None:
    verdict = sniff_bytes(head, whole=True)
    assert verdict.kind in KINDS
    assert "/" in verdict.mime


# --- images ---------------------------------------------------------------------------------------


def test_exif_orientation_gives_portrait_size_and_an_upright_thumbnail(tmp_path: Path) -> None:
    preview = probe(sample(PORTRAIT), thumbnail_dir=tmp_path)  # stored 427x284 sideways, Orientation 6
    assert (preview.info.width, preview.info.height) == (284, 427)
    assert preview.info.rotation == 270
    assert preview.thumbnail is not None
    thumbnail = opened(preview.thumbnail)
    assert thumbnail.size == (284, 427)
    assert_rocket_upright(thumbnail)  # the rocket's nose at the top, as a person holding the phone saw it


def test_12mp_jpeg_probe(photo_12mp: Path, tmp_path: Path) -> None:
    preview = probe(photo_12mp, thumbnail_dir=tmp_path)
    info = preview.info
    assert (info.kind, info.mime, info.width, info.height) == ("image", "image/jpeg", 4000, 3000)
    assert info.size == photo_12mp.stat().st_size
    assert info.duration_ms is None
    assert preview.thumbnail is not None
    thumbnail = opened(preview.thumbnail)
    assert thumbnail.format == "JPEG"
    assert thumbnail.size == (640, 480)


def test_thumbnail_is_named_by_its_content_and_written_atomically(tmp_path: Path) -> None:
    preview = probe(sample("photos/rocket.jpg"), thumbnail_dir=tmp_path)
    assert preview.thumbnail is not None
    data = preview.thumbnail.read_bytes()
    assert preview.thumbnail == tmp_path / f"{hashlib.sha256(data).hexdigest()}.jpg"
    again = probe(sample("photos/rocket.jpg"), thumbnail_dir=tmp_path)
    assert again.thumbnail == preview.thumbnail
    assert sorted(tmp_path.iterdir()) == [preview.thumbnail]  # no temp files left behind


def test_no_thumbnail_without_a_directory() -> None:
    preview = probe(sample("photos/coffee.png"))
    assert preview.thumbnail is None
    assert preview.info.blurhash is not None


def test_blurhash_has_4x3_components() -> None:
    info = probe(sample("photos/coffee.png")).info
    assert info.blurhash is not None
    assert blurhash.components(info.blurhash) == (4, 3)


def test_png_with_alpha_gets_a_transparent_webp_thumbnail(alpha_png: Path, tmp_path: Path) -> None:
    preview = probe(alpha_png, thumbnail_dir=tmp_path)
    assert (preview.info.width, preview.info.height) == (200, 100)
    assert preview.thumbnail is not None and preview.thumbnail.suffix == ".webp"
    thumbnail = opened(preview.thumbnail)
    assert thumbnail.mode == "RGBA"
    assert thumbnail.getpixel((190, 50))[3] == 0  # type: ignore[index]


def test_animated_gif_uses_the_first_frame(animated_gif: Path, tmp_path: Path) -> None:
    preview = probe(animated_gif, thumbnail_dir=tmp_path)
    assert (preview.info.kind, preview.info.width, preview.info.height) == ("image", 64, 48)
    assert preview.thumbnail is not None
    red, green, blue = opened(preview.thumbnail).convert("RGB").getpixel((32, 24))  # type: ignore[misc]
    assert red > 200 and green < 60 and blue < 60


def test_heic(heic_photo: Path, tmp_path: Path) -> None:
    preview = probe(heic_photo, thumbnail_dir=tmp_path)
    assert (preview.info.kind, preview.info.mime) == ("image", "image/heic")
    assert (preview.info.width, preview.info.height) == (96, 64)
    assert preview.thumbnail is not None and opened(preview.thumbnail).size == (96, 64)


def test_pixel_limit_is_a_parameter() -> None:
    with pytest.raises(MediaTooLarge, match="too large to preview"):
        probe(sample("photos/rocket.jpg"), max_pixels=640 * 427 - 1)


# --- video and audio ------------------------------------------------------------------------------


def test_sample_video(tmp_path: Path) -> None:
    preview = probe(sample("video/hubble_pan.mp4"), thumbnail_dir=tmp_path)
    info = preview.info
    assert (info.kind, info.mime, info.width, info.height, info.rotation) == ("video", "video/mp4", 1280, 720, 0)
    assert info.duration_ms == pytest.approx(5000, abs=50)
    assert info.blurhash is not None
    assert preview.thumbnail is not None and opened(preview.thumbnail).size == (640, 360)


def test_poster_comes_from_after_a_black_first_frame(black_start_clip: Path, tmp_path: Path) -> None:
    preview = probe(black_start_clip, thumbnail_dir=tmp_path)
    assert (preview.info.width, preview.info.height) == (320, 240)
    assert preview.info.duration_ms == pytest.approx(64 * 40, abs=40)
    assert preview.thumbnail is not None
    assert brightness(opened(preview.thumbnail)) > 150


def test_rotated_video_reports_displayed_size_and_turns_its_poster(rotated_clip: Path, tmp_path: Path) -> None:
    preview = probe(rotated_clip, thumbnail_dir=tmp_path)
    assert (preview.info.width, preview.info.height, preview.info.rotation) == (720, 1280, 90)
    assert preview.thumbnail is not None
    poster = opened(preview.thumbnail).convert("RGB")
    assert poster.size == (360, 640)
    # Turned a quarter counter-clockwise, the stored top-left corner (red) ends up bottom-left.
    red, green, blue = poster.getpixel((10, 630))  # type: ignore[misc]
    assert red > 200 and green < 80 and blue < 80


def test_audio(audio_only_mp4: Path, tmp_path: Path) -> None:
    voice = probe(sample("audio/voice_note.m4a"), thumbnail_dir=tmp_path)
    assert (voice.info.kind, voice.info.mime, voice.thumbnail) == ("audio", "audio/mp4", None)
    assert voice.info.duration_ms == pytest.approx(5300, abs=100)
    assert voice.info.width is None and voice.info.blurhash is None
    generated = probe(audio_only_mp4).info
    assert generated.kind == "audio"
    assert generated.duration_ms == pytest.approx(20 * 1024 * 1000 / 22050, abs=60)


def test_video_pixel_limit(black_start_clip: Path) -> None:
    with pytest.raises(MediaTooLarge, match="too large"):
        probe(black_start_clip, max_pixels=320 * 240 - 1)


def test_a_pdf_is_just_a_file(tmp_path: Path) -> None:
    preview = probe(sample("files/chelsea.pdf"), thumbnail_dir=tmp_path)
    assert preview.info.kind == "file" and preview.info.mime == "application/pdf"
    assert preview.info.size == sample("files/chelsea.pdf").stat().st_size
    assert (preview.info.width, preview.info.height, preview.info.blurhash, preview.thumbnail) == (
        None, None, None, None,
    )


# --- hostile input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "error", "sniffed"),
    [
        ("truncated.jpg", CorruptMedia, ("image", "image/jpeg")),
        ("bomb.png", MediaTooLarge, ("image", "image/png")),
        ("over_limit.png", MediaTooLarge, ("image", "image/png")),
        ("empty.jpg", CorruptMedia, ("file", "application/octet-stream")),
        ("header_then_noise.mp4", CorruptMedia, ("video", "video/mp4")),
        ("garbage_frames.mp4", CorruptMedia, ("video", "video/mp4")),
    ],
)
def test_hostile_files_give_a_media_error(
    hostile: dict[str, Path], name: str, error: type[MediaError], sniffed: tuple[str, str]
) -> None:
    with pytest.raises(error) as raised:  # a hang would be a ProbeTimeout, not this error
        probe(hostile[name], timeout=10)
    message = str(raised.value)
    assert message.endswith(".") and "sent as a file" in message  # a sentence a person can act on
    assert sniff(hostile[name]) == sniffed  # so it can still go out as a plain file


def test_too_large_messages_name_the_size(hostile: dict[str, Path]) -> None:
    with pytest.raises(MediaTooLarge) as raised:
        probe(hostile["bomb.png"])
    assert str(raised.value) == "This image is too large to preview (3.6 gigapixels); it can still be sent as a file."
    with pytest.raises(MediaTooLarge, match=r"\(120 megapixels\)"):
        probe(hostile["over_limit.png"])


def test_random_bytes_named_mp4_are_a_plain_file(hostile: dict[str, Path]) -> None:
    info = probe(hostile["noise.mp4"]).info
    assert (info.kind, info.mime, info.width) == ("file", "application/octet-stream", None)


def test_pdf_named_jpg_is_a_file_not_an_error(hostile: dict[str, Path]) -> None:
    info = probe(hostile["really_a_pdf.jpg"]).info
    assert (info.kind, info.mime) == ("file", "application/pdf")


def test_a_stuck_decoder_is_stopped_at_the_deadline() -> None:
    run_isolated(5, abs, -1)  # leaves a warm worker in the pool
    workers_before = len(psutil.Process().children())
    with pytest.raises(ProbeTimeout, match=r"longer than 0\.5 seconds"):  # not after the hour it asks for
        run_isolated(0.5, time.sleep, 3600)
    assert len(psutil.Process().children()) == workers_before - 1  # killed, not left running


def test_probe_timeout_is_real() -> None:
    with pytest.raises(ProbeTimeout):
        probe(sample("video/hubble_pan.mp4"), timeout=0.001)
    assert probe(sample("video/hubble_pan.mp4")).info.kind == "video"  # a fresh worker takes over


def test_a_crashing_decoder_is_a_media_error() -> None:
    with pytest.raises(CorruptMedia, match="stopped unexpectedly"):
        run_isolated(5, os._exit, 3)


def test_worker_bugs_are_not_disguised_as_bad_media() -> None:
    with pytest.raises(ValueError, match="invalid literal"):
        run_isolated(5, int, "not a number")
    assert run_isolated(5, pow, 2, 10) == 1024


def test_probes_from_several_threads_at_once() -> None:
    photos = samples_of("photos")
    with ThreadPoolExecutor(max_workers=4) as pool:
        infos = list(pool.map(lambda path: probe(path).info, photos))
    assert [info.kind for info in infos] == ["image"] * len(photos)
    assert [info.width for info in infos] == [probe(path).info.width for path in photos]


def test_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        probe(tmp_path / "gone.jpg")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="Not a regular file"):
        probe(fifo)
    with pytest.raises(OSError, match="Not a regular file"):
        sniff(fifo)


# --- compress for send ----------------------------------------------------------------------------


def test_compress_drops_gps_and_all_exif(tmp_path: Path) -> None:
    out = compress_for_send(sample("photos/coffee_with_gps.jpg"), tmp_path)
    with Image.open(out) as im:
        exif = im.getexif()
        assert im.format == "JPEG" and im.size == (600, 400)
        assert not exif.get_ifd(GPS_IFD)
        assert ORIENTATION not in exif
        assert len(exif) == 0
        assert "xmp" not in im.info
    assert out.name == f"{hashlib.sha256(out.read_bytes()).hexdigest()}.jpg"
    assert no_temp_files(tmp_path)


def test_compress_keeps_the_icc_profile(icc_gps_jpeg: Path, tmp_path: Path) -> None:
    out = compress_for_send(icc_gps_jpeg, tmp_path)
    with Image.open(out) as im:
        assert im.info.get("icc_profile") == SRGB_ICC
        assert not im.getexif().get_ifd(GPS_IFD)


def test_compress_applies_the_orientation(tmp_path: Path) -> None:
    out = compress_for_send(sample(PORTRAIT), tmp_path)
    compressed = opened(out)
    assert compressed.size == (284, 427)
    assert ORIENTATION not in compressed.getexif()
    assert_rocket_upright(compressed)
    with Image.open(sample(PORTRAIT)) as source:
        upright = source.transpose(Image.Transpose.ROTATE_270)  # what Orientation 6 asks for
    assert brightness(ImageChops.difference(compressed.convert("RGB"), upright.convert("RGB"))) < 8


def test_compress_scales_a_12mp_photo_to_2560(photo_12mp: Path, tmp_path: Path) -> None:
    out = compress_for_send(photo_12mp, tmp_path)
    assert opened(out).size == (2560, 1920)
    assert out.stat().st_size < photo_12mp.stat().st_size


def test_compress_keeps_a_small_clean_photo_as_is(tmp_path: Path) -> None:
    source = sample("photos/coffee.png")
    out = compress_for_send(source, tmp_path)
    assert out.read_bytes() == source.read_bytes()
    assert out.suffix == ".png"


def test_compress_keeps_transparency_as_png(tmp_path: Path) -> None:
    wide = tmp_path / "wide.png"
    picture = Image.new("RGBA", (3000, 60), (10, 200, 10, 255))
    picture.paste((0, 0, 0, 0), (0, 0, 1500, 60))
    picture.save(wide)
    out = compress_for_send(wide, tmp_path / "out")
    compressed = opened(out)
    assert (compressed.format, compressed.mode, compressed.size) == ("PNG", "RGBA", (2560, 51))


def test_compress_turns_heic_into_jpeg(heic_photo: Path, tmp_path: Path) -> None:
    out = compress_for_send(heic_photo, tmp_path)
    assert out.suffix == ".jpg"
    assert opened(out).size == (96, 64)


def test_compress_leaves_an_animation_alone(animated_gif: Path, tmp_path: Path) -> None:
    out = compress_for_send(animated_gif, tmp_path)
    assert out.read_bytes() == animated_gif.read_bytes()


def test_compress_refuses_what_is_not_a_photo(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedMedia, match="Only photos"):
        compress_for_send(sample("files/chelsea.pdf"), tmp_path)


def test_compress_refuses_a_bomb(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_declaring(30_000, 30_000))
    with pytest.raises(MediaTooLarge):
        compress_for_send(bomb, tmp_path / "out")


def test_thumbnail_red_marker_survives_heic_round_trip(heic_photo: Path, tmp_path: Path) -> None:
    preview = probe(heic_photo, thumbnail_dir=tmp_path)
    assert preview.thumbnail is not None
    red, green, blue = opened(preview.thumbnail).convert("RGB").getpixel((3, 3))  # type: ignore[misc]
    assert red > 180 and green < 90 and blue < 90  # the marker stays top-left


def test_blurhash_of_a_flat_colour_is_that_colour(tmp_path: Path) -> None:
    flat = tmp_path / "flat.png"
    Image.new("RGB", (50, 40), (200, 40, 40)).save(flat)
    info = probe(flat).info
    assert info.blurhash is not None
    pixels = [pixel for row in blurhash.decode(info.blurhash, 16, 16) for pixel in row]
    average = [sum(pixel[c] for pixel in pixels) / len(pixels) for c in range(3)]
    assert average == pytest.approx([200, 40, 40], abs=6)


def test_crafted_png_header_is_a_valid_png() -> None:
    assert len(png_declaring(60_000, 60_000)) < 200
    with Image.open(io.BytesIO(png_declaring(10, 10))) as im:
        assert im.size == (10, 10)
