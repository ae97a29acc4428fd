"""Two real app windows on a real server: drop and paste media, read offline, send while offline."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QPointF, QRectF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QGuiApplication, QImage, QLinearGradient, QPainter
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.ui.timeline.model import Roles
from desktop.ui.viewer.viewer import MediaViewer
from tests.gui.conftest import PASSWORD, SAMPLES, AppUser, Chat, ServerHandle, distinct_colours

PHOTO = SAMPLES / "photos" / "chelsea.png"
PDF = SAMPLES / "files" / "chelsea.pdf"


def kinds(user: AppUser) -> list[str]:
    model = user.window.conversation.model
    if model is None:
        return []
    return [model.data(model.index(r, 0), Roles.KIND) for r in range(model.rowCount())]


def drop_files(user: AppUser, *paths: object) -> None:
    """A real drag-enter then drop of file URLs on the conversation widget."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    target = user.view
    enter = QDragEnterEvent(QPoint(200, 200), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    assert user.view.overlay.isVisible()
    drop = QDropEvent(QPointF(200, 200), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, drop)
    assert drop.isAccepted()
    assert not user.view.overlay.isVisible()


def media_centre(user: AppUser, message_id: int) -> QPointF:
    """Viewport coordinates of the middle of a message's first attachment."""
    timeline = user.timeline
    index = user.model.index_of(message_id)
    timeline.scrollTo(index)
    row_rect = QRectF(timeline.visualRect(index))
    block = timeline.bubbles.layout(index, round(row_rect.width())).blocks[0]
    return block.rect.center() + row_rect.topLeft()


def test_dropped_photo_and_pdf_reach_bob_as_image_and_file_bubbles(chat: Chat, qtbot: QtBot) -> None:
    alice, bob = chat.alice, chat.bob
    drop_files(alice, PHOTO, PDF)
    assert [p.name for p in alice.view.composer.tray.files] == [PHOTO.name, PDF.name]
    alice.view.composer.editor.setFocus()
    qtbot.keyClicks(alice.view.composer.editor, "the cat and her papers")
    qtbot.keyClick(alice.view.composer.editor, Qt.Key.Key_Return)
    assert alice.view.composer.tray.files == []

    qtbot.waitUntil(lambda: kinds(bob) == ["image", "file"], timeout=20_000)
    model = bob.model
    image_row, file_row = model.index(0, 0), model.index(1, 0)
    assert model.data(image_row, Roles.BODY) == "the cat and her papers"
    assert model.data(image_row, Roles.IS_OWN) is False
    photo = model.data(image_row, Roles.ATTACHMENTS)[0]
    assert (photo.width, photo.height) == (451, 300) and photo.thumbnail and photo.blurhash
    assert model.data(file_row, Roles.ATTACHMENTS)[0].name == "chelsea.pdf"
    assert model.data(file_row, Roles.STATE) == "sent"
    assert kinds(alice) == ["image", "file"]
    assert alice.model.data(alice.model.index(0, 0), Roles.IS_OWN) is True

    qtbot.waitUntil(bob.timeline.media_painted, timeout=15_000)  # the real thumbnail, not the blurhash
    shot = bob.timeline.viewport().grab().toImage()
    assert distinct_colours(shot) > 50

    # Bob fetches small photos by himself; while that runs, the middle of the photo is its Cancel button.
    qtbot.waitUntil(lambda: photo.blob in model.data(image_row, Roles.CACHED), timeout=15_000)
    assert bob.timeline.click_at(media_centre(bob, model.data(image_row, Roles.MESSAGE_ID)))
    viewers = [w for w in QApplication.topLevelWidgets() if isinstance(w, MediaViewer)]
    assert viewers, "clicking the photo should open the media viewer"
    for viewer in viewers:
        viewer.close()


def test_pasted_image_is_sent_as_a_photo(chat: Chat, qtbot: QtBot) -> None:
    alice, bob = chat.alice, chat.bob
    image = QImage(320, 200, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    gradient = QLinearGradient(0, 0, 320, 200)
    gradient.setColorAt(0, QColor("#ff8a00"))
    gradient.setColorAt(1, QColor("#2a5bd7"))
    painter.fillRect(image.rect(), gradient)
    painter.end()
    QGuiApplication.clipboard().setImage(image)
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().mimeData().hasImage(), timeout=2_000)

    alice.view.composer.paste()
    files = alice.view.composer.tray.files
    assert len(files) == 1 and files[0].suffix == ".png"
    alice.view.composer.send()

    qtbot.waitUntil(lambda: kinds(bob) == ["image"], timeout=20_000)
    photo = bob.model.data(bob.model.index(0, 0), Roles.ATTACHMENTS)[0]
    assert photo.kind == "image" and (photo.width, photo.height) == (320, 200)


def test_offline_reading_pending_send_and_delivery_after_restart(
    chat: Chat, server: ServerHandle, qtbot: QtBot
) -> None:
    alice, bob = chat.alice, chat.bob
    alice.view.send("before the storm", [PHOTO], False)
    qtbot.waitUntil(lambda: [m.state for m in alice.rows()] == ["sent"], timeout=20_000)
    qtbot.waitUntil(lambda: len(bob.rows()) == 1, timeout=20_000)
    photo = alice.rows()[0].attachments[0]

    server.stop()
    qtbot.waitUntil(lambda: alice.engine.state == "offline", timeout=15_000)
    qtbot.waitUntil(lambda: alice.window.connection.state == "offline", timeout=5_000)
    assert "Offline" in alice.window.connection.label.text()

    # What alice has stays readable: timeline, thumbnail (decoded again from disk), the photo itself.
    alice.window.thumbnails.clear()
    alice.timeline.viewport().update()
    qtbot.waitUntil(alice.timeline.media_painted, timeout=10_000)
    assert alice.engine.media_path(photo.blob) is not None
    assert alice.engine.media_path(photo.thumbnail) is not None
    assert [m.body for m in alice.rows()] == ["before the storm"]

    alice.view.composer.editor.setPlainText("sent while offline")
    alice.view.composer.send()
    qtbot.waitUntil(lambda: len(alice.rows()) == 2, timeout=10_000)
    model = alice.model
    pending = model.index(1, 0)
    assert model.data(pending, Roles.STATE) == "pending"
    assert model.data(pending, Roles.BODY) == "sent while offline"
    assert distinct_colours(alice.timeline.viewport().grab().toImage()) > 20

    server.restart()
    qtbot.waitUntil(lambda: model.data(model.index(1, 0), Roles.STATE) == "sent", timeout=30_000)
    qtbot.waitUntil(lambda: [m.body for m in bob.rows()] == ["before the storm", "sent while offline"],
                    timeout=30_000)
    qtbot.waitUntil(lambda: alice.window.connection.state == "online", timeout=15_000)


def test_shortcuts_open_search_gallery_settings_and_search_jumps(chat: Chat, qtbot: QtBot) -> None:
    alice = chat.alice
    for n in range(3):
        alice.view.send(f"note {n}", [], False)
    qtbot.waitUntil(lambda: [m.state for m in alice.rows()] == ["sent"] * 3, timeout=20_000)
    with qtbot.waitActive(alice.window):
        alice.window.activateWindow()
    editor = alice.view.composer.editor
    editor.setFocus()

    qtbot.keyClick(editor, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: getattr(alice.window, "search_dialog", None) is not None, timeout=5_000)
    alice.window.search_dialog.close()

    first = alice.rows()[0]
    alice.window.search_dialog.message_chosen.emit(first.id, chat.cid)  # what picking a result does
    current = alice.timeline.currentIndex()
    assert current.data(Roles.MESSAGE_ID) == first.id
    assert alice.timeline.selectionModel().isSelected(current)

    alice.window.gallery_action.trigger()
    assert alice.window.gallery_dialog.isVisible()
    alice.window.gallery_dialog.close()
    alice.window.settings_action.trigger()
    assert alice.window.settings_dialog.isVisible()
    alice.window.settings_dialog.close()


def test_signing_out_offers_sign_in_again(alice: AppUser, qtbot: QtBot) -> None:
    alice.window.sign_out()
    question = alice.window.sign_out_question
    assert question is not None  # asked first; "Sign out" confirms
    next(b for b in question.buttons() if b.text() == "Sign out").click()
    qtbot.waitUntil(lambda: alice.window.sign_in_dialog is not None and alice.window.sign_in_dialog.isVisible(),
                    timeout=10_000)
    assert alice.engine.account is not None and alice.engine.account.token is None
    dialog = alice.window.sign_in_dialog
    assert dialog is not None
    dialog.username.setText("alice")
    dialog.password.setText(PASSWORD)
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    account = alice.engine.account
    assert account is not None and account.token is not None
    assert alice.engine.client is not None and alice.engine.client.me().username == "alice"
