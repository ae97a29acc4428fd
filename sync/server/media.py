"""Media downloads (Range, ETag, immutable caching), the re-upload check, and signed links."""

from __future__ import annotations

import hashlib
import hmac
import itertools
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse
from starlette.convertors import Convertor, register_url_convertor

from sync.blobstore import is_sha256
from sync.protocol import Link, LinkRequest, MediaCheck, MediaCheckResult
from sync.server.accounts import Ctx, CurrentUser, authenticate
from sync.server.config import ServerContext, context
from sync.server.crypto.segments import Damaged
from sync.server.disposition import content_disposition
from sync.server.errors import APIError, BlobDamaged, Forbidden, NotFound, RangeNotSatisfiable, Unauthorized
from sync.server.media_spec import ACCESS, DOWNLOAD
from sync.server.metadata.accounts import User
from sync.server.mime import is_inline
from sync.server.numbers import MAX_INTEGER, parse_count
from sync.server.ranges import etag_matches, parse_range
from sync.server.spec_marks import credentials, operation, raises
from sync.server.timefmt import iso

router = APIRouter(tags=["media"])


class Sha256Convertor(Convertor[str]):
    """A blob's name in a path: 64 lowercase hex digits, so ``/v1/media/check`` is never taken for one."""

    regex = "[0-9a-f]{64}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("sha256", Sha256Convertor())

Sha256 = Annotated[str, Path(pattern="^[0-9a-f]{64}$", description="The blob's lowercase hex sha256.")]
CACHE_CONTROL = "private, max-age=31536000, immutable"
SANDBOX = "sandbox"  # Content-Security-Policy: whatever a browser makes of the bytes, no script runs in our origin


def sign(key: bytes, method: str, path: str, user_id: str, expires: int) -> str:
    message = f"{method}\n{path}\n{user_id}\n{expires}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _link_user(ctx: ServerContext, request: Request, expires: int | None) -> User:
    """The user a signed link was made for; raises Forbidden (forged, expired, or not whole: no expires)."""
    q = request.query_params
    user_id, sig = q.get("user", ""), q.get("sig", "")
    if expires is None:
        raise Forbidden("This link is not valid: it has no expiry.")
    path = f"/v1/media/{request.path_params.get('sha256', '')}"  # the download's, for /access too
    expected = sign(ctx.link_key, "GET", path, user_id, expires)
    if not hmac.compare_digest(expected.encode(), sig.encode()):  # bytes: a str must be ASCII (else TypeError)
        raise Forbidden("This link is not valid.")
    if expires < ctx.config.clock():
        raise Forbidden("This link has expired; ask for a new one.")
    user = ctx.meta.accounts.by_id(user_id)
    if user is None:
        raise Forbidden("This link is not valid.")
    return user


@credentials("bearer", "signedLink")
@raises(Unauthorized, Forbidden, APIError)  # 400: a link's expires that is not a whole number
def media_reader(
    request: Request,
    ctx: Annotated[ServerContext, Depends(context)],
    authorization: Annotated[str | None, Header()] = None,
) -> User:
    """Bearer token, or a signed link's user.

    ``expires``, when present, must be a whole number whatever the credential (400): the spec says so, and
    a bearer request that carries a broken link query is not quietly read as something else.
    """
    q = request.query_params
    text = q.get("expires")
    expires = None if text is None else parse_count(text, name="link's 'expires'", maximum=MAX_INTEGER)
    if "sig" in q:
        return _link_user(ctx, request, expires)
    return authenticate(ctx, authorization)


def _blob_name(ctx: ServerContext, user: User, sha: str) -> str:
    return ctx.meta.blobs.name_for(user.id, sha) or sha[:16]


