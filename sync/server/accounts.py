"""Accounts, password hashing and bearer tokens; the ``current_user`` dependency."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response

from sync.protocol import Account, Credentials, Token
from sync.server import quota, throttle
from sync.server.config import ServerContext, context
from sync.server.errors import Conflict, TooManyAttempts, Unauthorized
from sync.server.metadata.accounts import User
from sync.server.metadata.errors import Duplicate
from sync.server.spec_marks import credentials, raises
from sync.server.timefmt import iso, now_iso

router = APIRouter(tags=["accounts"])

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    actual = hashlib.scrypt(
        password.encode(), salt=bytes.fromhex(salt), dklen=32, n=int(n), r=int(r), p=int(p)
    )
    return hmac.compare_digest(actual.hex(), digest)


_DUMMY_HASH = hash_password(secrets.token_hex(8))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_by_name(ctx: ServerContext, username: str) -> User | None:
    return ctx.meta.accounts.by_name(username.strip().lower())


def authenticate(ctx: ServerContext, authorization: str | None) -> User:
    """The user of a bearer token; raises Unauthorized."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorized()
    user = ctx.meta.accounts.token_user(_token_hash(authorization[7:].strip()), now=ctx.config.clock())
    if user is None:
        raise Unauthorized("Your session has expired or was signed out; sign in again.")
    return user


def current_user(
    ctx: Annotated[ServerContext, Depends(context)],
    authorization: Annotated[str | None, Header()] = None,
) -> User:
    return authenticate(ctx, authorization)


@credentials("bearer")
async def bearer_header(authorization: Annotated[str | None, Header()] = None) -> str:
    """The Authorization header of a route that authenticates it itself, with the rest of its work in one
    call off the event loop (``authenticate``); a request without a bearer token is refused here."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorized()
    return authorization


Ctx = Annotated[ServerContext, Depends(context)]
CurrentUser = Annotated[User, Depends(current_user)]
BearerHeader = Annotated[str, Depends(bearer_header)]


@router.post("/v1/accounts", status_code=201, response_model=Account, response_model_exclude_none=True)
@raises(Conflict, TooManyAttempts)
def create_account(body: Credentials, request: Request, ctx: Ctx) -> Account:
    throttle.count_signup(ctx, request)  # 429 too_many_attempts past --signups-per-address
    try:
        user = ctx.meta.accounts.create(uuid.uuid4().hex, body.username, hash_password(body.password),
                                        created_at=now_iso())
    except Duplicate:
        raise Conflict(f"The username {body.username!r} is taken; pick another.") from None
    return Account(user_id=user.id, username=user.username)


@router.post("/v1/tokens", response_model=Token)
@raises(Unauthorized, TooManyAttempts)
def issue_token(body: Credentials, request: Request, ctx: Ctx) -> Token:
    attempt = throttle.SignIn(ctx, request, body.username)
    attempt.start()  # 429 too_many_attempts while failures for this account or address are over the limit
    login = ctx.meta.accounts.login(body.username)
    ok = check_password(body.password, login.password_hash if login else _DUMMY_HASH)
    if login is None or not ok:
        raise Unauthorized("Wrong username or password.")
    attempt.succeeded()
    token = secrets.token_urlsafe(32)
    expires = ctx.config.clock() + ctx.config.token_ttl_s
    ctx.meta.accounts.add_token(_token_hash(token), login.user.id, expires_at=expires)
    return Token(token=token, user_id=login.user.id, expires_at=iso(expires))


@router.delete("/v1/tokens/current", status_code=204)
def revoke_token(
    ctx: Ctx, user: CurrentUser, authorization: Annotated[str | None, Header()] = None
) -> Response:
    assert authorization is not None
    ctx.meta.accounts.revoke_token(_token_hash(authorization[7:].strip()))
    return Response(status_code=204)


@router.get("/v1/users/me", response_model=Account)
def me(user: CurrentUser, ctx: Ctx) -> Account:
    used = quota.usage(ctx, user.id).used_bytes
    return Account(user_id=user.id, username=user.username, used_bytes=used, quota_bytes=ctx.config.limits.quota_bytes)
