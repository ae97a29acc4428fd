"""What a screen reader says for a message, a chat, a gallery item or a bubble's button: one wording for all."""

from __future__ import annotations

from collections import Counter
from collections.abc import Container, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from desktop.core.db.records import Attachment, Message
from desktop.core.names import display_name, sender_beside
from desktop.core.sending import is_original
from desktop.core.units import size_text
from desktop.ui.style.theme import clock_time, day_label, human_duration, local_datetime

if TYPE_CHECKING:
    from desktop.ui.timeline.model import Transfer

KIND_NOUN = {"image": "Photo", "video": "Video", "audio": "Voice note", "file": "File"}
KIND_PLURAL = {"image": "photos", "video": "videos", "audio": "voice notes", "file": "files"}
STATE_WORDS = {"pending": "sending", "failed": "not sent"}
VISUAL = ("image", "video")


def spoken_list(words: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c" """
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def one_line(text: str) -> str:
    """Text with its line breaks and runs of spaces made single spaces."""
    return " ".join(text.split())


def who(sender: str, me: str) -> str:
    """The sender as said aloud: "you" for the signed-in user, else their name."""
    return "you" if me and sender == me else display_name(sender)


def when(epoch_ms: int) -> str:
    """ "Today at 14:05", "Monday at 09:30", "3 March 2024 at 18:00" """
    return f"{day_label(local_datetime(epoch_ms).date())} at {clock_time(epoch_ms)}"


def counted(attachments: Iterable[Attachment]) -> str:
    """ "3 photos and 1 video" """
    counts: Counter[str] = Counter(a.kind for a in attachments)
    return spoken_list([f"1 {KIND_NOUN[kind].lower()}" if counts[kind] == 1 else f"{counts[kind]} {KIND_PLURAL[kind]}"
                        for kind in KIND_NOUN if counts[kind]])


def attachment_words(a: Attachment) -> str:
    """ "Photo, IMG_2041.jpg, 2.1 MB"; a video or voice note adds its length: "Video, pan.mp4, 303.4 KB, 0:05" """
    parts = [KIND_NOUN.get(a.kind, "File"), a.name, size_text(a.size)]
    if a.kind in ("video", "audio") and a.duration_ms:
        parts.append(human_duration(a.duration_ms))
    return ", ".join(parts)


def content_words(m: Message) -> str:
    """What a message carries in a few words: its text, its one attachment, or its album's count."""
    if not m.attachments:
        return one_line(m.body) or "Empty message"
    if len(m.attachments) == 1:
        return attachment_words(m.attachments[0])
    what = counted(m.attachments)
    return f"Album, {what}" if all(a.kind in VISUAL for a in m.attachments) else what[0].upper() + what[1:]


def message_name(m: Message, *, me: str) -> str:
    """ "alice, 14:02: Photo, IMG_2041.jpg, 2.1 MB" or "you, 14:03: Hello there, not sent" """
    name = f"{who(m.sender, me)}, {clock_time(m.created_at)}: {content_words(m)}"
    state = STATE_WORDS.get(m.state)
    return f"{name}, {state}" if state else name


def message_description(m: Message, *, transfers: Mapping[str, Transfer], cached: Container[str]) -> str:
    """The details after the name: caption, album, "Original", transfers, why it was not sent, the day."""
    several = len(m.attachments) > 1
    parts = []
    if m.attachments and m.body.strip():
        parts.append(f"Caption: {one_line(m.body)}")
    if several:
        parts.append(f"Album of {counted(m.attachments)}: {', '.join(a.name for a in m.attachments)}")
    for a in m.attachments:
        parts += attachment_state(a, transfers.get(a.blob), a.blob in cached, named=several)
    if m.state == "failed":
        parts.append(f"Not sent: {m.error}" if m.error else "Not sent")
    parts.append(when(m.created_at))
    return ". ".join(parts) + "."


def attachment_state(a: Attachment, t: Transfer | None, cached: bool, *, named: bool) -> list[str]:
    """ "Original", "Downloading: 1.2 MB of 3.4 MB, 2.0 MB/s · 1 s left", "Not downloaded yet"… """
    of = f" {a.name}" if named else ""
    parts = [f"Original{of}"] if is_original(a) else []
    if t is not None and t.active:
        verb = "Uploading" if t.direction == "up" else "Downloading"
        parts.append(f"{verb}{of}: {t.bytes_text}, {t.rate_text}")
    elif t is not None and t.error and not t.cancelled:
        noun = "upload" if t.direction == "up" else "download"
        parts.append(f"The {noun}{' of' + of if named else ''} failed: {t.error}")
    elif t is not None and t.cancelled:
        parts.append(f"Transfer{' of' + of if named else ''} stopped")
    elif not cached:
        parts.append(f"{a.name if named else 'It'} is not downloaded yet")
    return parts


def arrivals_sentence(messages: Sequence[Message], me: str) -> str:
    """ "New message from bob: Hello", or "3 new messages from bob and carol" """
    if not messages:
        return ""
    if len(messages) == 1:
        m = messages[0]
        return f"New message from {who(m.sender, me)}: {content_words(m)}"
    senders = list(dict.fromkeys(who(m.sender, me) for m in messages))
    return f"{len(messages)} new messages from {spoken_list(senders)}"


def action_words(action: str, a: Attachment | None) -> str:
    """A bubble's button said aloud: "Download chelsea.pdf", "Retry sending"."""
    name = a.name if a is not None else ""
    noun = KIND_NOUN.get(a.kind, "File").lower() if a is not None else ""
    words = {
        "media": f"View {noun} {name}", "play": f"Play or pause {noun} {name}", "download": f"Download {name}",
        "open": f"Open {name}", "save": f"Save {name} as…", "cancel": f"Stop the transfer of {name}",
        "retry_down": f"Retry the download of {name}", "retry_send": "Retry sending",
        "speed": "Playback speed of voice notes",
    }
    return words.get(action, action)


def preview_line(preview: str, kind: str, sender: str, me: str) -> str:
    """A chat's last message as its row shows it: "You: Photo · beach.jpg", "Voice note", "See you"."""
    if kind in KIND_NOUN and not preview:
        preview = KIND_NOUN[kind]
    elif kind in ("image", "video", "audio") and preview:
        preview = f"{KIND_NOUN[kind]} · {preview}"
    if sender and sender == me:
        preview = f"You: {preview}"
    return one_line(preview)


def conversation_name(title: str, *, unread: int, line: str, time: str, request_from: str | None) -> str:
    """ "Weekend trip, 2 unread, bob: Photo, 14:02"; a request says from whom, unless its title does."""
    parts = [title]
    if request_from is not None:
        inviter = sender_beside(title, request_from)
        parts.append(f"request from {inviter}" if inviter else "request")
    if unread:
        parts.append(f"{unread} unread")
    parts += [p for p in (line, time) if p]
    return ", ".join(parts)


def conversation_description(members: Iterable[str], me: str, *, pinned: bool, request: bool) -> str:
    """ "With bob and carol. Media kept on this computer." """
    others = [display_name(m) for m in members if m != me]
    parts = [f"With {spoken_list(others)}" if others else "Just you"]
    if pinned:
        parts.append("Media kept on this computer")
    if request:
        parts.append("Accept it to download its photos and files")
    return ". ".join(parts) + "."


def alt_text(a: Attachment, caption: str) -> str:
    """A picture's alternative text: its message's caption, else its file name."""
    return one_line(caption) or a.name


def media_item_name(a: Attachment, caption: str) -> str:
    """A gallery item: "Photo, Sunset at the pier" (its alt text), "Video, pan.mp4, 0:05", "File, a.pdf, 21.6 KB"."""
    if a.kind not in VISUAL:
        return attachment_words(a)
    parts = [KIND_NOUN[a.kind], alt_text(a, caption)]
    if a.duration_ms:
        parts.append(human_duration(a.duration_ms))
    return ", ".join(parts)


def media_item_description(a: Attachment, *, sender: str, me: str, created_at: int, cached: bool) -> str:
    """ "IMG_2041.jpg, 2.1 MB. From alice, Today at 14:02. It is not downloaded yet." """
    parts = [f"{a.name}, {size_text(a.size)}" if a.kind in VISUAL else "",
             f"From {who(sender, me)}, {when(created_at)}"]
    if not cached:
        parts.append("It is not downloaded yet")
    return ". ".join(p for p in parts if p) + "."
