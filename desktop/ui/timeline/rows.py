"""The messages a TimelineModel holds, oldest first, with each row's day break and group start (no Qt).

The model holds a window of the conversation, not all of it: rows come in a page at a time at either
end and leave at the far end, so what Qt lays out stays a few hundred rows whatever the conversation's
length. This class keeps the window's lists in step; the model says which rows come and go, and when.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from desktop.core.db.records import Message
from desktop.ui.style.theme import local_datetime

GROUP_GAP_MS = 5 * 60 * 1000


class RowFlags(NamedTuple):
    """A row's place among its neighbours, worked out when the row or its neighbour changes.

    ``stamp`` (message id, hash of the message and flags) changes whenever the row's message or flags
    change, and is the same for the same row in a new model: a delegate keys its geometry on it.
    """

    day_break: bool
    first_in_group: bool
    stamp: tuple[int, int]


class Rows:
    """Messages in ``sort_key`` order with their keys, days and flags, found by id or by attachment sha256."""

    def __init__(self, me: str, group: bool) -> None:
        self.me, self.group = me, group
        self.messages: list[Message] = []
        self.keys: list[int] = []
        self.days: list[date] = []
        self.flags: list[RowFlags] = []
        self._row_of: dict[int, int] | None = {}
        self.by_sha: dict[str, set[int]] = {}  # blob or thumbnail sha256 -> ids of the rows that show it

    def __len__(self) -> int:
        return len(self.messages)

    def row_of(self, message_id: int) -> int | None:
        if self._row_of is None:
            self._row_of = {m.id: i for i, m in enumerate(self.messages)}
        return self._row_of.get(message_id)

    def put(self, row: int, messages: Sequence[Message]) -> None:
        """Insert ``messages`` (in order) at ``row``; flags are worked out for them and the row after."""
        self.messages[row:row] = messages
        self.keys[row:row] = [m.sort_key for m in messages]
        self.days[row:row] = [local_datetime(m.created_at).date() for m in messages]
        self.flags[row:row] = [RowFlags(False, False, (0, 0))] * len(messages)
        self._row_of = None
        for m in messages:
            self.index_shas(m)
        self.restamp(row, row + len(messages) + 1)

    def replace(self, row: int, m: Message) -> None:
        """The row's message changed in place (its order did not): it and the row after are worked out again."""
        self.messages[row] = m
        self.keys[row] = m.sort_key
        self.days[row] = local_datetime(m.created_at).date()
        self.index_shas(m)
        self.restamp(row, row + 2)

    def take(self, first: int, stop: int) -> None:
        """Remove rows ``first`` to ``stop - 1``; the row that comes up to ``first`` is worked out again."""
        for m in self.messages[first:stop]:
            self._forget_shas(m)
        del self.messages[first:stop], self.keys[first:stop], self.days[first:stop], self.flags[first:stop]
        self._row_of = None
        self.restamp(first, first + 1)

    def clear(self) -> None:
        self.take(0, len(self.messages))
        self.by_sha.clear()

    def index_shas(self, m: Message) -> None:
        for a in m.attachments:
            for sha in (a.blob, a.thumbnail):
                if sha:
                    self.by_sha.setdefault(sha, set()).add(m.id)

    def _forget_shas(self, m: Message) -> None:
        for a in m.attachments:
            for sha in (a.blob, a.thumbnail):
                if sha and (ids := self.by_sha.get(sha)) is not None:
                    ids.discard(m.id)
                    if not ids:
                        del self.by_sha[sha]

    def restamp(self, first: int, stop: int) -> None:
        """Work out the day break and group start of rows ``first`` to ``stop - 1`` (the rows above are right)."""
        rows, days, flags = self.messages, self.days, self.flags
        for row in range(max(0, first), min(stop, len(rows))):
            cur = rows[row]
            if row == 0:
                day_break = first_in_group = True
            else:
                prev = rows[row - 1]
                day_break = days[row] != days[row - 1]
                first_in_group = (day_break or prev.sender != cur.sender
                                  or cur.created_at - prev.created_at > GROUP_GAP_MS)
            stamp = hash((cur, cur.sender == self.me, self.group, day_break, first_in_group))
            flags[row] = RowFlags(day_break, first_in_group, (cur.id, stamp))
