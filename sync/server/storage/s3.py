"""Blob storage in an S3 bucket (SeaweedFS, or any S3-compatible store): objects named by sha256.

A blob ``sha256`` is the object ``<prefix>blobs/<sha256>``, in the clear: the store's own encryption
protects it at rest (SeaweedFS ``-encryptVolumeData``, or S3 SSE), so that a presigned URL can serve
it without our server in the data path (SECURITY.md). Reads are ``GetObject`` with ``Range``, handed
on in pieces of READ_CHUNK. ``put`` streams into a multipart upload of PART_SIZE parts, hashing as it
goes, and completes it only when the bytes hash to their name: the object appears whole or not at all.
Uploads in progress: ``s3_staging``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sync.blobstore import Blob, BlobNotFound, CorruptBlob, check_sha256
from sync.server.storage.again import stored_again
from sync.server.storage.s3_staging import PART_SIZE, S3Staging, missing

READ_CHUNK = 1024 * 1024
PRESIGN_S = 300
"""How long a presigned object URL works: long enough to start a download, short for a bearer URL."""


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str = ""

    @classmethod
    def parse(cls, url: str) -> S3Location:
        """``s3://BUCKET`` or ``s3://BUCKET/PREFIX``; raises ValueError with a sentence."""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"{url!r} is not an S3 location: write it as s3://BUCKET or s3://BUCKET/PREFIX.")
        prefix = parts.path.strip("/")
        return cls(parts.netloc, f"{prefix}/" if prefix else "")


def client(endpoint: str | None) -> Any:
    """A boto3 S3 client for ``endpoint`` (None: AWS itself); credentials from the standard AWS variables."""
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=endpoint or None,
                        region_name=os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
                        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                      retries={"max_attempts": 5, "mode": "standard"},
                                      max_pool_connections=32))


class S3Storage(S3Staging):
    """``BlobStorage`` over one bucket (and key prefix): uploads in progress from the base class, blobs here."""

    def __init__(self, s3: Any, location: S3Location, *, part_size: int = PART_SIZE) -> None:
        super().__init__(s3, location.bucket, location.prefix, part_size=part_size)

    def blob_key(self, sha256: str) -> str:
        check_sha256(sha256)
        return f"{self.prefix}blobs/{sha256}"

    # -- blobs -------------------------------------------------------------------------------------
    def put(self, chunks: Iterable[bytes], *, sha256: str) -> Blob:
        key = self.blob_key(sha256)
        if self.exists(sha256):  # the same bytes again: check them, keep the first copy
            return stored_again(chunks, sha256)
        hasher, size = hashlib.sha256(), 0
        upload_id = self.s3.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]
        try:
            parts: list[dict[str, Any]] = []
            buffer = bytearray()
            for chunk in chunks:
                hasher.update(chunk)
                size += len(chunk)
                buffer += chunk
                while len(buffer) >= self.part_size:
                    parts.append(self.upload_part(key, upload_id, len(parts) + 1, memoryview(buffer)[:self.part_size]))
                    del buffer[:self.part_size]
            if hasher.hexdigest() != sha256:
                raise CorruptBlob(sha256, hasher.hexdigest())
            if buffer or not parts:
                parts.append(self.upload_part(key, upload_id, len(parts) + 1, memoryview(buffer)))
            self.complete(key, upload_id, parts)
        except BaseException:
            self.s3.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            raise
        return Blob(sha256, size)

    def size(self, sha256: str) -> int:
        try:
            return int(self.s3.head_object(Bucket=self.bucket, Key=self.blob_key(sha256))["ContentLength"])
        except Exception as exc:
            if missing(exc):
                raise BlobNotFound(sha256) from None
            raise

    def read_range(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes | memoryview]:
        """Raises BlobNotFound when called, ValueError for a range out of order."""
        total = self.size(sha256)
        end = total if end is None else min(end, total)
        if start < 0 or end < start:
            raise ValueError(f"bad range {start}-{end}")
        if start == end:
            return iter(())
        response = self.s3.get_object(Bucket=self.bucket, Key=self.blob_key(sha256), Range=f"bytes={start}-{end - 1}")
        return self.chunks_of(response["Body"])

    @staticmethod
    def chunks_of(body: Any) -> Iterator[bytes]:
        try:
            yield from body.iter_chunks(READ_CHUNK)
        finally:
            body.close()

    def head(self, sha256: str, size: int) -> bytes:
        return b"".join(self.read_range(sha256, 0, size))

    def exists(self, sha256: str) -> bool:
        try:
            self.size(sha256)
        except BlobNotFound:
            return False
        return True

    def delete(self, sha256: str) -> bool:
        if not self.exists(sha256):
            return False
        self.s3.delete_object(Bucket=self.bucket, Key=self.blob_key(sha256))
        return True

    def presigned_url(self, sha256: str, *, mime: str, disposition: str, expires_in: int = PRESIGN_S) -> str:
        """A URL that reads the blob straight from the store for ``expires_in`` seconds (a bearer URL),
        answered with ``mime`` and ``disposition`` as the server itself would."""
        params = {"Bucket": self.bucket, "Key": self.blob_key(sha256), "ResponseContentType": mime,
                  "ResponseContentDisposition": disposition}
        url: str = self.s3.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)
        return url

def open_s3(url: str, endpoint: str) -> S3Storage:
    """The ``S3Storage`` for ``--storage s3://BUCKET[/PREFIX]`` at ``endpoint`` (AWS when empty), its bucket
    checked now; raises ConfigError with a sentence (a bad location, a bucket we cannot reach)."""
    from sync.server.config import ConfigError

    try:
        location = S3Location.parse(url)
    except ValueError as exc:
        raise ConfigError(f"--storage: {exc}") from None
    s3 = client(endpoint)
    where = f"The bucket {location.bucket!r} at {endpoint or 'AWS S3'}"
    try:
        s3.head_bucket(Bucket=location.bucket)
    except Exception as exc:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        if code in {"404", "NoSuchBucket"}:
            raise ConfigError(f"{where} does not exist; create it first.") from None
        if code in {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}:
            raise ConfigError(f"{where} refuses these credentials; check AWS_ACCESS_KEY_ID and "
                              "AWS_SECRET_ACCESS_KEY.") from None
        raise ConfigError(f"{where} cannot be reached ({exc}); check --s3-endpoint.") from None
    return S3Storage(s3, location)
