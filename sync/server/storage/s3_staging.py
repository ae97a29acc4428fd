"""Uploads in progress as S3 multipart uploads, kept wholly in the bucket: any replica resumes any upload.

An upload ``U`` is a multipart upload on the key ``staging/U/data`` plus a small object
``staging/U/state`` (JSON): its multipart upload id, the parts that hold its bytes in order (each
PART_SIZE, the store's minimum or more, since only the last part may be smaller), and ``tail``: the
bytes after the last full part, kept as their own object ``staging/U/tail-N`` until enough arrive
to make a part. The tus offset is the parts' bytes plus the tail's. A commit writes a new tail
object and then the state, one atomic PUT, so what a commit made durable survives a crash anywhere.
Part numbers are never reused, so the state also keeps the one committed before (``previous``):
a crash between our commit and the database's new offset leaves the database one commit behind,
and a writer reopened there goes back to it. An earlier offset inside the tail cuts the tail.

Promoting uploads the tail as the last part and completes the multipart upload into
``staging/U/data`` (marked ``complete`` in the state: a retry does not complete it twice), hashes
it unless the receiver's digest is given, then copies it server-side to ``blobs/<sha256>`` and
deletes the stage. The blob appears whole or not at all; a crash after the copy leaves a stage
whose blob exists, which the next promote or the orphan sweep removes. A stage that is complete
but failed its hash can be promoted again, not written to.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from typing import Any

from sync.blobstore import Blob, CorruptBlob
from sync.server.storage import StagedMissing

PART_SIZE = 5 * 1024 * 1024
LOCKS = 64


def missing(exc: Exception) -> bool:
    """Whether a boto error says the object or the multipart upload is not there."""
    code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
    return code in {"404", "NoSuchKey", "NoSuchUpload", "NotFound"}


def _view(state: dict[str, Any]) -> dict[str, Any]:
    return {"parts": state["parts"], "tail": state["tail"], "tail_size": state["tail_size"]}


def _size(view: dict[str, Any]) -> int:
    return sum(int(part[1]) for part in view["parts"]) + int(view["tail_size"])


class _StageWriter:
    def __init__(self, staging: S3Staging, upload_id: str, state: dict[str, Any], tail: bytes) -> None:
        self._staging, self._id, self._state = staging, upload_id, state
        self._start = (dict(state), tail)
        self._parts: list[list[Any]] = list(state["parts"])
        self._buffer = bytearray(tail)

    def write(self, data: bytes) -> None:
        self._buffer += data
        staging = self._staging
        while len(self._buffer) >= staging.part_size:
            number = self._state["next"]
            self._state["next"] = number + 1
            part = staging.upload_part(staging.data_key(self._id), self._state["mpu"], number,
                                       memoryview(self._buffer)[:staging.part_size])
            self._parts.append([number, staging.part_size, part["ETag"]])
            del self._buffer[:staging.part_size]

    def commit(self) -> None:
        start, _ = self._start
        state = {**self._state, "parts": self._parts, "previous": _view(start)}
        self._state = self._staging.put_state(self._id, state, bytes(self._buffer))
        self._start = (dict(self._state), bytes(self._buffer))
        self._staging.drop_tails(self._id, keep={self._state["tail"], start["tail"]})

    def cut_back(self) -> None:
        start, tail = self._start
        self._state = {**start, "next": self._state["next"]}  # part numbers are never reused
        self._parts, self._buffer = list(start["parts"]), bytearray(tail)
        self._staging.put_json(self._id, self._state)

    def close(self) -> None:
        self._buffer = bytearray()


class S3Staging:
    def __init__(self, s3: Any, bucket: str, prefix: str, *, part_size: int = PART_SIZE) -> None:
        self.s3, self.bucket, self.prefix, self.part_size = s3, bucket, prefix, part_size
        self._locks = [threading.Lock() for _ in range(LOCKS)]

    # -- keys and small objects --------------------------------------------------------------------
    def stage_key(self, upload_id: str, name: str = "") -> str:
        if not upload_id.isalnum() or not upload_id.isascii():
            raise StagedMissing(upload_id)
        return f"{self.prefix}staging/{upload_id}/{name}"

    def data_key(self, upload_id: str) -> str:
        return self.stage_key(upload_id, "data")

    def state(self, upload_id: str) -> dict[str, Any]:
        """Raises StagedMissing."""
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=self.stage_key(upload_id, "state"))["Body"]
        except Exception as exc:
            if missing(exc):
                raise StagedMissing(upload_id) from None
            raise
        with body:
            state: dict[str, Any] = json.loads(body.read())
            return state

    def put_json(self, upload_id: str, state: dict[str, Any]) -> None:
        state["touched"] = time.time()
        self.s3.put_object(Bucket=self.bucket, Key=self.stage_key(upload_id, "state"),
                           Body=json.dumps(state).encode(), ContentType="application/json")

    def put_state(self, upload_id: str, state: dict[str, Any], tail: bytes) -> dict[str, Any]:
        """Write ``tail`` as a new object, then the state that names it (the atomic step)."""
        key = self.stage_key(upload_id, f"tail-{uuid.uuid4().hex}") if tail else None
        if key is not None:
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=tail)
        state = {**state, "tail": key, "tail_size": len(tail)}
        self.put_json(upload_id, state)
        return state

    def read_tail(self, view: dict[str, Any], upload_id: str, length: int) -> bytes:
        if length == 0:
            return b""
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=view["tail"], Range=f"bytes=0-{length - 1}")["Body"]
        except Exception as exc:
            if missing(exc):
                raise StagedMissing(upload_id) from None
            raise
        with body:
            data: bytes = body.read()
        if len(data) != length:
            raise StagedMissing(upload_id)
        return data

    def drop_tails(self, upload_id: str, keep: set[str | None]) -> None:
        for key in self._listed(self.stage_key(upload_id, "tail-")):
            if key not in keep:
                self.s3.delete_object(Bucket=self.bucket, Key=key)

    def _listed(self, prefix: str) -> list[str]:
        keys = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            keys += [item["Key"] for item in page.get("Contents", [])]
        return keys

    def upload_part(self, key: str, upload_id: str, number: int, data: memoryview) -> dict[str, Any]:
        part = self.s3.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number,
                                   Body=bytes(data))
        return {"PartNumber": number, "ETag": part["ETag"]}

    def complete(self, key: str, upload_id: str, parts: list[dict[str, Any]]) -> None:
        self.s3.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id,
                                          MultipartUpload={"Parts": parts})

    # -- the staging interface -----------------------------------------------------------------------
    def stage_create(self, upload_id: str) -> None:
        mpu = self.s3.create_multipart_upload(Bucket=self.bucket, Key=self.data_key(upload_id))["UploadId"]
        self.put_json(upload_id, {"mpu": mpu, "parts": [], "tail": None, "tail_size": 0, "next": 1,
                                  "previous": None})

    def stage_writer(self, upload_id: str, offset: int) -> _StageWriter:
        state = self.state(upload_id)
        if state.get("complete"):
            raise StagedMissing(upload_id)  # its multipart upload is closed: nothing can be added
        for view in (_view(state), state.get("previous")):
            if view is not None and _size(view) - view["tail_size"] <= offset <= _size(view):
                break
        else:
            raise StagedMissing(upload_id)  # the bytes before the offset are not all there
        tail = self.read_tail(view, upload_id, offset - (_size(view) - view["tail_size"]))
        if offset != _size(state):  # back to an earlier offset: that is the stage now
            state = self.put_state(upload_id, {**state, "parts": view["parts"], "previous": None}, tail)
        return _StageWriter(self, upload_id, state, tail)

    def stage_promote(self, upload_id: str, sha256: str, *, length: int, digest: str | None) -> Blob:
        with self._locks[hash(upload_id) % LOCKS]:  # requests racing here: one files, the others find it gone
            state = self.state(upload_id)
            target = self.blob_key(sha256)
            if self.exists(sha256):  # the same bytes were stored meanwhile, or a crash came after the copy
                self.stage_delete(upload_id)
                return Blob(sha256, length)
            if _size(state) != length:
                raise CorruptBlob(sha256, f"({_size(state)} bytes staged, not {length})")
            if digest is not None and digest != sha256:
                raise CorruptBlob(sha256, digest)
            data = self.data_key(upload_id)
            if not state.get("complete"):
                self._complete_stage(upload_id, state)
            if digest is None:
                digest = self._hash(data)
                if digest != sha256:
                    raise CorruptBlob(sha256, digest)
            self.s3.copy({"Bucket": self.bucket, "Key": data}, self.bucket, target)
            self.stage_delete(upload_id)
            return Blob(sha256, length)

    def _complete_stage(self, upload_id: str, state: dict[str, Any]) -> None:
        data = self.data_key(upload_id)
        parts = [{"PartNumber": number, "ETag": etag} for number, _size, etag in state["parts"]]
        tail = self.read_tail(state, upload_id, state["tail_size"])
        try:
            if tail or not parts:
                parts.append(self.upload_part(data, state["mpu"], state["next"], memoryview(tail)))
            self.complete(data, state["mpu"], parts)
        except Exception as exc:
            if not missing(exc):
                raise
            try:  # completed by a request that crashed before it could say so
                self.s3.head_object(Bucket=self.bucket, Key=data)
            except Exception as again:
                if missing(again):
                    raise StagedMissing(upload_id) from None
                raise
        self.put_json(upload_id, {**state, "complete": True})

    def _hash(self, key: str) -> str:
        hasher = hashlib.sha256()
        body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"]
        with body:
            for chunk in body.iter_chunks(1024 * 1024):
                hasher.update(chunk)
        return hasher.hexdigest()

    def blob_key(self, sha256: str) -> str:
        raise NotImplementedError

    def exists(self, sha256: str) -> bool:
        raise NotImplementedError

    def stage_delete(self, upload_id: str) -> None:
        data = self.data_key(upload_id)
        uploads = self.s3.list_multipart_uploads(Bucket=self.bucket, Prefix=data).get("Uploads", [])
        for upload in uploads:
            if upload["Key"] == data:
                try:
                    self.s3.abort_multipart_upload(Bucket=self.bucket, Key=data, UploadId=upload["UploadId"])
                except Exception as exc:
                    if not missing(exc):
                        raise
        for key in sorted(self._listed(self.stage_key(upload_id)), key=lambda k: k.endswith("/state")):
            self.s3.delete_object(Bucket=self.bucket, Key=key)  # the state last: a crash leaves it to sweep

    def stage_orphans(self, known: set[str], *, older_than_s: float) -> list[str]:
        now, root = time.time(), f"{self.prefix}staging/"
        ages: dict[str, float] = {}
        for key in self._listed(root):
            upload_id, _, name = key[len(root):].partition("/")
            if name == "state" and upload_id not in known:
                try:
                    ages[upload_id] = now - float(self.state(upload_id).get("touched", 0))
                except StagedMissing:
                    continue
        listing = self.s3.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket, Prefix=root)
        for page in listing:
            for upload in page.get("Uploads", []):  # a crash between creating one and writing its state
                upload_id = upload["Key"][len(root):].partition("/")[0]
                if upload_id not in known and upload_id not in ages:
                    ages[upload_id] = now - upload["Initiated"].timestamp()
        return sorted(upload_id for upload_id, age in ages.items() if age > older_than_s)
