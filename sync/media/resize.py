"""Downscaling a big picture on every core: the pixels of one ``Image.resize``, in horizontal bands.

Pillow's resampling runs on one core but lets go of the GIL while it works, and ``resize`` accepts a
source ``box`` whose filter taps reach past the box into the rest of the picture. So the output's rows can
be cut into bands, each band resized from its own slice of the source on a thread of its own, and pasted
together: every output pixel gets the same filter and the same taps as in one ``resize`` call. A band's
fixed-point coefficients can round differently in the last bit, so a pixel may land a level or two (of 255)
away from the one-call result; most land exactly on it. A 12 MP photo to 2560 px takes about half the time
on two cores.
"""

from __future__ import annotations

import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from PIL import Image

MIN_BAND_ROWS = 256  # below this a band's thread costs more than it saves
MAX_THREADS = 4

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _threads() -> int:
    return max(1, min(MAX_THREADS, os.cpu_count() or 1))


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(_threads(), thread_name_prefix="resize")
        return _pool


def resize_in_bands(
    picture: Image.Image,
    size: tuple[int, int],
    resample: Image.Resampling = Image.Resampling.LANCZOS,
    reducing_gap: float = 3.0,
) -> Image.Image:
    """``picture.resize(size, resample, reducing_gap=reducing_gap)`` on every core (within a level or two)."""
    width, height = picture.size
    # What resize(reducing_gap=...) does first: an integer box reduction of the whole picture.
    factor_x = int(width / size[0] / reducing_gap) or 1
    factor_y = int(height / size[1] / reducing_gap) or 1
    if factor_x > 1 or factor_y > 1:
        picture = picture.reduce((factor_x, factor_y))
    source_w, source_h = width / factor_x, height / factor_y
    bands = min(_threads(), max(1, size[1] // MIN_BAND_ROWS))
    if bands == 1:
        return picture.resize(size, resample, box=(0, 0, source_w, source_h))
    step = source_h / size[1]  # source rows per output row
    edges = [size[1] * i // bands for i in range(bands + 1)]
    jobs = [
        _executor().submit(picture.resize, (size[0], bottom - top), resample, (0, top * step, source_w, bottom * step))
        for top, bottom in itertools.pairwise(edges)
    ]
    out = Image.new(picture.mode, size)
    for top, job in zip(edges, jobs, strict=False):
        out.paste(job.result(), (0, top))
    return out
