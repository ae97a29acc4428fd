"""Video and audio read with PyAV: duration, displayed size, rotation and a poster frame."""

from __future__ import annotations

import contextlib
from fractions import Fraction
from pathlib import Path

import av
from av.container import InputContainer
from av.stream import Stream
from av.video.frame import VideoFrame
from av.video.stream import VideoStream
from PIL import Image

from sync.media.image import THUMBNAIL_EDGE, blurhash_of, encode_thumbnail, fit
from sync.media.sniff import is_cover_art, open_container
from sync.media.types import (
    CorruptMedia,
    EncodedImage,
    MediaInfo,
    MediaTooLarge,
    UnsupportedMedia,
    decoding,
    pixels_phrase,
)

POSTER_AT = Fraction(1, 10)  # of the duration: past fade-ins and black first frames
MAX_POSTER_FRAMES = 300  # frames decoded after the seek before settling for the latest one
MAX_DURATION_PACKETS = 200_000  # packets read to measure a stream whose headers give no duration

_ROTATE = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_270}


def probe_video(
    path: Path, mime: str, *, size: int, max_pixels: int, want_thumbnail: bool
) -> tuple[MediaInfo, EncodedImage | None]:
    """Read a video's duration, displayed size and rotation, and a poster from ~10% in.

    Raises:
        MediaTooLarge: the frames are over `max_pixels`.
        UnsupportedMedia: no decoder for the video codec.
        CorruptMedia: the container or the frames can't be read.
    """
    with decoding("video"), open_container(path, mime) as container:
        stream = next((s for s in container.streams.video if not is_cover_art(s)), None)
        if stream is None:
            raise CorruptMedia("This video has no picture to show; it can still be sent as a file.")
        _require_decoder(stream)
        width, height = stream.codec_context.width, stream.codec_context.height
        if width <= 0 or height <= 0:
            raise CorruptMedia("This video's picture size is missing; it can still be sent as a file.")
        if width * height > max_pixels:
            raise MediaTooLarge(f"This video's frames are too large to preview ({pixels_phrase(width * height)}); "
                                "it can still be sent as a file.")
        aspect = stream.sample_aspect_ratio
        if aspect and aspect > 0 and aspect != 1:
            width = max(1, round(width * aspect))  # anamorphic: show with square pixels
        duration = _duration(container, stream)
        frame = _poster_frame(container, stream, duration)
        rotation = round(frame.rotation / 90) % 4 * 90
        # Scale while converting (swscale, area averaging): no full-size RGB copy of a 4K frame.
        thumb_width, thumb_height = fit((width, height), THUMBNAIL_EDGE)
        poster: Image.Image = frame.to_image(  # type: ignore[no-untyped-call]  # untyped in PyAV's stub
            width=thumb_width, height=thumb_height, interpolation="AREA"
        )
        if rotation:
            poster = poster.transpose(_ROTATE[rotation])
            if rotation != 180:
                width, height = height, width
        info = MediaInfo(
            kind="video", mime=mime, size=size, width=width, height=height,
            duration_ms=_milliseconds(duration), rotation=rotation, blurhash=blurhash_of(poster),
        )
        return info, encode_thumbnail(poster) if want_thumbnail else None


def probe_audio(path: Path, mime: str, *, size: int) -> MediaInfo:
    """Read a sound file's duration, after checking that its first frame decodes.

    Raises:
        UnsupportedMedia: no decoder for the audio codec.
        CorruptMedia: the container or the sound can't be read.
    """
    with decoding("sound file"), open_container(path, mime) as container:
        stream = next(iter(container.streams.audio), None)
        if stream is None:
            raise CorruptMedia("This sound file has no sound in it; it can still be sent as a file.")
        _require_decoder(stream)
        duration = _duration(container, stream)
        if next(container.decode(stream), None) is None:
            raise CorruptMedia("This sound file has no sound in it; it can still be sent as a file.")
        return MediaInfo(kind="audio", mime=mime, size=size, duration_ms=_milliseconds(duration))


def _require_decoder(stream: Stream) -> None:
    """Raise UnsupportedMedia when this FFmpeg build has no decoder for the stream's codec."""
    if getattr(stream, "codec_context", None) is None:
        raise UnsupportedMedia(f"This {stream.type} uses a format that can't be played here; "
                               "it can still be sent as a file.")


def _duration(container: InputContainer, stream: Stream) -> Fraction | None:
    """The stream's duration in seconds: from its header, the container's, or by reading its packets."""
    if stream.duration is not None and stream.time_base is not None and stream.duration > 0:
        return stream.duration * stream.time_base
    if container.duration is not None and container.duration > 0:
        return Fraction(container.duration, av.time_base)
    if stream.time_base is None:
        return None
    ticks = 0
    for count, packet in enumerate(container.demux(stream)):
        if count >= MAX_DURATION_PACKETS:
            break
        ticks += packet.duration or 0
    container.seek(0)
    return ticks * stream.time_base if ticks else None


def _poster_frame(container: InputContainer, stream: VideoStream, duration: Fraction | None) -> VideoFrame:
    """Decode the frame ~10% into the video (the first frame is often black)."""
    stream.codec_context.thread_type = "AUTO"
    start = stream.start_time * stream.time_base if stream.start_time and stream.time_base else 0
    target = start + duration * POSTER_AT if duration else 0
    if target and stream.time_base:
        with contextlib.suppress(av.FFmpegError):  # unseekable: decode from the start instead
            container.seek(int(target / stream.time_base), stream=stream)  # to the keyframe before
    latest: VideoFrame | None = None
    try:
        for count, frame in enumerate(container.decode(stream)):
            latest = frame
            if frame.time is None or frame.time >= target or count >= MAX_POSTER_FRAMES:
                break
    except av.FFmpegError:
        if latest is None:
            raise
    if latest is None:
        raise CorruptMedia("This video has no frames that can be shown; it can still be sent as a file.")
    return latest


def _milliseconds(seconds: Fraction | None) -> int | None:
    return round(seconds * 1000) if seconds is not None else None
