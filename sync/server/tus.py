"""The tus 1.0.0 wire details: versions and extensions, headers, Upload-Metadata and Upload-Checksum."""

from __future__ import annotations

import base64
from email.utils import formatdate

from fastapi import Request

from sync.server.errors import APIError, PreconditionFailed

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,expiration,checksum"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"


def tus_headers(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"Tus-Resumable": TUS_VERSION, **(extra or {})}


def require_tus(request: Request) -> None:
    if request.headers.get("tus-resumable") != TUS_VERSION:
        raise PreconditionFailed(
            "This server speaks tus 1.0.0: send the header Tus-Resumable: 1.0.0.",
            headers={"Tus-Version": TUS_VERSION},
        )


def parse_metadata(header: str) -> dict[str, str]:
    """Decode ``Upload-Metadata`` (``key base64value`` pairs, comma-separated); raises APIError."""
    result: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in header.split(","))):
        key, _, value = pair.partition(" ")
        if not key or key in result:
            raise APIError("Upload-Metadata has an empty or repeated key.")
        try:
            result[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8") if value else ""
        except ValueError:  # binascii.Error, UnicodeDecodeError, or a str that is not ASCII (a bare ValueError)
            raise APIError(f"Upload-Metadata value of {key!r} is not base64 of UTF-8 text.") from None
    return result


def parse_checksum(request: Request) -> bytes | None:
    """The sha256 promised for a PATCH body (``Upload-Checksum: sha256 <base64>``), if any; raises APIError."""
    header = request.headers.get("upload-checksum")
    if header is None:
        return None
    algorithm, _, value = header.strip().partition(" ")
    if algorithm.lower() != "sha256":
        raise APIError(f"Unsupported checksum algorithm {algorithm!r}; use sha256.", headers=tus_headers())
    try:
        return base64.b64decode(value.strip(), validate=True)
    except ValueError:  # binascii.Error, or a str that is not ASCII (b64decode raises a bare ValueError)
        raise APIError("Upload-Checksum is not base64.", headers=tus_headers()) from None


def http_date(epoch: float) -> str:
    return formatdate(epoch, usegmt=True)
