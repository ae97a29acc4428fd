"""Time the media pipeline on a 12 MP (4000x3000) JPEG: python benchmarks/bench_media.py [--runs N]."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sync.media import worker as media_worker  # noqa: E402
from sync.media.image import compress_image, probe_image  # noqa: E402
from sync.media.pipeline import compress_for_send, probe  # noqa: E402

SAMPLE_VIDEO = ROOT / "desktop" / "ui" / "assets" / "samples" / "video" / "hubble_pan.mp4"


def make_photo(path: Path) -> Path:
    """A 4000x3000 JPEG with detail everywhere (~3.5 MB, like a phone photo)."""
    detail = Image.effect_mandelbrot((4000, 3000), (-2.2, -1.2, 1.0, 1.2), 64)
    shade = Image.linear_gradient("L").resize((4000, 3000))
    Image.merge("RGB", (detail, shade, Image.effect_noise((4000, 3000), 40))).save(path, quality=90)
    return path


def timings_ms(action: Callable[[], object], runs: int) -> list[float]:
    results = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        results.append((time.perf_counter() - started) * 1000)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    rows: list[tuple[str, list[float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        photo = make_photo(folder / "photo_12mp.jpg")
        thumbs, sends = folder / "thumbs", folder / "sends"
        size = photo.stat().st_size

        media_worker.shutdown()
        rows.append(("probe() + thumbnail, first call (starts a worker)",
                     timings_ms(lambda: probe(photo, thumbnail_dir=thumbs), 1)))
        rows.append(("probe() + thumbnail, warm worker",
                     timings_ms(lambda: probe(photo, thumbnail_dir=thumbs), runs)))
        rows.append(("  of which decoding in-process (no worker)",
                     timings_ms(lambda: probe_image(photo, "image/jpeg", size=size, max_pixels=10**8,
                                                    want_thumbnail=True), runs)))
        rows.append(("compress_for_send() to 2560 px, q85",
                     timings_ms(lambda: compress_for_send(photo, sends), runs)))
        rows.append(("  of which encoding in-process (no worker)",
                     timings_ms(lambda: compress_image(photo, "image/jpeg", max_edge=2560, quality=85,
                                                       max_pixels=10**8), runs)))
        rows.append(("probe() + poster, 720p H.264 sample video",
                     timings_ms(lambda: probe(SAMPLE_VIDEO, thumbnail_dir=thumbs), runs)))

    print(f"12 MP JPEG (4000x3000, {size / 1e6:.1f} MB), {runs} runs; times in ms")
    print(f"{'step':<52} {'median':>8} {'min':>8} {'max':>8}")
    for name, values in rows:
        print(f"{name:<52} {statistics.median(values):>8.1f} {min(values):>8.1f} {max(values):>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
