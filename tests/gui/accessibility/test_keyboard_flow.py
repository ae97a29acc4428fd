"""One whole send-and-open flow by keyboard alone: pick a chat, write, attach by pasting, send, open, close."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.ui.viewer.viewer import MediaViewer
from tests.gui.conftest import SAMPLES, Chat

PHOTO = SAMPLES / "photos" / "chelsea.png"


def focused() -> object:
    return QApplication.focusWidget()


def test_a_photo_is_sent_and_opened_with_the_keyboard_alone(chat: Chat, qtbot: QtBot) -> None:
    alice, bob = chat.alice, chat.bob
    other = alice.engine.create_conversation("Book club", ["bob"])
    qtbot.waitUntil(lambda: alice.window.conversations.conversations.row_of(other) is not None, timeout=10_000)
    bob.engine.send(chat.cid, "Send me the photo of Chelsea?", [])
    qtbot.waitUntil(lambda: [m.body for m in alice.rows()] == ["Send me the photo of Chelsea?"], timeout=15_000)
    alice.window.activateWindow()
    qtbot.waitUntil(alice.window.isActiveWindow)
    chats, timeline, editor = alice.window.conversations, alice.timeline, alice.view.composer.editor

    assert focused() is editor  # an opened chat is ready for writing
    qtbot.keyClick(alice.window.windowHandle(), Qt.Key.Key_F6)  # the next pane, round to the first: the chats
    assert focused() is chats
    for _ in range(chats.model().rowCount()):  # the arrows go through the chats, opening each; the focus stays
        qtbot.keyClick(chats, Qt.Key.Key_Down if chats.currentIndex().row() == 0 else Qt.Key.Key_Up)
        assert focused() is chats
        if chats.current_id() == chat.cid:
            break
    assert alice.view.conversation_id == chat.cid

    qtbot.keyClick(chats, Qt.Key.Key_Tab)
    assert focused() is timeline
    assert timeline.currentIndex().row() == 0  # the newest message (a text: no buttons to Tab through)
    qtbot.keyClick(timeline, Qt.Key.Key_Tab)
    assert focused() is editor

    qtbot.keyClicks(editor, "Here she is")
    clip = QMimeData()
    clip.setUrls([QUrl.fromLocalFile(str(PHOTO))])
    QGuiApplication.clipboard().setMimeData(clip)
    qtbot.keyClick(editor, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert alice.view.composer.tray.files == [PHOTO]
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: [m.state for m in alice.rows()] == ["sent", "sent"], timeout=20_000)
    sent = alice.rows()[1]
    assert sent.body == "Here she is" and [a.name for a in sent.attachments] == ["chelsea.jpg"]  # (compressed)

    qtbot.keyClick(editor, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert focused() is timeline
    qtbot.keyClick(timeline, Qt.Key.Key_Down)
    assert timeline.currentIndex().row() == 1
    qtbot.keyClick(timeline, Qt.Key.Key_Return)
    viewers: list[MediaViewer] = []

    def viewer_shown() -> bool:
        viewers[:] = [w for w in QApplication.topLevelWidgets() if isinstance(w, MediaViewer) and w.isVisible()]
        return bool(viewers)

    qtbot.waitUntil(viewer_shown, timeout=5_000)
    viewer = viewers[0]
    assert viewer.current is not None and viewer.current.attachment.blob == sent.attachments[0].blob
    qtbot.waitUntil(lambda: not viewer.canvas.image().isNull(), timeout=10_000)
    assert viewer.canvas.accessibleName() == "Here she is"  # a photo's alternative text: its caption
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not viewer_shown(), timeout=5_000)
