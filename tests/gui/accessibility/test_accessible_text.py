"""What a screen reader finds: every message and chat has a name and a description, read through Qt's accessibility."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QAccessible
from pytestqt.qtbot import QtBot

from desktop.core.units import size_text
from desktop.ui.style.theme import clock_time, human_duration, list_time
from tests.gui.accessibility.conftest import read_rows
from tests.gui.conftest import SAMPLES, AppUser, Chat
from tests.gui.timeline.test_delete import a_cancelled_upload

WAIT_MS = 20_000


def test_every_message_says_who_when_what_and_its_state(chat: Chat, qtbot: QtBot, tmp_path: Path) -> None:
    alice, bob = chat.alice, chat.bob
    failed = a_cancelled_upload(qtbot, alice, tmp_path)  # notes.bin: "Not sent · Retry", after all that is sent
    bob.engine.send(chat.cid, "Chelsea on the sofa", [SAMPLES / "photos" / "chelsea.png"])
    bob.engine.send(chat.cid, "", [SAMPLES / "photos" / "hubble_deep_field.jpg", SAMPLES / "video" / "hubble_pan.mp4",
                                   SAMPLES / "photos" / "coffee_with_gps.jpg"])
    qtbot.waitUntil(lambda: len(alice.rows()) == 3, timeout=WAIT_MS)
    alice.engine.send(chat.cid, "Hello\nthere", [])
    qtbot.waitUntil(lambda: [m.state for m in alice.rows()] == ["sent", "sent", "sent", "failed"], timeout=WAIT_MS)
    photo, album, text = alice.rows()[:3]
    qtbot.waitUntil(lambda: len(read_rows(alice.timeline)) == 4)

    (photo_name, photo_about), (album_name, album_about), (text_name, text_about), (failed_name, failed_about) = \
        read_rows(alice.timeline)
    chelsea = photo.attachments[0]
    assert photo_name == f"bob, {clock_time(photo.created_at)}: Photo, chelsea.jpg, {size_text(chelsea.size)}"
    assert photo_about.startswith("Caption: Chelsea on the sofa. ") and photo_about.endswith(
        f"Today at {clock_time(photo.created_at)}.")
    assert album_name == f"bob, {clock_time(album.created_at)}: Album, 2 photos and 1 video"
    names = ", ".join(a.name for a in album.attachments)
    assert f"Album of 2 photos and 1 video: {names}" in album_about
    assert text_name == f"you, {clock_time(text.created_at)}: Hello there"
    assert text_about == f"Today at {clock_time(text.created_at)}."
    assert failed_name == f"you, {clock_time(failed.created_at)}: File, notes.bin, 200.0 KB, not sent"
    assert "Not sent" in failed_about

    bob.engine.send(chat.cid, "", [SAMPLES / "audio" / "voice_note.m4a"])
    qtbot.waitUntil(lambda: len(alice.rows()) == 5, timeout=WAIT_MS)  # (before the failed one)
    voice = next(m for m in alice.rows() if m.attachments and m.attachments[0].kind == "audio").attachments[0]
    said = f"Voice note, voice_note.m4a, {size_text(voice.size)}, {human_duration(voice.duration_ms)}"
    assert any(name.endswith(said) for name, _ in read_rows(alice.timeline))


def test_every_chat_says_its_title_unread_last_message_and_time(
        chat: Chat, make_user: Callable[[str], AppUser], qtbot: QtBot) -> None:
    alice, bob = chat.alice, chat.bob
    dave = make_user("dave")
    request = dave.engine.create_conversation("", ["alice"])
    dave.engine.send(request, "Hi, I'm dave from the club", [])
    requests = alice.window.lists.requests
    qtbot.waitUntil(lambda: requests.conversations.row_of(request) is not None, timeout=WAIT_MS)
    club = bob.engine.create_conversation("Book club", ["alice", "dave"])  # (bob and alice talk: not a request)
    bob.engine.send(club, "Chapter 3\nby Friday", [])
    chats = alice.window.conversations
    qtbot.waitUntil(lambda: any(name.startswith("Book club, 1 unread") for name, _ in read_rows(chats)),
                    timeout=WAIT_MS)

    rows = dict(read_rows(chats))
    summary = chats.conversations.summary(chats.conversations.row_of(club) or 0)
    club_name = f"Book club, 1 unread, bob: Chapter 3, {list_time(summary.last_activity_at)}"  # (its first line)
    assert club_name in rows, rows
    assert rows[club_name] == "With bob and dave."
    trip = next(name for name in rows if name.startswith("Weekend trip"))
    assert rows[trip] == "With bob."
    (request_name, request_about), = read_rows(requests)
    assert request_name.startswith("dave, request, 1 unread, Hi, I'm dave from the club, ")
    assert request_about == "With dave. Accept it to download its photos and files."
    assert QAccessible.queryAccessibleInterface(chats).text(QAccessible.Text.Name) == "Chats"
