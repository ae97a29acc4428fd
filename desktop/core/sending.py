"""Turning a file the user sends into an Attachment: compress photos, probe, thumbnail, into the cache."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from desktop.core.cache import MediaCache
from desktop.core.db.records import Attachment
from sync.media.pipeline import MediaError, compress_for_send, probe, sniff

log = logging.getLogger(__name__)

_JPEG_NAMES = (".jpg", ".jpeg")
COMPRESSED_MAX_EDGE = 2560
"""The long edge of a compressed photo is at most this many pixels."""


def attachment_name(path: Path, mime: str) -> str:
    """The name the recipient sees: the file's own, with a .jpg ending when a photo became JPEG."""
    name = path.name or "file"
    if mime == "image/jpeg" and not name.lower().endswith(_JPEG_NAMES):
        name = f"{Path(name).stem or 'photo'}.jpg"
    return name


def prepare(cache: MediaCache, path: Path, *, as_file: bool = False, compress: bool = True,
            display_name: str | None = None) -> Attachment:
    """Copy ``path`` into the cache and describe it for a message.

    Photos are compressed (≤ 2560 px, location and other EXIF dropped) unless ``as_file`` or
    not ``compress``. Media that can't be decoded goes as a plain file, never refused. Raises
    OSError when the file can't be read at all.
    """
    name_source = Path(display_name) if display_name else path
    kind, mime = sniff(path)
    with tempfile.TemporaryDirectory(dir=cache.store.tmp_dir, prefix="send-") as tmp:
        work = Path(tmp)
        source, move = path, False
        if kind == "image" and compress and not as_file:
            try:
                compressed = compress_for_send(path, work, max_edge=COMPRESSED_MAX_EDGE)
                if compressed != path:
                    source, move = compressed, True
                    kind, mime = sniff(compressed)
            except MediaError as exc:
                log.info("sending %s uncompressed: %s", path.name, exc)
        preview = None
        if kind != "file":
            try:
                preview = probe(source, thumbnail_dir=work)
            except MediaError as exc:
                log.info("sending %s as a plain file: %s", path.name, exc)
                kind = "file"
        blob = cache.add_file(source, move=move)
        thumbnail = cache.add_thumbnail(preview.thumbnail, move=True) if preview and preview.thumbnail else None
        info = preview.info if preview else None
        return Attachment(
            blob=blob.sha256,
            size=blob.size,
            mime=info.mime if info else mime,
            name=attachment_name(name_source, info.mime if info else mime),
            kind=info.kind if info else kind,
            width=info.width if info else None,
            height=info.height if info else None,
            duration_ms=info.duration_ms if info else None,
            thumbnail=thumbnail.sha256 if thumbnail else None,
            blurhash=info.blurhash if info else None,
            send_as_file=as_file,
        )


def is_original(a: Attachment) -> bool:
    """Whether a photo is the sender's own file at full resolution, to be marked "Original".

    The flag travels as the API's ``original`` (``send_as_file`` here). A photo from a client that
    predates it counts when it is larger than a compressed one can be (over COMPRESSED_MAX_EDGE pixels).
    """
    if a.kind != "image":
        return False
    return a.send_as_file or max(a.width or 0, a.height or 0) > COMPRESSED_MAX_EDGE
