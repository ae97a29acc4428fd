"""What the spec says of the tus routes beyond their shape: the headers they read and answer with."""

from __future__ import annotations

from typing import Any

from sync.server.numbers import MAX_INTEGER, count_schema

DIGITS = count_schema(maximum=MAX_INTEGER)  # read by parse_count: its ASCII digits, at most 2**63 - 1
# What parse_checksum takes: sha256 (any case), then maybe spaces and base64 with its padding (b64decode,
# validate=True; nothing decodes to an empty digest, which then does not match: 460).
CHECKSUM = {"type": "string",
            "pattern": "^[Ss][Hh][Aa]256( +([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)?$"}


def _param(name: str, text: str, schema: dict[str, Any] | None = None, *, required: bool = True) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": required, "description": text,
            "schema": schema or {"type": "string"}}


def _headers(**texts: str) -> dict[str, Any]:
    return {name.replace("_", "-"): {"description": text, "schema": {"type": "string"}} for name, text in texts.items()}


RESUMABLE = _param("Tus-Resumable", "The tus version the client speaks: 1.0.0 (else 412).",
                   {"type": "string", "enum": ["1.0.0"]})
_ANSWERS_TUS = {"Tus_Resumable": "1.0.0"}

OPTIONS: dict[str, Any] = {
    "description": "What this tus server offers; needs no token.",
    "responses": {"204": {"description": "The server's tus capabilities.", "headers": _headers(
        **_ANSWERS_TUS, Tus_Version="1.0.0", Tus_Extension="creation,termination,expiration,checksum",
        Tus_Max_Size="The largest upload, in bytes.", Tus_Checksum_Algorithm="sha256")}},
}
CREATE: dict[str, Any] = {
    "description": "Start an upload (tus creation). Upload-Metadata must carry sha256; may carry filename, mime.",
    "parameters": [
        RESUMABLE,
        _param("Upload-Length", "The whole file's size in bytes (ASCII digits).", DIGITS),
        _param("Upload-Metadata", "Comma-separated `key base64(value)` pairs: sha256 (required), filename, mime."),
    ],
    "responses": {"201": {"description": "Created: PATCH the bytes to Location.", "headers": _headers(
        **_ANSWERS_TUS, Location="The upload's absolute URL.", Upload_Expires="When it expires (HTTP date).")}},
}
HEAD: dict[str, Any] = {
    "description": "How many bytes of the upload arrived (resume from Upload-Offset).",
    "parameters": [RESUMABLE],
    "responses": {"200": {"description": "The upload's offset.", "headers": _headers(
        **_ANSWERS_TUS, Upload_Offset="Bytes received.", Upload_Length="The whole file's size.",
        Upload_Expires="When it expires (HTTP date).", Cache_Control="no-store")}},
}
PATCH: dict[str, Any] = {
    "description": "Append bytes at Upload-Offset; the last byte files the blob (checked against its sha256).",
    "parameters": [
        RESUMABLE,
        _param("Upload-Offset", "The server's current offset (ask with HEAD).", DIGITS),
        _param("Upload-Checksum", "`sha256 <base64>` of this body (else 400); a body that does not match is 460.",
               CHECKSUM, required=False),
    ],
    "requestBody": {"required": True, "content": {
        "application/offset+octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
    "responses": {"204": {"description": "The bytes were stored.", "headers": _headers(
        **_ANSWERS_TUS, Upload_Offset="The new offset.", Upload_Expires="When it expires (HTTP date).")}},
}
TERMINATE: dict[str, Any] = {
    "description": "Abandon the upload (tus termination); its bytes are removed.",
    "parameters": [RESUMABLE],
    "responses": {"204": {"description": "Removed.", "headers": _headers(**_ANSWERS_TUS)}},
}
