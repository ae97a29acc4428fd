"""Saving a copy of a blob out of Envelope: from the cache, or streamed from the server straight into
the target when the blob is not cached (what does not fit the cache never passes through it)."""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.core.errors import CorruptDownload, NotSignedIn, UserFacingError
from desktop.core.events import TransferFinished, TransferProgress
from sync.client import ApiError, Cancelled, CertificateError, Offline

if TYPE_CHECKING:
    from desktop.core.downloads import Downloads

HASH_BLOCK = 1 << 20


class SaveFailed(UserFacingError):
    """A copy of a blob could not be written out (offline, cancelled, refused); nothing was left behind."""


def save(downloads: Downloads, sha256: str, target: Path, *, private: bool = False) -> Path:
    """Write the blob's bytes to ``target`` and return it; blocking, so call it off the GUI thread.

    A cached blob is copied, held meanwhile so eviction cannot take it halfway. Otherwise it is
    streamed from the server into ``target``'s folder, with TransferProgress/TransferFinished as
    for any download (``cancel_transfer`` stops it), checked against its name, and never enters
    the cache. The file appears whole or not at all: a temp file beside it, renamed; ``private``
    makes it owner-only (0600). Raises SaveFailed, NotSignedIn, CorruptDownload, OSError.
    """
    target = Path(target)
    temp = target.with_name(f".{target.name[:80]}.{secrets.token_hex(4)}.part")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o666)
    os.close(fd)
    try:
        with downloads.engine.cache.held(sha256):
            cached = downloads.engine.cache.path(sha256)
            if cached is not None:
                _copy(cached, temp)
            else:
                _stream(downloads, sha256, temp)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return target


def _stream(downloads: Downloads, sha: str, dest: Path) -> None:
    engine = downloads.engine
    if engine.client is None:
        raise NotSignedIn()
    downloads.uncancel(sha)
    try:
        engine.client.download(sha, dest, cancelled=lambda: downloads.is_cancelled(sha),
                               progress=lambda done, total: engine.emit(TransferProgress(sha, "down", done, total)))
        actual = sha256_of(dest)
        if actual != sha:
            raise CorruptDownload(sha, actual)
    except Cancelled as exc:
        engine.emit(TransferFinished(sha, "down", error="Cancelled.", cancelled=True))
        raise SaveFailed("The download was cancelled; nothing was saved.") from exc
    except Offline as exc:
        engine.emit(TransferFinished(sha, "down", error=str(exc)))
        engine.went_offline(str(exc))
        raise SaveFailed("The server can't be reached, so the file couldn't be downloaded; "
                         "try again when you're online.") from exc
    except CertificateError as exc:
        engine.emit(TransferFinished(sha, "down", error=str(exc)))
        engine.certificate_refused(exc)
        raise SaveFailed(str(exc)) from exc
    except ApiError as exc:
        engine.emit(TransferFinished(sha, "down", error=exc.message))
        raise
    except CorruptDownload as exc:
        engine.emit(TransferFinished(sha, "down", error=str(exc)))
        raise
    engine.emit(TransferFinished(sha, "down"))


def _copy(source: Path, dest: Path) -> None:
    with open(source, "rb") as src, open(dest, "wb") as out:
        shutil.copyfileobj(src, out, HASH_BLOCK)
        out.flush()
        os.fsync(out.fileno())


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()
