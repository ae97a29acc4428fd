"""tus 1.0.0 resumable uploads at /v1/uploads (creation, termination, expiration, checksum/sha256).

An upload's bytes accumulate in ``uploads/<id>`` under the data dir; its offset lives in the
metadata db so a restarted server (or another replica sharing the disk) resumes it. When the
last byte arrives the whole file is hashed, checked against the ``sha256`` the client declared
in ``Upload-Metadata``, and moved into the blob store; on a mismatch nothing is stored.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import os
import time
import uuid
from email.utils import formatdate
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from sync.blobstore import is_sha256
from sync.server.accounts import Ctx, CurrentUser, User
from sync.server.config import ServerContext
from sync.server.errors import (
    APIError,
    ChecksumMismatch,
    Conflict,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    UnsupportedMediaType,
)
from sync.server.filing import discard, file_upload

router = APIRouter(tags=["uploads"])

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,expiration,checksum"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
BODY_IDLE_TIMEOUT_S = 60.0  # like tusd's network timeout: a PATCH whose client went silent ends


def tus_headers(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"Tus-Resumable": TUS_VERSION, **(extra or {})}


def _require_tus(request: Request) -> None:
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
        except (binascii.Error, UnicodeDecodeError):
            raise APIError(f"Upload-Metadata value of {key!r} is not base64 of UTF-8 text.") from None
    return result


def _http_date(epoch: float) -> str:
    return formatdate(epoch, usegmt=True)


def _int_header(request: Request, name: str) -> int:
    value = request.headers.get(name)
    if value is None or not value.isdigit():
        raise APIError(f"The {name} header is missing or not a non-negative integer.")
    return int(value)


def _load(ctx: ServerContext, user: User, upload_id: str) -> dict[str, object]:
    row = ctx.db.one("SELECT * FROM uploads WHERE id = ? AND user_id = ?", (upload_id, user.id))
    if row is None:
        raise NotFound("No such upload: it finished, expired or was never started.", headers=tus_headers())
    if row["expires_at"] < time.time():
        discard(ctx, upload_id)
        raise NotFound("This upload expired; start it again.", headers=tus_headers())
    return dict(row)


@router.options("/v1/uploads", status_code=204)
def tus_options(ctx: Ctx) -> Response:
    return Response(
        status_code=204,
        headers=tus_headers(
            {
                "Tus-Version": TUS_VERSION,
                "Tus-Extension": TUS_EXTENSIONS,
                "Tus-Max-Size": str(ctx.config.max_upload_bytes),
                "Tus-Checksum-Algorithm": "sha256",
            }
        ),
    )


@router.post("/v1/uploads", status_code=201)
async def tus_create(request: Request, ctx: Ctx, user: CurrentUser) -> Response:
    _require_tus(request)
    if "upload-defer-length" in request.headers:
        raise APIError("Deferred length is not supported: send Upload-Length.")
    length = _int_header(request, "upload-length")
    if length > ctx.config.max_upload_bytes:
        raise PayloadTooLarge(
            f"This file is {length} bytes; the server takes at most {ctx.config.max_upload_bytes}.",
            headers=tus_headers({"Tus-Max-Size": str(ctx.config.max_upload_bytes)}),
        )
    raw_metadata = request.headers.get("upload-metadata", "")
    metadata = parse_metadata(raw_metadata)
    sha = metadata.get("sha256", "").lower()
    if not is_sha256(sha):
        raise APIError("Upload-Metadata must carry the file's sha256 (64 hex digits) under the key 'sha256'.")
    upload_id = uuid.uuid4().hex
    expires = time.time() + ctx.config.upload_expiry_s
    ctx.uploads.path(upload_id).touch()
    with ctx.db.write() as conn:
        conn.execute(
            "INSERT INTO uploads (id, user_id, length, offset, metadata, sha256, expires_at) "
            "VALUES (?, ?, ?, 0, ?, ?, ?)",
            (upload_id, user.id, length, json.dumps(metadata), sha, expires),
        )
    location = str(request.url_for("tus_patch", upload_id=upload_id))
    headers = tus_headers({"Location": location, "Upload-Expires": _http_date(expires)})
    if length == 0:
        await run_in_threadpool(file_upload, ctx, upload_id)
    return Response(status_code=201, headers=headers)


@router.head("/v1/uploads/{upload_id}")
async def tus_head(upload_id: str, request: Request, ctx: Ctx, user: CurrentUser) -> Response:
    _require_tus(request)
    await run_in_threadpool(_load, ctx, user, upload_id)  # unknown ids get no lock
    async with ctx.uploads.lock(upload_id):  # wait for a PATCH still in flight to settle its offset
        row = await run_in_threadpool(_load, ctx, user, upload_id)
        if row["offset"] == row["length"]:  # all bytes arrived but the server stopped before filing them
            await run_in_threadpool(file_upload, ctx, upload_id)
    return Response(
        status_code=200,
        headers=tus_headers(
            {
                "Upload-Offset": str(row["offset"]),
                "Upload-Length": str(row["length"]),
                "Upload-Expires": _http_date(float(str(row["expires_at"]))),
                "Cache-Control": "no-store",
            }
        ),
    )


def _checksum(request: Request) -> bytes | None:
    header = request.headers.get("upload-checksum")
    if header is None:
        return None
    algorithm, _, value = header.strip().partition(" ")
    if algorithm.lower() != "sha256":
        raise APIError(f"Unsupported checksum algorithm {algorithm!r}; use sha256.", headers=tus_headers())
    try:
        return base64.b64decode(value.strip(), validate=True)
    except binascii.Error:
        raise APIError("Upload-Checksum is not base64.", headers=tus_headers()) from None


@router.patch("/v1/uploads/{upload_id}", name="tus_patch", status_code=204)
async def tus_patch(upload_id: str, request: Request, ctx: Ctx, user: CurrentUser) -> Response:
    _require_tus(request)
    if request.headers.get("content-type", "").split(";")[0].strip() != OFFSET_CONTENT_TYPE:
        raise UnsupportedMediaType(f"PATCH bodies must be sent as {OFFSET_CONTENT_TYPE}.", headers=tus_headers())
    offset = _int_header(request, "upload-offset")
    expected_checksum = _checksum(request)
    await run_in_threadpool(_load, ctx, user, upload_id)  # unknown ids get no lock
    async with ctx.uploads.lock(upload_id):
        row = await run_in_threadpool(_load, ctx, user, upload_id)
        if offset != row["offset"]:
            raise Conflict(
                f"Upload-Offset {offset} does not match the server's offset {row['offset']}; ask with HEAD.",
                headers=tus_headers(),
            )
        length = int(str(row["length"]))
        if offset == length:  # all bytes arrived but the server stopped before filing them
            await run_in_threadpool(file_upload, ctx, upload_id)
            return Response(status_code=204, headers=tus_headers({"Upload-Offset": str(length)}))
        hasher = ctx.uploads.hasher_at(upload_id, offset)
        ctx.uploads.in_progress += 1
        try:
            new_offset, hasher = await _receive(
                request, ctx.uploads.path(upload_id), offset, length, expected_checksum, hasher)
        finally:
            ctx.uploads.in_progress -= 1
        expires = time.time() + ctx.config.upload_expiry_s
        with ctx.db.write() as conn:
            conn.execute("UPDATE uploads SET offset = ?, expires_at = ? WHERE id = ?", (new_offset, expires, upload_id))
        if new_offset != offset:
            ctx.uploads.keep_hash(upload_id, new_offset, hasher)
        if new_offset == length:
            await run_in_threadpool(file_upload, ctx, upload_id)
    return Response(
        status_code=204,
        headers=tus_headers({"Upload-Offset": str(new_offset), "Upload-Expires": _http_date(expires)}),
    )


async def _receive(
    request: Request, path: Path, offset: int, length: int, checksum: bytes | None, whole: Any
) -> tuple[int, Any]:
    """Append the request body at ``offset``; returns the new offset and ``whole`` fed what was written.

    ``whole`` is the sha256 of the upload's bytes before ``offset`` (or None when this process
    does not have it); it goes on with every chunk written, so filing needs no second read.

    A dropped connection, or one silent for BODY_IDLE_TIMEOUT_S (a client gone without a FIN
    would otherwise hold the upload's lock, and so block its own resume, indefinitely), keeps what
    arrived (unless a checksum was promised for the whole body, which can then not be checked); a
    body longer than the upload or one that does not match its checksum is cut back to ``offset``.
    """
    digest = hashlib.sha256() if checksum is not None else None
    written = 0
    chunks = request.stream()
    with open(path, "r+b") as f:
        f.seek(offset)
        f.truncate()
        try:
            while True:
                try:
                    async with asyncio.timeout(BODY_IDLE_TIMEOUT_S):
                        chunk = await anext(chunks)
                except StopAsyncIteration:
                    break
                if offset + written + len(chunk) > length:
                    f.truncate(offset)
                    raise PayloadTooLarge("The body runs past Upload-Length.", headers=tus_headers())
                f.write(chunk)
                written += len(chunk)
                if digest is not None:
                    digest.update(chunk)
                if whole is not None:
                    whole.update(chunk)
        except (ClientDisconnect, TimeoutError):
            if digest is not None:
                f.truncate(offset)
                return offset, None
        if digest is not None and digest.digest() != checksum:
            f.truncate(offset)
            raise ChecksumMismatch("This chunk does not match its Upload-Checksum; send it again.",
                                   headers=tus_headers())
        f.flush()
        await run_in_threadpool(os.fsync, f.fileno())
    return offset + written, whole


@router.delete("/v1/uploads/{upload_id}", status_code=204)
async def tus_terminate(upload_id: str, request: Request, ctx: Ctx, user: CurrentUser) -> Response:
    _require_tus(request)
    await run_in_threadpool(_load, ctx, user, upload_id)  # unknown ids get no lock
    async with ctx.uploads.lock(upload_id):
        await run_in_threadpool(_load, ctx, user, upload_id)
        await run_in_threadpool(discard, ctx, upload_id)
    return Response(status_code=204, headers=tus_headers())


def sweep_expired(ctx: ServerContext) -> int:
    """Remove uploads past their expiry and their partial data; returns how many."""
    now = time.time()
    rows = ctx.db.all("SELECT id FROM uploads WHERE expires_at < ?", (now,))
    removed = 0
    for row in rows:
        if ctx.uploads.busy(row["id"]):  # still receiving: the PATCH sets a new expiry when it ends
            continue
        with ctx.db.write() as conn:  # unless a PATCH ended (and renewed it) since the SELECT
            gone = conn.execute("DELETE FROM uploads WHERE id = ? AND expires_at < ?", (row["id"], now)).rowcount
        if gone:
            ctx.uploads.forget(row["id"])
            removed += 1
    known = {r["id"] for r in ctx.db.all("SELECT id FROM uploads")}
    for orphan in ctx.uploads.directory.iterdir():  # partial files whose row is gone (crash mid-discard)
        if orphan.name not in known and time.time() - orphan.stat().st_mtime > 60:
            orphan.unlink(missing_ok=True)
    return removed
