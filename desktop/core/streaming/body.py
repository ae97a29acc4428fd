"""One ranged GET of a blob, read piece by piece; the server's answer is checked against what was asked."""

from __future__ import annotations

import re

import requests
import urllib3

from sync.client import Offline, SyncClient

_CONTENT_RANGE = re.compile(r"bytes ([0-9]{1,19})-([0-9]{1,19})/([0-9]{1,19})")
_LENGTH = re.compile(r"[0-9]{1,19}")
STALL_TIMEOUT = 10.0
"""Seconds without a byte before a connection counts as lost (and is opened again): a player is waiting."""
ODD_ANSWER = ("The server answered a request for part of this file with something else, so it can't be "
              "played while it downloads.")


class BodyRefused(Exception):
    """The server's answer can't be used for streaming; ``str()`` is a sentence for the user."""


class Body:
    """The bytes ``position`` .. ``end`` of a blob of ``size`` bytes, as they come off the wire."""

    def __init__(self, response: requests.Response, position: int, end: int, size: int) -> None:
        self._response = response
        self.position = position
        self.end = end
        self.size = size

    @classmethod
    def open(cls, client: SyncClient, sha256: str, start: int, end: int | None) -> Body:
        """Ask for bytes ``start`` to ``end`` (exclusive; None: to the blob's end).

        Raises Offline, CertificateError, ApiError, BodyRefused (an answer that is not that range).
        """
        spec = f"bytes={start}-" + ("" if end is None else str(end - 1))
        response = client.request("GET", f"/v1/media/{sha256}", headers={"Range": spec}, stream=True,
                                  timeout=STALL_TIMEOUT)
        try:
            first, stop, size = _answered(response)
            if first != start or stop <= first or (end is not None and stop > end):
                raise BodyRefused(ODD_ANSWER)
        except BodyRefused:
            response.close()
            raise
        return cls(response, first, stop, size)

    def read(self, n: int) -> bytes:
        """The next ``n`` bytes (fewer only at ``end``); raises Offline when the answer breaks off."""
        n = min(n, self.end - self.position)
        try:
            data = self._response.raw.read(n)
        except (urllib3.exceptions.HTTPError, requests.RequestException, OSError) as exc:
            raise Offline(f"The download of {self.position}… was interrupted ({exc.__class__.__name__})") from exc
        if len(data) < n:
            raise Offline("The server stopped sending in the middle of a download.")
        self.position += len(data)
        return bytes(data)

    def close(self) -> None:
        self._response.close()


def _answered(response: requests.Response) -> tuple[int, int, int]:
    """(first byte, end exclusive, blob size) of a 206, or of a 200 that sent the whole blob."""
    if response.status_code == 206:
        match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", "").strip())
        if match is None:
            raise BodyRefused(ODD_ANSWER)
        first, last, size = (int(g) for g in match.groups())
        if not first <= last < size:
            raise BodyRefused(ODD_ANSWER)
        return first, last + 1, size
    length = response.headers.get("Content-Length", "").strip()
    if response.status_code == 200 and _LENGTH.fullmatch(length):
        return 0, int(length), int(length)
    raise BodyRefused(ODD_ANSWER)
