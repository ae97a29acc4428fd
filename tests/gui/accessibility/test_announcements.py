"""New messages in the open chat are announced to screen readers; one's own, and other chats', are not."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop.core.db.records import Attachment, Message
from desktop.core.units import size_text
from desktop.ui.accessibility.announcer import Announcer, Arrivals
from tests.gui.conftest import SAMPLES, Chat

WAIT_MS = 20_000


def test_a_message_from_someone_else_in_the_open_chat_is_announced(chat: Chat, qtbot: QtBot) -> None:
    alice, bob = chat.alice, chat.bob
    said: list[str] = []
    alice.timeline.announcer.said.connect(said.append)
    club = bob.engine.create_conversation("Book club", ["alice"])
    bob.engine.send(club, "Chapter 3 by Friday", [])  # not the open chat: not announced
    qtbot.waitUntil(lambda: alice.window.conversations.conversations.row_of(club) is not None, timeout=WAIT_MS)
    alice.view.composer.editor.setPlainText("Lunch at one?")
    alice.view.composer.send()  # one's own: not announced
    qtbot.waitUntil(lambda: [m.state for m in alice.rows()] == ["sent"], timeout=WAIT_MS)

    with qtbot.waitSignal(alice.timeline.announcer.said, timeout=WAIT_MS):
        bob.engine.send(chat.cid, "Yes, see you there", [])
    with qtbot.waitSignal(alice.timeline.announcer.said, timeout=WAIT_MS):
        bob.engine.send(chat.cid, "", [SAMPLES / "files" / "chelsea.pdf"])
    size = alice.rows()[-1].attachments[0].size
    assert said == ["New message from bob: Yes, see you there",
                    f"New message from bob: File, chelsea.pdf, {size_text(size)}"]


def test_messages_arriving_together_are_one_sentence(qtbot: QtBot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    arrivals = Arrivals(Announcer(widget), lambda: "alice")

    def message(n: int, sender: str, *attachments: Attachment) -> Message:
        return Message(id=n, client_id=f"c{n}", server_id=f"s{n}", conversation_id="trip", sender=sender, body="hi",
                       seq=n, sort_key=n, state="sent", created_at=1_700_000_000_000, attachments=attachments)

    with qtbot.waitSignal(arrivals.announcer.said) as said:
        for n, sender in enumerate(["bob", "alice", "dave", "bob"]):  # (alice's own is left out)
            arrivals.add(message(n, sender))
    assert said.args == ["3 new messages from bob and dave"]
    photos = [Attachment(f"{n:064x}", 1_000, "image/jpeg", f"IMG_{n}.jpg", "image") for n in range(3)]
    with qtbot.waitSignal(arrivals.announcer.said) as said:
        arrivals.add(message(9, "dave", *photos, Attachment("f" * 64, 9, "video/mp4", "pan.mp4", "video")))
    assert said.args == ["New message from dave: Album, 3 photos and 1 video"]
