"""tus 1.0.0 resumable uploads at /v1/uploads (creation, termination, expiration, checksum/sha256).

An upload's bytes are staged in storage and its offset lives in the metadata store, so a
restarted server (or another replica) resumes it. A PATCH holds the upload's lease in the
metadata store while it writes, so two requests never append at once, on any replica. When the
last byte arrives the upload is filed as a blob (``sync.server.filing``): checked against the
``sha256`` declared in ``Upload-Metadata``, and on a mismatch nothing is stored.

No file or database work runs on the event loop: the body is read there, and written, hashed and
recorded on the thread pool in blocks of ``WRITE_BLOCK`` bytes.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from functools import partial
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from sync.blobstore import is_sha256
from sync.server import quota, tus_spec
from sync.server.accounts import Ctx, CurrentUser
from sync.server.config import ServerContext
from sync.server.errors import (
    APIError,
    ChecksumMismatch,
    Conflict,
    InsufficientStorage,
    Locked,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    QuotaExceeded,
    TooManyUploads,
    UnsupportedMediaType,
)
from sync.server.filing import discard, file_upload
from sync.server.metadata.accounts import User
from sync.server.metadata.uploads import Upload
from sync.server.numbers import MAX_INTEGER, parse_count
from sync.server.spec_marks import operation, raises
from sync.server.storage import StagedMissing, StageWriter
from sync.server.tus import (
    OFFSET_CONTENT_TYPE,
    TUS_EXTENSIONS,
    TUS_VERSION,
    http_date,
    parse_checksum,
    parse_metadata,
    require_tus,
    tus_headers,
)

router = APIRouter(tags=["uploads"])

BODY_IDLE_TIMEOUT_S = 60.0  # like tusd's network timeout: a PATCH whose client went silent ends
LEASE_S = 2 * BODY_IDLE_TIMEOUT_S  # a PATCH renews its lease while bytes keep coming
RENEW_EVERY_S = 10.0
WRITE_BLOCK = 4 * 1024 * 1024


def _int_header(request: Request, name: str) -> int:
    return parse_count(request.headers.get(name), name=f"{name} header", maximum=MAX_INTEGER)


def _load(ctx: ServerContext, user: User, upload_id: str) -> Upload:
    upload = ctx.meta.uploads.get(upload_id)
    if upload is None or upload.user_id != user.id:
        raise NotFound("No such upload: it finished, expired or was never started.", headers=tus_headers())
    if upload.expires_at < ctx.config.clock():
        discard(ctx, upload_id)
        raise NotFound("This upload expired; start it again.", headers=tus_headers())
    return upload


@router.options("/v1/uploads", status_code=204)
@operation(tus_spec.OPTIONS)
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
@raises(PreconditionFailed, APIError, PayloadTooLarge, QuotaExceeded, TooManyUploads, ChecksumMismatch)
@operation(tus_spec.CREATE)
def tus_create(request: Request, ctx: Ctx, user: CurrentUser) -> Response:
    require_tus(request)
    if "upload-defer-length" in request.headers:
        raise APIError("Deferred length is not supported: send Upload-Length.")
    length = _int_header(request, "Upload-Length")
    if length > ctx.config.max_upload_bytes:
        raise PayloadTooLarge(
            f"This file is {length} bytes; the server takes at most {ctx.config.max_upload_bytes}.",
            headers=tus_headers({"Tus-Max-Size": str(ctx.config.max_upload_bytes)}),
        )
    metadata = parse_metadata(request.headers.get("upload-metadata", ""))
    sha = metadata.get("sha256", "").lower()
    if not is_sha256(sha):
        raise APIError("Upload-Metadata must carry the file's sha256 (64 hex digits) under the key 'sha256'.")
    upload = Upload(id=uuid.uuid4().hex, user_id=user.id, length=length, offset=0, sha256=sha,
                    expires_at=ctx.config.clock() + ctx.config.upload_expiry_s, metadata=metadata)
    ctx.storage.stage_create(upload.id)
    try:
        quota.create_upload(ctx, upload)  # 413 quota_exceeded, 429 too_many_uploads
    except APIError:
        ctx.storage.stage_delete(upload.id)
        raise
    location = str(request.url_for("tus_patch", upload_id=upload.id))
    if length == 0:
        file_upload(ctx, upload.id)
    return Response(status_code=201,
                    headers=tus_headers({"Location": location, "Upload-Expires": http_date(upload.expires_at)}))


@router.head("/v1/uploads/{upload_id}")
@raises(PreconditionFailed, ChecksumMismatch, InsufficientStorage)  # a complete upload is filed on HEAD
@operation(tus_spec.HEAD)
async def tus_head(upload_id: str, request: Request, ctx: Ctx, user: CurrentUser) -> Response:
    require_tus(request)
    await run_in_threadpool(_load, ctx, user, upload_id)  # unknown ids get no lock
    async with ctx.receiving.lock(upload_id):  # wait for a PATCH of this process to settle its offset
        upload = await run_in_threadpool(_load, ctx, user, upload_id)
        if upload.complete:  # all bytes arrived but the server stopped before filing them
            await run_in_threadpool(file_upload, ctx, upload_id)
    return Response(
        status_code=200,
        headers=tus_headers(
            {
                "Upload-Offset": str(upload.offset),
                "Upload-Length": str(upload.length),
                "Upload-Expires": http_date(upload.expires_at),
                "Cache-Control": "no-store",
            }
        ),
    )


@router.patch("/v1/uploads/{upload_id}", name="tus_patch", status_code=204)
@raises(PreconditionFailed, UnsupportedMediaType, APIError, Conflict, PayloadTooLarge, Locked, ChecksumMismatch)
@operation(tus_spec.PATCH)
async def tus_patch(upload_id: str, request: Request, ctx: Ctx, user: CurrentUser) -> Response:
    require_tus(request)
    if request.headers.get("content-type", "").split(";")[0].strip() != OFFSET_CONTENT_TYPE:
        raise UnsupportedMediaType(f"PATCH bodies must be sent as {OFFSET_CONTENT_TYPE}.", headers=tus_headers())
    offset = _int_header(request, "Upload-Offset")
    expected_checksum = parse_checksum(request)
    await run_in_threadpool(_load, ctx, user, upload_id)  # unknown ids get no lock
    async with ctx.receiving.lock(upload_id):
        upload = await run_in_threadpool(_load, ctx, user, upload_id)
        if offset != upload.offset:
            raise Conflict(
                f"Upload-Offset {offset} does not match the server's offset {upload.offset}; ask with HEAD.",
                headers=tus_headers(),
            )
        if upload.complete:  # all bytes arrived but the server stopped before filing them
            await run_in_threadpool(file_upload, ctx, upload_id)
            return Response(status_code=204, headers=tus_headers({"Upload-Offset": str(upload.length)}))
        owner = uuid.uuid4().hex
        if not await run_in_threadpool(_lease, ctx, upload_id, owner):
            raise Locked("Another request is writing to this upload; try again in a moment.",
                         headers=tus_headers({"Retry-After": "1"}))
        try:
            receiver = _Receiver(ctx, upload, owner, expected_checksum,
                                 ctx.receiving.hasher_at(upload_id, offset))
            new_offset, hasher = await receiver.receive(request)
            expires = ctx.config.clock() + ctx.config.upload_expiry_s
            await run_in_threadpool(partial(ctx.meta.uploads.advance, upload_id, offset=new_offset,
                                            expires_at=expires))
        finally:
            await run_in_threadpool(ctx.meta.uploads.release, upload_id, owner)
        if new_offset != offset:
            ctx.receiving.keep_hash(upload_id, new_offset, hasher)
        if new_offset == upload.length:
            await run_in_threadpool(file_upload, ctx, upload_id)
    return Response(
        status_code=204,
        headers=tus_headers({"Upload-Offset": str(new_offset), "Upload-Expires": http_date(expires)}),
    )


async def _settle(write: asyncio.Future[None] | None, *, quiet: bool = False) -> None:
    """Wait for a block being written; with ``quiet``, its error gives way to the one already raised."""
    if write is None:
        return
    try:
        await write
    except Exception:
        if not quiet:
            raise


def _lease(ctx: ServerContext, upload_id: str, owner: str) -> bool:
    now = ctx.config.clock()
    return ctx.meta.uploads.lease(upload_id, owner, now=now, until=now + LEASE_S)


class _Receiver:
    """Appends one PATCH body at the upload's offset.

    A dropped connection, or one silent for BODY_IDLE_TIMEOUT_S (a client gone without a FIN
    would otherwise hold the upload's lease, and so block its own resume), keeps what arrived
    (unless a checksum was promised for the whole body, which can then not be checked); a body
    longer than the upload or one that does not match its checksum is cut back to the offset.
    """

    def __init__(self, ctx: ServerContext, upload: Upload, owner: str, checksum: bytes | None, whole: Any) -> None:
        self.ctx, self.upload, self.owner, self.checksum = ctx, upload, owner, checksum
        self.digest = hashlib.sha256() if checksum is not None else None
        self.whole = whole  # sha256 of the upload's bytes before the offset, or None when this process lacks it
        self.written = 0  # bytes written to storage
        self.received = 0  # bytes handed to the writer (written, or being written)

    async def receive(self, request: Request) -> tuple[int, Any]:
        """The new offset, and ``whole`` fed what was written (None if it cannot be trusted)."""
        try:
            writer = await run_in_threadpool(self.ctx.storage.stage_writer, self.upload.id, self.upload.offset)
        except StagedMissing:
            await run_in_threadpool(discard, self.ctx, self.upload.id)
            raise NotFound("This upload's bytes are gone; start it again.", headers=tus_headers()) from None
        try:
            return await self._pump(request, writer)
        except Exception:  # a full disk, say: this PATCH counts for nothing, so its bytes free their space
            await run_in_threadpool(writer.cut_back)
            raise
        finally:
            await run_in_threadpool(writer.close)

    async def _pump(self, request: Request, writer: StageWriter) -> tuple[int, Any]:
        """Read the body on the loop while the previous block is written and hashed on two threads."""
        loop = asyncio.get_running_loop()
        renew_at = loop.time() + RENEW_EVERY_S
        parts: list[bytes] = []
        buffered = 0
        in_flight: asyncio.Future[None] | None = None
        chunks = request.stream()
        try:
            while True:
                try:
                    async with asyncio.timeout(BODY_IDLE_TIMEOUT_S):
                        chunk = await anext(chunks)
                except StopAsyncIteration:
                    break
                if self.upload.offset + self.received + buffered + len(chunk) > self.upload.length:
                    await _settle(in_flight)
                    await run_in_threadpool(writer.cut_back)
                    raise PayloadTooLarge("The body runs past Upload-Length.", headers=tus_headers())
                parts.append(chunk)
                buffered += len(chunk)
                if buffered >= WRITE_BLOCK:
                    await _settle(in_flight)  # at most one block in flight: order kept, memory bounded
                    in_flight = asyncio.ensure_future(self._write(writer, parts))
                    self.received += buffered
                    parts = []
                    buffered = 0
                if loop.time() >= renew_at:
                    renew_at = loop.time() + RENEW_EVERY_S
                    await run_in_threadpool(_lease, self.ctx, self.upload.id, self.owner)
        except (ClientDisconnect, TimeoutError):
            await _settle(in_flight)
            if self.digest is not None:
                await run_in_threadpool(writer.cut_back)
                return self.upload.offset, None
        except BaseException:
            await _settle(in_flight, quiet=True)
            raise
        await _settle(in_flight)
        if parts:
            await self._write(writer, parts)
        await run_in_threadpool(self._finish, writer)
        return self.upload.offset + self.written, self.whole

    async def _write(self, writer: StageWriter, parts: list[bytes]) -> None:
        """Join the parts into one block on a thread (a join of 1 MiB or more lets go of the GIL), then seal and
        write it on one thread while another hashes it: sha256 and the write let go of the GIL too, so the
        event loop and the two run on the two cores. Returns once all is done (an error from either is raised)."""
        block = parts[0] if len(parts) == 1 else await run_in_threadpool(b"".join, parts)
        done = await asyncio.gather(run_in_threadpool(writer.write, block), run_in_threadpool(self._hash, block),
                                    return_exceptions=True)
        for outcome in done:
            if isinstance(outcome, BaseException):
                raise outcome
        self.written += len(block)

    def _hash(self, block: bytes) -> None:
        for hasher in (self.digest, self.whole):
            if hasher is not None:
                hasher.update(block)

    def _finish(self, writer: StageWriter) -> None:
        if self.digest is not None and self.digest.digest() != self.checksum:
            writer.cut_back()
            raise ChecksumMismatch("This chunk does not match its Upload-Checksum; send it again.",
                                   headers=tus_headers())
        writer.commit()


@router.delete("/v1/uploads/{upload_id}", status_code=204)
@raises(PreconditionFailed)
@operation(tus_spec.TERMINATE)
async def tus_terminate(upload_id: str, request: Request, ctx: Ctx, user: CurrentUser) -> Response:
    require_tus(request)
    await run_in_threadpool(_load, ctx, user, upload_id)  # unknown ids get no lock
    async with ctx.receiving.lock(upload_id):
        await run_in_threadpool(_load, ctx, user, upload_id)
        await run_in_threadpool(discard, ctx, upload_id)
    return Response(status_code=204, headers=tus_headers())


def sweep_expired(ctx: ServerContext) -> int:
    """Remove uploads past their expiry (and not being written) and their staged bytes; how many."""
    now = ctx.config.clock()
    ctx.meta.throttle.prune(now=now)  # the limits' counters whose window ended
    removed = 0
    for upload_id in ctx.meta.uploads.expired_ids(now=now):
        if ctx.meta.uploads.delete_if_expired(upload_id, now=now):  # unless a PATCH renewed it meanwhile
            ctx.storage.stage_delete(upload_id)
            ctx.receiving.forget(upload_id)
            removed += 1
    for orphan in ctx.storage.stage_orphans(ctx.meta.uploads.ids(), older_than_s=60):  # a crash mid-discard
        ctx.storage.stage_delete(orphan)
    return removed
