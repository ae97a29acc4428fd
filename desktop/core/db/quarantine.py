"""Feed events the client could not file, kept aside raw so that one event never blocks the feed."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from desktop.core.db.connection import Connections

MAX_ERROR_CHARS = 2000


@dataclass(frozen=True, slots=True)
class QuarantinedEvent:
    """An event as it arrived (``raw`` JSON) and why it could not be filed.

    Syncing again from ``after_cursor`` (None: from the start) serves it again, at ``position`` in
    the page that moved the cursor to ``page_cursor``. ``type`` and ``conversation_id`` are what the
    event claims, when it claims them as text.
    """

    id: int
    received_at: int
    after_cursor: str | None
    page_cursor: str
    position: int
    type: str | None
    conversation_id: str | None
    raw: str
    error: str


class Quarantine:
    """Reached as ``LocalDB.quarantine``; join a page's ``LocalDB.batch()`` to keep it with that page."""

    def __init__(self, conns: Connections, clock: Callable[[], int]) -> None:
        self._conns = conns
        self._clock = clock

    def add(self, raw: Any, *, error: str, after_cursor: str | None, page_cursor: str, position: int) -> int:
        """Keep a feed event (any JSON value) aside with the error that stopped it; returns its row id."""
        claims: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        with self._conns.write() as db:
            cursor = db.execute(
                """INSERT INTO quarantined_events (received_at, after_cursor, page_cursor, position, type,
                       conversation_id, raw, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                [self._clock(), after_cursor, page_cursor, position, _text(claims.get("type")),
                 _text(claims.get("conversation_id")), json.dumps(raw), _text(error[:MAX_ERROR_CHARS])],
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    def all(self) -> list[QuarantinedEvent]:
        """Every event kept aside, oldest first."""
        with self._conns.read() as db:
            return [QuarantinedEvent(**r) for r in db.query("SELECT * FROM quarantined_events ORDER BY id")]


def _text(value: object) -> str | None:
    """``value`` if it is a string, made storable: lone surrogates (valid in JSON) become escapes."""
    if not isinstance(value, str):
        return None
    return value.encode("utf-8", "backslashreplace").decode("utf-8")
