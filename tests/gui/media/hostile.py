"""A hostile sender for GUI tests: bytes and names chosen to hurt the recipient, sent past alice's app.

``send_raw`` uploads bytes with alice's token and posts a message whose attachment says whatever the
test wants (name, type, size, thumbnail), as a modified client could; the server checks only what it
checks. The makers build the hostile files in the test itself.
"""

from __future__ import annotations

import hashlib
import io
import struct
import tempfile
import uuid
import zlib
from pathlib import Path

import pillow_heif
from PIL import Image
from pytestqt.qtbot import QtBot

from sync.client import SyncClient
from sync.protocol import Attachment, MessageCreate
from tests.gui.conftest import Chat

BLURHASH = "L77K-@0hv^XoMvt7o#V@9F-TNesk"


def bomb_png(side: int = 50_000) -> bytes:
    """A PNG whose header says ``side``×``side`` RGB (7.5 GB decoded) with a few rows of zeros: ~1 KB."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = zlib.compress(b"\x00" * (1 + side * 3) * 4, 9)
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def picture(fmt: str, size: tuple[int, int] = (64, 48), colour: str = "red") -> bytes:
    """An ordinary picture in a Pillow format ("JPEG", "PNG", "TIFF", "HEIF"…)."""
    if fmt == "HEIF":
        pillow_heif.register_heif_opener()
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48">'
       b'<rect width="64" height="48" fill="red"/></svg>')


def upload(client: SyncClient, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "blob"
        path.write_bytes(data)
        client.upload(client.create_upload(len(data), sha), path)
    return sha


def send_raw(chat: Chat, qtbot: QtBot, data: bytes, *, name: str, mime: str = "application/octet-stream",
             kind: str = "file", thumbnail: bytes | None = None, width: int | None = None,
             height: int | None = None) -> Attachment:
    """Alice posts ``data`` with exactly this attachment; returns it once bob has filed the message."""
    engine_client = chat.alice.engine.client
    assert engine_client is not None
    client = SyncClient(engine_client.base_url, engine_client.token)
    try:
        attachment = Attachment(
            blob=upload(client, data), size=len(data), mime=mime, name=name, kind=kind,  # type: ignore[arg-type]
            width=width, height=height, blurhash=BLURHASH if kind == "image" else None,
            thumbnail=upload(client, thumbnail) if thumbnail is not None else None)
        client.post_message(chat.cid, MessageCreate(client_id=uuid.uuid4().hex, attachments=[attachment]))
    finally:
        client.close()
    kinds = ("image", "video", "audio", "file")
    qtbot.waitUntil(lambda: any(i.attachment.blob == attachment.blob
                                for i in chat.bob.engine.db.messages.media(chat.cid, kinds)), timeout=20_000)
    return attachment
