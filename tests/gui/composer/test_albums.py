"""Photos sent together from the composer arrive as one album (ten at most), with the text as its caption."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.core.albums import ALBUM_LIMIT
from tests.gui.conftest import SAMPLES, AppUser, Chat

PHOTOS = [SAMPLES / "photos/hubble_deep_field.jpg", SAMPLES / "photos/portrait_exif6.jpg",
          SAMPLES / "photos/chelsea.png"]
PDF = SAMPLES / "files/chelsea.pdf"


def crops(folder: Path, count: int) -> list[Path]:
    """``count`` different real photos: pieces of the deep field, 320×240 JPEGs."""
    folder.mkdir()
    paths = []
    with Image.open(SAMPLES / "photos/hubble_deep_field.jpg") as field:
        for i in range(count):
            x, y = (i % 4) * 160, (i // 4) * 200
            path = folder / f"field_{i:02}.jpg"
            field.crop((x, y, x + 320, y + 240)).save(path, quality=88)
            paths.append(path)
    return paths


def albums(user: AppUser) -> list[tuple[str, list[str]]]:
    """The open timeline as (text, attachment names) per message."""
    return [(m.body, [a.name for a in m.attachments]) for m in user.rows()]


def test_three_photos_and_a_caption_from_the_composer_are_one_message(chat: Chat, qtbot: QtBot) -> None:
    alice, bob = chat.alice, chat.bob
    composer = alice.view.composer
    composer.add_files([*PHOTOS, PDF])
    qtbot.keyClicks(composer.editor, "Launch day")
    qtbot.keyClick(composer.editor, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: len(alice.rows()) == 2, timeout=15_000)
    album, document = alice.rows()
    assert album.body == "Launch day" and len(album.attachments) == 3  # one message, the text its caption
    assert [a.kind for a in album.attachments] == ["image"] * 3
    assert [a.name for a in album.attachments] == ["hubble_deep_field.jpg", "portrait_exif6.jpg", "chelsea.jpg"]
    assert [a.name for a in document.attachments] == ["chelsea.pdf"] and document.body == ""  # a file goes alone
    qtbot.waitUntil(lambda: albums(bob) == albums(alice), timeout=20_000)
    assert [a.blob for a in bob.rows()[0].attachments] == [a.blob for a in album.attachments]  # in order

    model = bob.model
    lay = bob.timeline.bubbles.layout(model.index(0, 0), bob.timeline.viewport().width())
    cells = [b for b in lay.blocks if b.cell]
    assert [b.attachment.blob for b in cells] == [a.blob for a in album.attachments]
    assert lay.album_rect is not None and all(lay.album_rect.contains(b.rect) for b in cells)
    assert lay.bubble.contains(lay.album_rect)
    assert not any(a.rect.intersects(b.rect) for i, a in enumerate(cells) for b in cells[i + 1:])
    assert sorted(cells, key=lambda b: (round(b.rect.top()), round(b.rect.left()))) == cells
    assert lay.text_rect is not None and lay.text_rect.top() >= lay.album_rect.bottom()
    qtbot.waitUntil(bob.timeline.media_painted, timeout=15_000)  # each cell its own thumbnail


def test_twelve_photos_become_an_album_of_ten_and_one_of_two(chat: Chat, qtbot: QtBot, tmp_path: Path) -> None:
    alice, bob = chat.alice, chat.bob
    photos = crops(tmp_path / "dozen", 12)
    alice.view.send("all twelve", photos, False)
    qtbot.waitUntil(lambda: len(alice.rows()) == 2, timeout=20_000)
    names = [p.name for p in photos]
    assert albums(alice) == [("all twelve", names[:ALBUM_LIMIT]), ("", names[ALBUM_LIMIT:])]
    qtbot.waitUntil(lambda: albums(bob) == albums(alice), timeout=30_000)
    for row, size in ((0, 10), (1, 2)):
        lay = bob.timeline.bubbles.layout(bob.model.index(row, 0), bob.timeline.viewport().width())
        assert len([b for b in lay.blocks if b.cell]) == size