@router.head("/v1/media/{sha256:sha256}", response_class=Response, operation_id="media_head")
@router.get("/v1/media/{sha256:sha256}", response_class=Response, operation_id="media_get")
@raises(RangeNotSatisfiable, BlobDamaged)
@operation(DOWNLOAD)
def download(
    sha256: Sha256,
    request: Request,
    ctx: Ctx,
    user: Annotated[User, Depends(media_reader)],
    range_header: Annotated[str | None, Header(alias="range")] = None,
    if_none_match: Annotated[str | None, Header()] = None,
    if_range: Annotated[str | None, Header()] = None,
) -> Response:
    blob = ctx.meta.blobs.get(sha256) if is_sha256(sha256) and ctx.meta.blobs.can_read(user.id, sha256) else None
    if blob is None:
        raise NotFound("No such media.")
    size, mime = blob.size, blob.mime
    etag = f'"{sha256}"'
    headers = {
        "ETag": etag,
        "Cache-Control": CACHE_CONTROL,
        "Accept-Ranges": "bytes",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": SANDBOX,
        "Content-Disposition": content_disposition(_blob_name(ctx, user, sha256), inline=is_inline(mime)),
    }
    if etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    byte_range = None
    if if_range is None or etag_matches(if_range, etag):
        byte_range = parse_range(range_header, size)
    start, end = byte_range or (0, size)
    status = 206 if byte_range else 200
    if byte_range:
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    headers["Content-Length"] = str(end - start)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=mime)
    presign = getattr(ctx.storage, "presigned_url", None)
    if presign is not None and "sig" in request.query_params:  # the read rule held: the store serves the bytes
        url = presign(sha256, mime=mime, disposition=headers["Content-Disposition"])
        return RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})
    try:  # the first segment is opened before the status goes out: a damaged blob is an error, not a cut
        body = iter(ctx.storage.read_range(sha256, start, end))
        first = next(body, b"")
    except Damaged:
        raise BlobDamaged() from None
    return StreamingResponse(itertools.chain([first], body), status_code=status, headers=headers, media_type=mime)


@router.get("/v1/media/{sha256:sha256}/access", status_code=204, response_class=Response,
            operation_id="media_access")
@operation(ACCESS)
def access(sha256: Sha256, ctx: Ctx, user: Annotated[User, Depends(media_reader)]) -> Response:
    """Whether the caller may read the blob: 204 and its Content-Disposition for them, no bytes (the edge
    cache asks this on every request, cached or not). 403 when they may not, whether or not it exists: nginx's
    auth_request passes on only 401 and 403."""
    if not is_sha256(sha256) or not ctx.meta.blobs.can_read(user.id, sha256):
        raise Forbidden("You may not read this media.")
    blob = ctx.meta.blobs.get(sha256)
    inline = blob is not None and is_inline(blob.mime)
    disposition = content_disposition(_blob_name(ctx, user, sha256), inline=inline)
    return Response(status_code=204, headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})


@router.post("/v1/media/check", response_model=MediaCheckResult)
def check(body: MediaCheck, ctx: Ctx, user: CurrentUser) -> MediaCheckResult:
    """Which of these blobs the caller can already read (so it skips uploading them)."""
    shas = [s.lower() for s in body.blobs if is_sha256(s.lower())]
    return MediaCheckResult(readable=ctx.meta.blobs.readable(user.id, shas))


@router.post("/v1/media/{sha256:sha256}/link", response_model=Link)
def make_link(sha256: Sha256, body: LinkRequest, request: Request, ctx: Ctx, user: CurrentUser) -> Link:
    """A URL that reads the blob without a bearer token until it expires (the read rule still applies)."""
    if not is_sha256(sha256) or not ctx.meta.blobs.can_read(user.id, sha256):
        raise NotFound("No such media.")
    expires = int(ctx.config.clock()) + body.ttl
    path = f"/v1/media/{sha256}"
    sig = sign(ctx.link_key, "GET", path, user.id, expires)
    base = str(request.base_url).rstrip("/")
    return Link(url=f"{base}{path}?user={user.id}&expires={expires}&sig={sig}", expires_at=iso(expires))
