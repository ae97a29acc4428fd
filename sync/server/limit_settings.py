"""The abuse limits a server enforces (``ServerConfig.limits``) and the ``serve`` flags that set them.

The numbers and why they were chosen are in docs/decisions.md ("Abuse limits").
"""

from __future__ import annotations

import argparse
import ipaddress
from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    login_failures_per_account: int = 10
    """Failed sign-ins per account per ``login_window_s``; then 429, even for the right password."""
    login_failures_per_address: int = 100
    login_window_s: float = 15 * 60
    signups_per_address: int = 20
    signup_window_s: float = 3600
    quota_bytes: int = 10240 * MIB
    """Each user's storage: blobs they uploaded plus their uploads in progress."""
    uploads_in_progress: int = 20
    writes_per_minute: int = 600
    """POST, PATCH and DELETE requests per user per minute, tus PATCHes aside."""
    chunks_per_minute: int = 1200
    """tus PATCHes per user per minute: their own, higher bar (a big file is many chunks)."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses or networks (CIDR) whose ``X-Forwarded-For`` names the client; others' is ignored."""

    def is_trusted_proxy(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(net, strict=False) for net in self.trusted_proxies)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not at least 1")
    return value


def _network(text: str) -> str:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an IP address or network (CIDR)") from None
    return text


def add_flags(parser: argparse.ArgumentParser) -> None:
    d = Limits()
    group = parser.add_argument_group("limits", "what one user or one address may do (see docs/decisions.md)")
    group.add_argument("--login-attempts", type=_positive, default=d.login_failures_per_account, metavar="N",
                       help=f"failed sign-ins per account per 15 minutes before even the right password waits "
                            f"(default {d.login_failures_per_account})")
    group.add_argument("--login-attempts-per-address", type=_positive, default=d.login_failures_per_address,
                       metavar="N", help="failed sign-ins per client address per 15 minutes "
                                         f"(default {d.login_failures_per_address})")
    group.add_argument("--signups-per-address", type=_positive, default=d.signups_per_address, metavar="N",
                       help=f"accounts created per client address per hour (default {d.signups_per_address})")
    group.add_argument("--quota-mb", type=_positive, default=d.quota_bytes // MIB, metavar="MB",
                       help=f"each user's storage: files they uploaded plus uploads in progress, in MB "
                            f"(default {d.quota_bytes // MIB})")
    group.add_argument("--uploads-in-progress", type=_positive, default=d.uploads_in_progress, metavar="N",
                       help=f"unfinished uploads one user may have open (default {d.uploads_in_progress})")
    group.add_argument("--write-rate", type=_positive, default=d.writes_per_minute, metavar="N",
                       help=f"POST, PATCH and DELETE requests per user per minute, upload chunks aside "
                            f"(default {d.writes_per_minute})")
    group.add_argument("--chunk-rate", type=_positive, default=d.chunks_per_minute, metavar="N",
                       help=f"upload chunks (tus PATCH) per user per minute (default {d.chunks_per_minute})")
    group.add_argument("--trusted-proxy", type=_network, action="append", default=[], metavar="ADDR",
                       help="a proxy (address or CIDR network; repeat for more) whose X-Forwarded-For names the "
                            "client; without it every request counts against the address it came from")


def from_args(args: argparse.Namespace) -> Limits:
    return Limits(
        login_failures_per_account=args.login_attempts,
        login_failures_per_address=args.login_attempts_per_address,
        signups_per_address=args.signups_per_address,
        quota_bytes=args.quota_mb * MIB,
        uploads_in_progress=args.uploads_in_progress,
        writes_per_minute=args.write_rate,
        chunks_per_minute=args.chunk_rate,
        trusted_proxies=tuple(args.trusted_proxy),
    )
