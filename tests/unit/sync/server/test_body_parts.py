"""A request body kept as the parser's pieces: the app gets a lone piece itself, several joined once."""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import RequestResponseCycle

from sync.server.body_parts import BodyParts, _Cycle


def test_a_lone_piece_is_handed_on_itself_and_several_are_joined_in_order() -> None:
    body = BodyParts()
    piece = b"x" * 70_000
    body += piece
    assert len(body) == 70_000 and bytes(body) is piece  # no copy
    body += b""
    body += b"yz"
    assert len(body) == 70_002 and bytes(body) == piece + b"yz"
    assert bytes(BodyParts()) == b"" and len(BodyParts(bytearray(b"ab"))) == 2


def test_a_cycle_keeps_pieces_across_uvicorns_own_assignments() -> None:
    cycle = object.__new__(RequestResponseCycle)
    cycle.body = bytearray()  # what uvicorn's __init__ does
    cycle.__class__ = _Cycle
    first, second = b"a" * 10, b"b" * 20
    cycle.body += first  # what on_body does
    cycle.body += second
    assert len(cycle.body) == 30 and bytes(cycle.body) == first + second
    cycle.body = bytearray()  # what receive does after handing a message on
    assert len(cycle.body) == 0
    cycle.body += second
    assert bytes(cycle.body) is second
