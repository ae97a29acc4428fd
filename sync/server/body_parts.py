"""uvicorn's httptools protocol, but a request body is handed on as the parser's own pieces, not copied twice.

Stock uvicorn appends each piece of a body to a bytearray and gives the app ``bytes()`` of it: two copies
of every byte on the event loop's thread, which held a tus upload to about half of nginx's PUT speed even
for an app that drops the bytes (BENCHMARKS.md, issue 15). Here a request's ``body`` is a list of the pieces
as they came; the app gets the one piece itself, or one joined copy of several. Flow control is uvicorn's
own: it pauses reading once the pieces waiting add up to its high-water mark.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle


class BodyParts:
    """What ``RequestResponseCycle`` does with its body: ``+=`` a piece, ``len``, and ``bytes`` of it all."""

    __slots__ = ("parts", "size")

    def __init__(self, first: bytes | bytearray = b"") -> None:
        self.parts: list[bytes] = [bytes(first)] if first else []
        self.size = len(first)

    def __iadd__(self, piece: bytes) -> BodyParts:
        if piece:
            self.parts.append(piece)
            self.size += len(piece)
        return self

    def __len__(self) -> int:
        return self.size

    def __bytes__(self) -> bytes:
        return self.parts[0] if len(self.parts) == 1 else b"".join(self.parts)


class _Cycle(RequestResponseCycle):
    @property  # type: ignore[override]
    def body(self) -> BodyParts:
        kept = self.__dict__.get("body")
        if not isinstance(kept, BodyParts):
            kept = self.__dict__["body"] = BodyParts(kept or b"")
        return kept

    @body.setter
    def body(self, value: Any) -> None:  # uvicorn sets a new bytearray after each message
        self.__dict__["body"] = value if isinstance(value, BodyParts) else BodyParts(value)


class PartsProtocol(HttpToolsProtocol):
    """``http=`` for ``uvicorn.Config``: each request's cycle keeps its body as ``BodyParts``."""

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        if type(self.cycle) is RequestResponseCycle:  # made just now (queued, or its task not run yet)
            self.cycle.__class__ = _Cycle
