"""Files sent together: photos and videos as albums of up to ten, other files alone, the text with the first."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pytest

from desktop.core.albums import ALBUM_LIMIT, group, send_files
from desktop.core.db.records import Attachment, Message
from desktop.core.sending import COMPRESSED_MAX_EDGE, is_original
from tests.samples import sample

PHOTOS = [sample("photos/chelsea.png"), sample("photos/hubble_deep_field.jpg"), sample("photos/rocket.jpg")]
VIDEO = sample("video/hubble_pan.mp4")
PDF = sample("files/chelsea.pdf")
VOICE = sample("audio/voice_note.m4a")


class Outbox:
    """Stands in for ``Engine.send`` bound to a conversation: records each message it is asked to write."""

    def __init__(self, *failures: OSError) -> None:
        self.sent: list[tuple[str, list[str]]] = []
        self.failures = list(failures)  # raised by the first calls, one each, instead of writing

    def __call__(self, body: str, paths: list[Path]) -> Message:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((body, [p.name for p in paths]))
        return Message(id=len(self.sent), client_id=f"c{len(self.sent)}", server_id=None, conversation_id="c",
                       sender="alice", body=body, seq=None, sort_key=len(self.sent), state="pending", created_at=0)


def test_photos_and_videos_gather_into_albums_and_other_files_go_alone() -> None:
    items = [("doc", "file"), ("p1", "image"), ("voice", "audio"), ("p2", "image"), ("clip", "video")]
    assert group(items) == [["doc"], ["p1", "p2", "clip"], ["voice"]]  # by each message's first file
    assert group([]) == []


def test_twelve_photos_make_an_album_of_ten_and_one_of_two() -> None:
    photos = [(f"p{i}", "image") for i in range(12)]
    albums = group(photos)
    assert [len(a) for a in albums] == [ALBUM_LIMIT, 2] == [10, 2]
    assert [p for album in albums for p in album] == [p for p, _ in photos]  # nothing lost, nothing reordered


def test_real_files_are_told_apart_by_their_content_and_the_text_goes_with_the_first(tmp_path: Path) -> None:
    disguised = tmp_path / "holiday.pdf"  # a photo with a document's name is still a photo
    shutil.copy(PHOTOS[0], disguised)
    outbox = Outbox()
    result = send_files(outbox, "from the trip", [PDF, PHOTOS[1], VOICE, disguised, VIDEO, PHOTOS[2]])
    assert outbox.sent == [
        ("from the trip", ["chelsea.pdf"]),
        ("", ["hubble_deep_field.jpg", "holiday.pdf", "hubble_pan.mp4", "rocket.jpg"]),
        ("", ["voice_note.m4a"]),
    ]
    assert len(result.messages) == 3 and result.unreadable == []


def test_a_file_gone_before_sending_is_left_out_of_its_album_and_named(tmp_path: Path) -> None:
    gone = tmp_path / "gone.jpg"
    outbox = Outbox()
    result = send_files(outbox, "three of them", [PHOTOS[0], gone, PHOTOS[1]])
    assert outbox.sent == [("three of them", ["chelsea.png", "hubble_deep_field.jpg"])]
    assert [(p.name, type(e)) for p, e in result.unreadable] == [("gone.jpg", FileNotFoundError)]


def test_a_file_gone_while_its_album_is_written_is_left_out_and_the_rest_goes(tmp_path: Path) -> None:
    vanishing = tmp_path / "vanishing.png"
    shutil.copy(PHOTOS[0], vanishing)

    class Vanishes(Outbox):
        def __call__(self, body: str, paths: list[Path]) -> Message:
            if vanishing.exists():  # deleted between the look at its kind and the copy into the cache
                vanishing.unlink()
                raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(vanishing))
            return super().__call__(body, paths)

    outbox = Vanishes()
    result = send_files(outbox, "caption", [vanishing, PHOTOS[1], PHOTOS[2]])
    assert outbox.sent == [("caption", ["hubble_deep_field.jpg", "rocket.jpg"])]
    assert [p.name for p, _ in result.unreadable] == ["vanishing.png"]


def test_trouble_that_is_not_a_file_fails_that_message_and_the_text_moves_on() -> None:
    outbox = Outbox(OSError(errno.ENOSPC, "No space left on device"))
    result = send_files(outbox, "caption", [PHOTOS[0], PHOTOS[1], PDF])
    assert outbox.sent == [("caption", ["chelsea.pdf"])]  # the album could not be written: the text goes on
    assert [p.name for p, _ in result.unreadable] == ["chelsea.png", "hubble_deep_field.jpg"]
    assert result.unreadable[0][1].errno == errno.ENOSPC


def test_text_alone_goes_when_no_file_can(tmp_path: Path) -> None:
    outbox = Outbox()
    result = send_files(outbox, "still here", [tmp_path / "missing.png"])
    assert outbox.sent == [("still here", [])] and len(result.unreadable) == 1
    assert send_files(Outbox(), "", []).messages == []


@pytest.mark.parametrize(("kind", "width", "height", "as_file", "original"), [
    ("image", 640, 427, True, True),  # the sender's own profile knows
    ("image", 640, 427, False, False),  # a recipient can't tell a small original from a compressed photo
    ("image", COMPRESSED_MAX_EDGE + 1, 2000, False, True),  # larger than a compressed photo can be
    ("image", 2000, COMPRESSED_MAX_EDGE, False, False),
    ("video", 3840, 2160, True, False),  # only photos are marked
])
def test_which_photos_are_marked_original(kind: str, width: int, height: int, as_file: bool, original: bool) -> None:
    a = Attachment("ab" * 32, 6_100_000, f"{kind}/x", "x", kind, width, height, send_as_file=as_file)  # type: ignore[arg-type]
    assert is_original(a) is original
