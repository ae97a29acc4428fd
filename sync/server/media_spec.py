"""What the spec says of media downloads beyond their shape: the headers, the partial and unchanged answers."""

from __future__ import annotations

from typing import Any

from sync.server.numbers import MAX_INTEGER, count_schema


def _header(text: str) -> dict[str, Any]:
    return {"description": text, "schema": {"type": "string"}}


_BYTES = {"*/*": {"schema": {"type": "string", "format": "binary"}}}
_ALWAYS = {
    "ETag": _header('"<sha256>": the bytes under a name never change.'),
    "Cache-Control": _header("private, max-age=31536000, immutable"),
    "Accept-Ranges": _header("bytes"),
    "X-Content-Type-Options": _header("nosniff"),
    "Content-Security-Policy": _header("sandbox"),
    "Content-Disposition": _header("inline (passive media) or attachment, with filename and filename*."),
}
DOWNLOAD: dict[str, Any] = {
    "description": "The blob's bytes, with Range (bytes only; other units are ignored), ETag and If-None-Match. "
                   "Takes a bearer token, or instead a signed link's query (user, expires, sig).",
    "parameters": [
        {"name": "user", "in": "query", "required": False, "schema": {"type": "string"},
         "description": "A signed link's user id."},
        {"name": "expires", "in": "query", "required": False, "schema": count_schema(maximum=MAX_INTEGER),
         "description": "A signed link's expiry, epoch seconds. Read whatever the credential: one that is not a "
                        "whole number is a 400, with a bearer token too. A sig without it is a 403."},
    ],
    "responses": {
        "200": {"description": "The whole blob; Content-Type is sniffed from its bytes.", "content": _BYTES,
                "headers": {**_ALWAYS, "Content-Length": _header("The blob's size.")}},
        "206": {"description": "The range asked for.", "content": _BYTES,
                "headers": {**_ALWAYS, "Content-Range": _header("bytes START-END/SIZE"),
                            "Content-Length": _header("The range's size.")}},
        "302": {"description": "With S3 storage, a signed link that passed every check (signature, expiry, the "
                        "read rule) is sent to a presigned object URL that works for 5 minutes.",
                "headers": {"Location": _header("The presigned object URL.")}},
        "304": {"description": "If-None-Match named the ETag.", "headers": _ALWAYS},
    },
}
ACCESS: dict[str, Any] = {
    "description": "Whether the caller may read the blob, for an edge cache in front of the servers (nginx's "
                   "auth_request): the same credentials and read rule as the download, no bytes. A signed link's "
                   "query is the download's (signed for /v1/media/{sha256}).",
    "parameters": DOWNLOAD["parameters"],
    "responses": {"204": {"description": "The caller may read it.", "headers": {
        "Content-Disposition": _ALWAYS["Content-Disposition"], "Cache-Control": _header("no-store")}}},
}
