"""API errors: each carries its HTTP status and code; mapped to responses in one place."""

from __future__ import annotations

import errno
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.server.metadata.errors import MetadataFull
from sync.server.routes import allowed_methods

log = logging.getLogger(__name__)


class APIError(Exception):
    """An error the client caused or must know about; ``status`` and ``code`` go on the wire."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class Unauthorized(APIError):
    status, code = 401, "unauthorized"

    def __init__(self, message: str = "Sign in first: a valid bearer token is required.") -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(APIError):
    status, code = 403, "forbidden"


class NotFound(APIError):
    status, code = 404, "not_found"


class Conflict(APIError):
    status, code = 409, "conflict"


class PreconditionFailed(APIError):
    status, code = 412, "precondition_failed"


class PayloadTooLarge(APIError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(APIError):
    status, code = 415, "unsupported_media_type"


class RangeNotSatisfiable(APIError):
    status, code = 416, "range_not_satisfiable"


class Invalid(APIError):
    status, code = 422, "invalid"


class BlobNotUploaded(Invalid):
    """An attachment names a blob the caller cannot read: not uploaded yet, or not theirs."""

    code = "blob_not_uploaded"


class Locked(APIError):
    """Another request (maybe on another replica) is writing to this upload right now."""

    status, code = 423, "upload_busy"


class ChecksumMismatch(APIError):
    status, code = 460, "checksum_mismatch"


class BlobDamaged(APIError):
    """A stored blob failed authentication: none of its bytes are sent (the server's log names it)."""

    status, code = 500, "blob_damaged"

    def __init__(self, message: str = "This file is damaged on the server and cannot be sent; "
                 "ask its sender to send it again.") -> None:
        super().__init__(message)


class InsufficientStorage(APIError):
    """The server's disk is full (the environment's fault): writes fail until space is freed; reads go on."""

    status, code = 507, "insufficient_storage"

    def __init__(self, message: str = "The server has run out of storage space; try again later, or free some "
                 "by deleting unfinished uploads.", *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message, headers=headers)


_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def environment_error(exc: BaseException) -> APIError | None:
    """The APIError a failure of the machine stands for (a full disk or quota: 507); None for our bugs."""
    if isinstance(exc, MetadataFull) or (isinstance(exc, OSError) and exc.errno in _DISK_FULL):
        return InsufficientStorage()
    return None


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}


def install_handlers(app: FastAPI) -> None:
    """Map every exception to the structured error body."""

    async def api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, APIError)
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        parts = []
        for err in exc.errors()[:5]:
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
        return error_response(422, "invalid", "The request is not valid: " + "; ".join(parts) + ".")

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = _STATUS_CODES.get(exc.status_code, "error")
        if exc.status_code == 405:  # Starlette's Allow names one route's methods; a path may have several
            allow = ", ".join(allowed_methods(request.app.routes, request.scope["path"]))
            return error_response(405, code, f"This path accepts only {allow}.", {"Allow": allow})
        return error_response(exc.status_code, code, str(exc.detail), getattr(exc, "headers", None))

    app.add_exception_handler(APIError, api_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_middleware(LastResort)  # added first, so innermost: the metrics still count its answers


class LastResort:
    """Answers every other exception (507 for a full disk, else 500) and keeps the connection open.

    Starlette's own last resort (``ServerErrorMiddleware``) re-raises after answering so that the
    server logs the error, and uvicorn then drops the keep-alive connection without a
    ``Connection: close``; the client's next request on it fails. Here the error is logged and the
    exception ends. One raised after the response started still ends the connection: its body is cut short.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception as exc:
            if started:
                raise
            await _last_answer(scope, exc)(scope, receive, send)


def _last_answer(scope: Scope, exc: Exception) -> JSONResponse:
    where = f"{scope['method']} {scope['path']}"
    error = environment_error(exc)
    if error is None:
        log.error("unhandled error on %s", where, exc_info=exc)
        return error_response(500, "internal_error", "Something went wrong on the server; it has been logged.")
    log.warning("%s answered %d: %s", where, error.status, exc)
    return error_response(error.status, error.code, error.message, error.headers)


# The abuse limits (sync/server/throttle.py, sync/server/quota.py): each says what was reached and what to do.


class QuotaExceeded(APIError):
    """An upload would take its user past their storage quota."""

    status, code = 413, "quota_exceeded"


class TooManyRequests(APIError):
    """A limit on how often: ``retry_after`` seconds (when known) go out as ``Retry-After``."""

    status, code = 429, "rate_limited"

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)} if retry_after is not None else None)


class TooManyAttempts(TooManyRequests):
    """Too many failed sign-ins (for an account or from an address), or sign-ups from an address."""

    code = "too_many_attempts"


class TooManyUploads(TooManyRequests):
    """As many uploads in progress as one user may have."""

    code = "too_many_uploads"
