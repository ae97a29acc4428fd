"""Playing a blob while it downloads: ranged fetches into a sparse file, served to the player on loopback.

``Streams.of(engine).open(sha256)`` starts one and gives the URL the player opens. Layout: the
present ranges (``ranges``), the file with holes and its saved map (``sparse``), the meeting point of
readers and the fetcher (``stream``), one ranged GET (``body``), the thread that fetches and files the
blob (``fetcher``), the loopback HTTP server (``endpoint``) and the registry (``streams``).
"""

from desktop.core.streaming.stream import Stream, StreamEnded
from desktop.core.streaming.streams import StreamHandle, Streams

__all__ = ["Stream", "StreamEnded", "StreamHandle", "Streams"]
