"""What the transfers panel says about a transfer, in words a person reads (and a screen reader speaks)."""

from __future__ import annotations

from desktop.core.transfers import Transfer
from desktop.core.units import size_text
from desktop.ui.timeline import progress

CANCELLED = "Cancelled."  # the engine's error of a transfer the user stopped
ARROWS = {"up": "↑", "down": "↓"}
DIRECTIONS = {"up": "Upload", "down": "Download"}
EMPTY = ("Nothing is uploading or downloading right now. Files you send, open or save show here "
         "while they move, and you can pause them here.")


def amount(t: Transfer, done: int) -> str:
    """ "12.5 MB of 200.0 MB", or "12.5 MB" while the size is unknown."""
    return progress.bytes_text(done, t.size) if t.size else size_text(done)


def status(t: Transfer, done: int, rate: float | None, seconds_left: float | None) -> str:
    """The line under the bar: how far, how fast and how long while it runs; else why it is not running."""
    match t.state:
        case "running":
            return f"{amount(t, done)} · {progress.rate_text(rate, seconds_left)}"
        case "queued" | "paused":
            said = "Queued" if t.state == "queued" else "Paused"
            return f"{said} · {amount(t, done)}" if done > 0 else said
        case "waiting":
            return f"Waiting to retry: {t.error or 'the last try failed.'}"
    if t.error == CANCELLED:
        return "Cancelled: the message was not sent." if t.direction == "up" else "Cancelled."
    return f"Failed: {t.error or 'it stopped.'}"


def place(conversation_title: str) -> str:
    """Where an upload goes: "to Weekend trip"."""
    return f"to {conversation_title}"


def heading(t: Transfer) -> str:
    """ "↑ Upload", "↓ Download" """
    return f"{ARROWS[t.direction]} {DIRECTIONS[t.direction]}"


def spoken(t: Transfer, line: str) -> str:
    """The whole row in one sentence for a screen reader: "holiday.mov, upload: Paused · 12.5 MB of 40.0 MB"."""
    return f"{t.name}, {DIRECTIONS[t.direction].lower()}: {line}"


def summary(states: list[str]) -> str:
    """The panel's footer: "2 running · 1 queued · 1 paused"; "" when there is nothing."""
    order = ("running", "waiting", "queued", "paused", "failed")
    said = {"waiting": "waiting to retry"}
    parts = [f"{states.count(s)} {said.get(s, s)}" for s in order if states.count(s)]
    return " · ".join(parts)
