"""`python -m sync probe`: one JSON line per file, errors as sentences, exit 2 for unusable arguments."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from sync.media.probe import file_sha256, main
from tests.samples import PORTRAIT, sample

MEDIA_KEYS = ["path", "sha256", "kind", "mime", "size", "width", "height", "duration_ms", "blurhash", "thumbnail"]
ERROR_KEYS = ["path", "sha256", "kind", "mime", "size", "error"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, Any]], str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, [json.loads(line) for line in captured.out.splitlines()], captured.err


def test_describes_each_file_on_its_own_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    photo = sample(PORTRAIT)
    video = sample("video/hubble_pan.mp4")
    pdf = sample("files/chelsea.pdf")
    status, lines, _ = run(capsys, str(photo), str(video), str(pdf), "--thumbnail-dir", str(tmp_path / "th"))
    assert status == 0
    assert [list(line) for line in lines] == [MEDIA_KEYS] * 3
    first, second, third = lines
    assert first["path"] == str(photo)
    assert first["sha256"] == hashlib.sha256(photo.read_bytes()).hexdigest()
    assert (first["kind"], first["mime"], first["width"], first["height"]) == ("image", "image/jpeg", 284, 427)
    assert first["size"] == photo.stat().st_size
    assert Path(first["thumbnail"]).parent == tmp_path / "th" and Path(first["thumbnail"]).is_file()
    assert (second["kind"], second["width"], second["height"]) == ("video", 1280, 720)
    assert second["duration_ms"] == pytest.approx(5000, abs=50)
    assert (third["kind"], third["mime"], third["thumbnail"], third["blurhash"]) == (
        "file", "application/pdf", None, None,
    )


def test_no_thumbnail_without_a_directory(capsys: pytest.CaptureFixture[str]) -> None:
    status, [line], _ = run(capsys, str(sample("photos/coffee.png")))
    assert status == 0
    assert line["thumbnail"] is None and line["blurhash"]


def test_bad_files_get_an_error_sentence_and_still_exit_0(
    capsys: pytest.CaptureFixture[str], hostile: dict[str, Path], tmp_path: Path
) -> None:
    missing = tmp_path / "missing.jpg"
    status, lines, _ = run(capsys, str(hostile["bomb.png"]), str(hostile["truncated.jpg"]), str(missing),
                           str(tmp_path))
    assert status == 0
    bomb, truncated, gone, folder = lines
    assert list(bomb) == ERROR_KEYS
    assert (bomb["kind"], bomb["mime"]) == ("image", "image/png")
    assert bomb["sha256"] == hashlib.sha256(hostile["bomb.png"].read_bytes()).hexdigest()
    assert bomb["error"] == "This image is too large to preview (3.6 gigapixels); it can still be sent as a file."
    assert truncated["kind"] == "image" and "could not be read" in truncated["error"]
    assert gone == {"path": str(missing), "sha256": None, "kind": None, "mime": None, "size": None,
                    "error": "There is no file at this path."}
    assert folder["error"] == "This is a folder, not a file."


def test_empty_file(capsys: pytest.CaptureFixture[str], hostile: dict[str, Path]) -> None:
    _, [line], _ = run(capsys, str(hostile["empty.jpg"]))
    assert line["size"] == 0
    assert line["sha256"] == hashlib.sha256(b"").hexdigest()
    assert (line["kind"], line["mime"]) == ("file", "application/octet-stream")
    assert "empty" in line["error"]


@pytest.mark.parametrize("argv", [[], ["--thumbnail-dir", "x"], ["--frobnicate", "a.jpg"]])
def test_unusable_arguments_exit_2_with_usage(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    status, lines, err = run(capsys, *argv)
    assert status == 2
    assert lines == []
    assert err.startswith("usage: python -m sync probe")


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "--thumbnail-dir" in capsys.readouterr().out


def test_unwritable_thumbnail_dir_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    status, _, err = run(capsys, "a.jpg", "--thumbnail-dir", str(blocker / "sub"))
    assert status == 2
    assert "cannot use --thumbnail-dir" in err


def test_sha256_streams_large_files(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    data = bytes(range(256)) * (5 * 4096 + 7)  # a little over 5 MiB: several chunks and a tail
    big.write_bytes(data)
    assert file_sha256(big) == (hashlib.sha256(data).hexdigest(), len(data))
