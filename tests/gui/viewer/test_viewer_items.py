"""The viewer's items are messages, not blobs; what it shows stays in the cache while it is shown."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.core.db.records import MediaItem
from desktop.ui.bridge import EngineBridge
from desktop.ui.viewer.viewer import MediaViewer
from tests.gui.conftest import SAMPLES, AppUser, Chat

PHOTO = SAMPLES / "photos/chelsea.png"
VIDEO = SAMPLES / "video/hubble_pan.mp4"
VOICE = SAMPLES / "audio/voice_note.m4a"
KINDS = ("image", "video", "audio")


def open_viewer(qtbot: QtBot, bridge: EngineBridge, cid: str, sha: str, *, message_id: int | None = None
                ) -> MediaViewer:
    viewer = MediaViewer(bridge, cid, sha, message_id=message_id)
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitExposed(viewer)
    return viewer


def media_once_sent(qtbot: QtBot, user: AppUser, cid: str, count: int) -> list[MediaItem]:
    """``user``'s media of the conversation, newest first, once ``count`` items are there and sent."""
    def ready() -> bool:
        items = user.engine.db.messages.media(cid, KINDS)
        messages = [user.engine.db.messages.get(i.message_id) for i in items]
        return len(items) == count and all(m is not None and m.state == "sent" for m in messages)

    qtbot.waitUntil(ready, timeout=20_000)
    return user.engine.db.messages.media(cid, KINDS)


def test_the_same_photo_from_two_people_opens_the_one_clicked(chat: Chat, qtbot: QtBot) -> None:
    chat.alice.engine.send(chat.cid, "", [PHOTO], as_file=True)
    media_once_sent(qtbot, chat.bob, chat.cid, 1)
    chat.bob.engine.send(chat.cid, "", [VOICE])
    chat.bob.engine.send(chat.cid, "", [PHOTO], as_file=True)  # the same bytes again, from Bob
    later, voice, earlier = media_once_sent(qtbot, chat.alice, chat.cid, 3)
    assert earlier.attachment.blob == later.attachment.blob and earlier.message_id != later.message_id

    viewer = open_viewer(qtbot, chat.alice.bridge, chat.cid, earlier.attachment.blob, message_id=earlier.message_id)
    assert viewer.current == earlier
    assert viewer.counter.text() == "1 of 3" and viewer.subtitle.text().startswith("alice · ")
    viewer.show_newer()
    assert viewer.current == voice and viewer.counter.text() == "2 of 3"
    viewer.show_newer()
    assert viewer.current == later and viewer.counter.text() == "3 of 3"
    assert viewer.subtitle.text().startswith("bob · ")

    newest = open_viewer(qtbot, chat.alice.bridge, chat.cid, later.attachment.blob, message_id=later.message_id)
    assert newest.current == later and newest.counter.text() == "3 of 3"


def test_a_video_larger_than_the_cache_plays_while_shown_and_goes_when_closed(chat: Chat, qtbot: QtBot) -> None:
    bob = chat.bob
    bob.engine.db.settings.set("cache_limit_bytes", 200_000)  # the video is 303 KB
    sha = chat.alice.engine.send(chat.cid, "", [VIDEO]).attachments[0].blob
    media_once_sent(qtbot, bob, chat.cid, 1)
    downloads: list[str] = []
    bob.bridge.transfer_finished.connect(lambda s, direction, _e, _c: downloads.append(s) if s == sha else None)
    viewer = open_viewer(qtbot, bob.bridge, chat.cid, sha)
    qtbot.waitUntil(lambda: downloads == [sha], timeout=20_000)  # played while it came
    assert viewer.stage.currentWidget() is viewer.player and bob.engine.media_path(sha) is not None  # kept while shown
    assert bob.engine.cache.evict() == []
    viewer.close()
    qtbot.waitUntil(lambda: bob.engine.media_path(sha) is None, timeout=10_000)  # then the limit applies


def test_clicking_either_copy_in_the_timeline_or_the_gallery_opens_that_message(chat: Chat, qtbot: QtBot) -> None:
    """The same bytes sent twice: a click on the earlier bubble (or gallery cell) opens the earlier message."""
    from PySide6.QtWidgets import QApplication

    from desktop.ui.gallery.gallery import GalleryDialog
    from desktop.ui.gallery.model import Roles as GalleryRoles
    from tests.gui.conftest import wait_until_open
    from tests.gui.test_main_window import media_centre

    chat.alice.engine.send(chat.cid, "", [PHOTO], as_file=True)
    media_once_sent(qtbot, chat.bob, chat.cid, 1)
    chat.bob.engine.send(chat.cid, "", [PHOTO], as_file=True)
    _later, earlier = media_once_sent(qtbot, chat.alice, chat.cid, 2)
    alice = chat.alice
    wait_until_open(qtbot, alice, chat.cid)
    qtbot.waitUntil(lambda: alice.model.index_of(earlier.message_id) is not None, timeout=10_000)
    assert alice.timeline.click_at(media_centre(alice, earlier.message_id))
    viewers = [w for w in QApplication.topLevelWidgets() if isinstance(w, MediaViewer) and w.isVisible()]
    assert [v.current for v in viewers] == [earlier]
    for viewer in viewers:
        viewer.close()

    gallery = GalleryDialog(alice.bridge, chat.cid)
    qtbot.addWidget(gallery)
    model = gallery.media_model
    qtbot.waitUntil(lambda: model.rowCount() == 2)
    row = next(r for r in range(2) if model.index(r).data(GalleryRoles.MESSAGE_ID) == earlier.message_id)
    opened = gallery.open_media(model.index(row))
    assert opened is not None and opened.current == earlier
