"""Which served types a browser may show in place: passive media only; anything that can run is an attachment."""

from __future__ import annotations

import pytest

from sync.server.mime import is_inline


@pytest.mark.parametrize("mime", ["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif", "image/heic",
                                  "video/mp4", "video/webm", "audio/mpeg", "audio/ogg", "IMAGE/PNG"])
def test_passive_media_is_inline(mime: str) -> None:
    assert is_inline(mime)


@pytest.mark.parametrize("mime", [
    "image/svg+xml", "image/SVG+XML", "image/svg+xml; charset=utf-8", "text/html", "application/xhtml+xml",
    "text/xml", "application/xml", "image/x-foo+xml", "video/x-foo+xml", "audio/x-foo+xml", "text/javascript",
    "application/javascript", "application/ecmascript", "image/x-icon-html", "application/pdf", "text/plain",
    "application/octet-stream", "", "image", "image/", "multipart/x-mixed-replace", "video/html",
])
def test_active_or_unknown_content_is_an_attachment(mime: str) -> None:
    assert not is_inline(mime)
