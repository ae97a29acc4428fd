"""A longer real video for streaming tests: a pan across a sample photo, H.264 in MP4, made with PyAV."""

from __future__ import annotations

from pathlib import Path

import av
from PIL import Image

from tests.samples import sample

WIDTH, HEIGHT, RATE = 640, 360, 25


def panning_clip(path: Path, *, seconds: int = 20, bit_rate: int = 2_000_000) -> Path:
    """Write ``seconds`` of video at about ``bit_rate`` bits/s to ``path`` (5 MB for 20 s) and return it.

    Key frames every 5 frames keep the rate up on a smooth pan. PyAV writes the index (``moov``) at
    the end, as many phones and cameras do, so a player must read the end before it can start.
    """
    with Image.open(sample("photos/hubble_deep_field.jpg")) as photo:
        source = photo.convert("RGB")
    frames = seconds * RATE
    travel = source.width - WIDTH // 2
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=RATE)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.bit_rate = bit_rate
        stream.gop_size = 5
        stream.options = {"preset": "ultrafast"}
        for i in range(frames):
            x = travel * i // frames
            view = source.crop((x, 200, x + WIDTH // 2, 200 + HEIGHT // 2)).resize((WIDTH, HEIGHT))
            out.mux(stream.encode(av.VideoFrame.from_image(view)))
        out.mux(stream.encode())
    return path
