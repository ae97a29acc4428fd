"""An export's own files, written as its messages stream by: the HTML pages and ``messages.json``.

Each goes to a temp file beside it; ``finish`` puts them all in place together, so a cancelled or
failed run leaves the export of the run before (if any) whole, and never half a page.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from desktop.core.db.records import Message
from desktop.core.export import page
from desktop.core.export.page import Heading

JSON_NAME = "messages.json"
FORMAT = {"format": "envelope-conversation-export", "version": 1}


def local_time(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000).astimezone()


def message_json(m: Message, paths: Mapping[str, str | None]) -> dict[str, Any]:
    """A message as ``messages.json`` holds it; ``file`` is the attachment's path in the export, or None."""
    return {
        "id": m.server_id, "sender": m.sender,
        "time": datetime.fromtimestamp(m.created_at / 1000, UTC).isoformat().replace("+00:00", "Z"),
        "state": m.state, "text": m.body,
        "attachments": [{"name": a.name, "kind": a.kind, "mime": a.mime, "size": a.size, "sha256": a.blob,
                         "width": a.width, "height": a.height, "duration_ms": a.duration_ms,
                         "file": paths.get(a.blob), "thumbnail": paths.get(a.thumbnail) if a.thumbnail else None}
                        for a in m.attachments],
    }


class ExportFiles:
    """The pages and ``messages.json`` of one export into ``folder``, ``pages`` pages long."""

    def __init__(self, folder: Path, heading: Heading, conversation: Mapping[str, Any], pages: int) -> None:
        self.folder = folder
        self.heading = heading
        self.pages = pages
        self._temps: dict[Path, Path] = {}  # final name -> temp file
        self._json = self._open(folder / JSON_NAME)
        head = {**FORMAT, "exported_at": heading.exported_at.isoformat(), "conversation": conversation}
        self._json.write(json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "messages": [\n')
        self._first_message = True

    def page(self, number: int, messages: Sequence[Message], paths: Mapping[str, str | None]) -> None:
        """Write page ``number`` (1 holds the oldest messages), its messages oldest first."""
        with self._open(self.folder / page.page_name(number)) as html:
            html.write(page.head(self.heading, number, self.pages))
            last_day = None
            for m in messages:
                when = local_time(m.created_at)
                if when.date() != last_day:
                    html.write(page.day(when))
                    last_day = when.date()
                html.write(page.message(m, when, paths, self.heading.me))
                separator = "" if self._first_message else ",\n"
                self._json.write(separator + json.dumps(message_json(m, paths), ensure_ascii=False))
                self._first_message = False
            html.write(page.foot(number, self.pages))

    def finish(self) -> None:
        """Close ``messages.json`` and put every file in place (fsynced first); raises OSError."""
        self._json.write("\n ]\n}\n")
        self._json.close()
        for final, temp in self._temps.items():
            with open(temp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(temp, final)
        self._temps.clear()

    def discard(self) -> None:
        """Remove the temp files: the export the run before left stays as it was."""
        if not self._json.closed:
            self._json.close()
        for temp in self._temps.values():
            temp.unlink(missing_ok=True)
        self._temps.clear()

    def _open(self, final: Path) -> IO[str]:
        temp = final.with_name(f".{final.name}.{secrets.token_hex(4)}.part")
        self._temps[final] = temp
        return open(temp, "w", encoding="utf-8")  # closed by page() / finish()
