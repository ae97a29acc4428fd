"""compress-photo: ``compress_for_send`` of a 12 MP JPEG to 2560 px, beside ``vipsthumbnail -s 2560``.

Envelope: the app's own call (warm media worker, as in the app after its first photo), which decodes,
resizes (LANCZOS, in bands on every core), encodes JPEG q85 and files the result by its sha256 (fsync
included). Reference: ``vipsthumbnail -s 2560 -o out.jpg[Q=85]`` as a whole process, start-up included.
Runs alternate, medians are compared. Quality: mean SSIM (luma, 8 px windows) of Envelope's output against
the output before issue 15 (one-call LANCZOS resize, ``optimize=True``) — it must stay ≥ 0.995.
Quick: 7 runs each; --full: 21.
"""

from __future__ import annotations

import array
import io
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageMath

from benchmarks.bench_media import make_photo
from benchmarks.suite.result import Result, row_main
from sync.media import worker as media_worker
from sync.media.pipeline import compress_for_send

ID = "compress-photo"
TARGET = "≤ 0.6 × vips"
EDGE = 2560
QUALITY = 85
MIN_SSIM = 0.995


def ssim(a: Image.Image, b: Image.Image, window: int = 8) -> float:
    """Mean SSIM of the luma over window x window blocks (means and variances by BOX reduction)."""
    x, y = (im.convert("L").convert("F") for im in (a, b))
    size = (x.width // window, x.height // window)

    def means(im: Image.Image) -> array.array[float]:
        return array.array("f", im.resize(size, Image.Resampling.BOX).tobytes())

    def product(p: Image.Image, q: Image.Image) -> Image.Image:
        result = ImageMath.lambda_eval(lambda v: v["p"] * v["q"], p=p, q=q)
        assert isinstance(result, Image.Image)
        return result

    mx, my = means(x), means(y)
    xx, yy, xy = means(product(x, x)), means(product(y, y)), means(product(x, y))
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    total = 0.0
    for i in range(len(mx)):
        ux, uy = mx[i], my[i]
        total += ((2 * ux * uy + c1) * (2 * (xy[i] - ux * uy) + c2)) / (
            (ux * ux + uy * uy + c1) * (xx[i] - ux * ux + yy[i] - uy * uy + c2))
    return total / len(mx)


def before_issue_15(photo: Path) -> Image.Image:
    """What compress_for_send made before: one LANCZOS resize, optimize=True (same decode, same size)."""
    with Image.open(photo) as im:
        im.load()
        small = im.convert("RGB").resize((EDGE, EDGE * im.height // im.width), Image.Resampling.LANCZOS,
                                         reducing_gap=3.0)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=QUALITY, optimize=True)
    return Image.open(io.BytesIO(out.getvalue()))


def seconds(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(full: bool) -> Result:
    runs = 21 if full else 7
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        photo = make_photo(folder / "photo_12mp.jpg")
        sends, vips_out = folder / "sends", folder / f"vips.jpg[Q={QUALITY}]"
        vips = ["vipsthumbnail", "-s", str(EDGE), "-o", str(vips_out), str(photo)]
        ours = compress_for_send(photo, sends)  # starts the worker; not timed
        subprocess.run(vips, check=True)
        envelope_s, vips_s = [], []
        for _ in range(runs):
            envelope_s.append(seconds(lambda: compress_for_send(photo, sends)))
            vips_s.append(seconds(lambda: subprocess.run(vips, check=True)))
        with Image.open(ours) as now:
            quality = ssim(now, before_issue_15(photo))
        media_worker.shutdown()
    env_ms, ref_ms = statistics.median(envelope_s) * 1000, statistics.median(vips_s) * 1000
    ratio = env_ms / ref_ms
    return Result(
        id=ID, envelope=f"{env_ms:.0f} ms", reference=f"{ref_ms:.0f} ms (vipsthumbnail)", ratio=ratio,
        target=TARGET, met=ratio <= 0.6 and quality >= MIN_SSIM,
        detail=(f"12 MP JPEG → {EDGE} px q{QUALITY}, median of {runs}; SSIM against the output before "
                f"issue 15 {quality:.4f} (must stay ≥ {MIN_SSIM})"),
        extra={"envelope_ms": round(env_ms, 1), "vips_ms": round(ref_ms, 1), "ssim": round(quality, 5),
               "runs": runs},
    )


if __name__ == "__main__":
    row_main(measure)
