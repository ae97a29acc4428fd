"""Each user's storage quota and their uploads in progress, checked when an upload is created.

What counts (``metadata/quota.py``): every blob the user uploaded, at its size, plus the full
``Upload-Length`` of each of their unexpired uploads in progress. Sizes in sentences are written in
decimal units, as the desktop app writes them ("9.8 GB of 10.7 GB used").
"""

from __future__ import annotations

from sync.server.config import ServerContext
from sync.server.errors import QuotaExceeded, TooManyUploads
from sync.server.metadata.quota import OverQuota, TooManyOpen, UploadLimits, Usage
from sync.server.metadata.uploads import Upload

_UNITS = (("KB", 1000), ("MB", 1000**2), ("GB", 1000**3), ("TB", 1000**4))


def size_text(size: int) -> str:
    """``size`` bytes for a person: "512 bytes", "1.5 KB", "9.8 GB"."""
    if size < 1000:
        return "1 byte" if size == 1 else f"{size} bytes"
    for unit, factor in _UNITS:
        value = size / factor
        if round(value, 1) < 1000 or unit == "TB":
            return f"{value:.1f} {unit}".replace(".0 ", " ")
    raise AssertionError("unreachable")


def used_text(used: int, quota: int) -> str:
    return f"{size_text(used)} of {size_text(quota)} used"


def usage(ctx: ServerContext, user_id: str) -> Usage:
    return ctx.meta.quota.usage(user_id, now=ctx.config.clock())


def create_upload(ctx: ServerContext, upload: Upload) -> None:
    """Record a new upload unless it would pass the user's quota or their uploads in progress
    (raises QuotaExceeded, 413, or TooManyUploads, 429)."""
    limits = ctx.config.limits
    try:
        ctx.meta.uploads.create(upload, limits=UploadLimits(limits.quota_bytes, limits.uploads_in_progress),
                                now=ctx.config.clock())
    except TooManyOpen as exc:
        raise TooManyUploads(f"You have {exc.usage.open_uploads} uploads in progress, the most allowed at once; "
                             "finish or cancel some first.") from None
    except OverQuota as exc:
        left = max(0, exc.quota_bytes - exc.usage.used_bytes)
        raise QuotaExceeded(f"Your storage is full for this file: {used_text(exc.usage.used_bytes, exc.quota_bytes)}, "
                            f"and this file needs {size_text(exc.length)} (only {size_text(left)} left). "
                            "Cancel unfinished uploads, or ask whoever runs the server for more space.") from None
