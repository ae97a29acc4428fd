"""Limits on how often: failed sign-ins, sign-ups, and writes, counted in the shared metadata store.

The rule, for every limit: a counter per (limit, whom) opens a window at its first hit and counts
hits until the window ends; a request whose hit takes the count past the limit is refused with 429
and ``Retry-After`` (the seconds until that window ends), and a hit after it ends starts again at
one. Whom a counter counts is hashed (HMAC under the link key, the same on every replica), so the
store holds neither guessed usernames nor addresses.

A sign-in counts as a failure from the moment it starts: the hit comes before the password is
checked, so parallel guesses cannot all slip in under the limit. A right password then takes its
address hit back and clears its account's count. While a limit holds, the password is not checked
at all, so the right one is refused too: otherwise guessing could go on, watching for the one
answer that is not 429.
"""

from __future__ import annotations

import hashlib
import hmac
import math

from starlette.requests import HTTPConnection

from sync.server.config import ServerContext
from sync.server.errors import TooManyAttempts, TooManyRequests
from sync.server.limit_settings import Limits
from sync.server.metadata.throttle import Bar, Count


def client_address(connection: HTTPConnection, limits: Limits) -> str:
    """The address a request came from: the socket's peer, or, when that is a trusted proxy, the
    last address in ``X-Forwarded-For`` that is not one (the proxies append; the client's own
    claims sit to the left of them and are not believed)."""
    peer = connection.client.host if connection.client else ""
    if not limits.is_trusted_proxy(peer):
        return peer
    hops = [hop.strip() for value in connection.headers.getlist("x-forwarded-for") for hop in value.split(",")]
    for hop in reversed([h for h in hops if h]):
        if not limits.is_trusted_proxy(hop):
            return hop
    return peer


def wait_text(seconds: int) -> str:
    """``seconds`` as a person reads it: "40 seconds", "1 minute", "15 minutes"."""
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes"


def _bucket(ctx: ServerContext, limit: str, whom: str) -> str:
    return f"{limit}:{hmac.new(ctx.link_key, whom.encode(), hashlib.sha256).hexdigest()[:32]}"


def _retry_after(count: Count, now: float) -> int:
    return max(1, math.ceil(count.window_end - now))


class SignIn:
    """One sign-in attempt: ``start()`` before the password is checked, ``succeeded()`` after a right one."""

    def __init__(self, ctx: ServerContext, connection: HTTPConnection, username: str) -> None:
        self.ctx = ctx
        self.limits = ctx.config.limits
        self.address = _bucket(ctx, "login-address", client_address(connection, self.limits))
        self.account = _bucket(ctx, "login-account", username.strip().lower())

    def start(self) -> None:
        """Count this attempt as a failure; raises TooManyAttempts while a limit holds."""
        throttle, now, window = self.ctx.meta.throttle, self.ctx.config.clock(), self.limits.login_window_s
        count = throttle.hit(self.address, window_s=window, now=now)
        if count.hits > self.limits.login_failures_per_address:
            raise self._refused("from your network", count, now)
        count = throttle.hit(self.account, window_s=window, now=now)
        if count.hits > self.limits.login_failures_per_account:
            throttle.take_back(self.address, now=now)  # no password was tried: the network is not charged
            raise self._refused("for this account", count, now)

    def succeeded(self) -> None:
        self.ctx.meta.throttle.take_back(self.address, now=self.ctx.config.clock())
        self.ctx.meta.throttle.clear(self.account)

    @staticmethod
    def _refused(where: str, count: Count, now: float) -> TooManyAttempts:
        wait = _retry_after(count, now)
        return TooManyAttempts(f"Too many failed sign-ins {where}; try again in {wait_text(wait)}. "
                               "Until then even the right password is refused.", retry_after=wait)


def count_signup(ctx: ServerContext, connection: HTTPConnection) -> None:
    """Count an account creation from the request's address; raises TooManyAttempts past the limit."""
    limits, now = ctx.config.limits, ctx.config.clock()
    bucket = _bucket(ctx, "signup-address", client_address(connection, limits))
    count = ctx.meta.throttle.hit(bucket, window_s=limits.signup_window_s, now=now)
    if count.hits > limits.signups_per_address:
        wait = _retry_after(count, now)
        raise TooManyAttempts(f"Too many accounts were created from your network; try again in {wait_text(wait)}.",
                              retry_after=wait)


def write_bar(ctx: ServerContext, user_id: str, *, chunk: bool) -> Bar:
    """The user's write rate (a tus chunk's own bar), to count with a write (``Bar``) or alone (``count_write``)."""
    limits = ctx.config.limits
    return Bar(_bucket(ctx, "chunks" if chunk else "writes", user_id),
               limits.chunks_per_minute if chunk else limits.writes_per_minute, window_s=60, now=ctx.config.clock())


def count_write(ctx: ServerContext, user_id: str, *, chunk: bool) -> None:
    """Count a write request (a tus chunk on its own bar); raises TooManyRequests past the limit."""
    bar = write_bar(ctx, user_id, chunk=chunk)
    count = ctx.meta.throttle.hit(bar.bucket, window_s=bar.window_s, now=bar.now)
    if count.hits > bar.limit:
        raise too_many_writes(bar, count, chunk=chunk)


def too_many_writes(bar: Bar, count: Count, *, chunk: bool) -> TooManyRequests:
    wait = _retry_after(count, bar.now)
    what = "upload chunks" if chunk else "changes"
    return TooManyRequests(f"Too many {what} in a short time (at most {bar.limit} a minute); "
                           f"try again in {wait_text(wait)}.", retry_after=wait)
