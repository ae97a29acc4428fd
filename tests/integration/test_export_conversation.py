"""Exporting a conversation against the real server: pages, messages.json and each media file once;
escaped text, links that resolve, resumable after a cancel, and long conversations split into pages."""

from __future__ import annotations

import json
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from desktop.core.export import conversation as export_module
from desktop.core.export.conversation import export_conversation
from desktop.core.export.copyout import Progress
from desktop.core.saving import sha256_of
from tests.integration.export_world import Pair, pair
from tests.samples import sample

__all__ = ["pair"]

HOSTILE_TEXT = "Look <script>alert('boo')</script> & <b>bold</b>"


class Links(HTMLParser):
    """Every src, href and poster of a page, the img tags' alt texts, and the names of all tags."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.alts: list[str] = []
        self.posters: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        found = dict(attrs)
        self.targets += [v for k, v in attrs if k in ("src", "href") and v is not None]
        self.posters += [v for k, v in attrs if k == "poster" and v is not None]
        if tag == "img":
            self.alts.append(found.get("alt") or "")


def links_of(page: Path) -> Links:
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def media_files(folder: Path) -> list[Path]:
    return sorted(p for p in (folder / "media").rglob("*") if p.is_file())


def test_an_export_holds_its_pages_messages_and_each_media_file_once(pair: Pair, tmp_path: Path) -> None:
    pair.send(HOSTILE_TEXT)
    pair.send("the sky", sample("photos/hubble_deep_field.jpg"))
    pair.send("", sample("video/hubble_pan.mp4"), sample("audio/voice_note.m4a"))
    pair.send("the form", sample("files/chelsea.pdf"))
    pair.send("the same form, renamed", pair.renamed(sample("files/chelsea.pdf"), "form.pdf"))
    pair.bob.send(pair.cid, "Thanks!")
    parent = tmp_path / "exports"
    (parent / "Weekend trip").mkdir(parents=True)
    (parent / "Weekend trip" / "notes.txt").write_text("someone else's folder")

    outcome = export_conversation(pair.bob, pair.cid, parent)

    folder = parent / "Weekend trip (2)"
    assert outcome.folder == folder and not outcome.cancelled and outcome.failed == []
    assert (parent / "Weekend trip" / "notes.txt").read_text() == "someone else's folder"
    video = next(a for a in pair.attachments() if a.kind == "video")
    blobs = {a.blob for a in pair.attachments()} | {video.thumbnail}  # the video's poster too
    files = media_files(folder)
    assert len(files) == len(blobs) == 5 == outcome.written  # the PDF sent twice is there once
    assert {sha256_of(f) for f in files} == blobs
    assert all(f.parent.name == sha256_of(f)[:16] for f in files)

    html = (folder / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(&#x27;boo&#x27;)&lt;/script&gt;" in html
    links = links_of(folder / "index.html")
    assert "script" not in links.tags and {"img", "video", "audio"} <= links.tags
    assert links.alts == ["hubble_deep_field.jpg"]
    assert f'poster="media/{video.thumbnail[:16]}/hubble_pan%20poster.jpg"' in html  # type: ignore[index]
    for target in links.targets + links.posters:
        path = (folder / unquote(target)).resolve()
        assert path.is_file() and path.is_relative_to(folder), target

    exported = json.loads((folder / "messages.json").read_text(encoding="utf-8"))
    assert exported["conversation"] == {"id": pair.cid, "title": "Weekend trip", "members": ["alice", "bob"]}
    ours = list(reversed(pair.bob.db.messages.page(pair.cid, limit=100)))
    assert [(m["sender"], m["text"]) for m in exported["messages"]] == [(m.sender, m.body) for m in ours]
    for m in exported["messages"]:
        for a in m["attachments"]:
            assert sha256_of(folder / a["file"]) == a["sha256"]
    forms = [a["file"] for m in exported["messages"] for a in m["attachments"] if a["mime"] == "application/pdf"]
    assert len(forms) == 2 and forms[0] == forms[1]


def test_a_cancelled_export_continues_where_it_stopped(pair: Pair, tmp_path: Path) -> None:
    for name in ("photos/hubble_deep_field.jpg", "photos/coffee_with_gps.jpg", "files/chelsea.pdf",
                 "video/hubble_pan.mp4"):
        pair.send("", sample(name))
    cancel = threading.Event()

    def stop_after_two(progress: Progress) -> None:
        if progress.files_done == 2:
            cancel.set()

    first = export_conversation(pair.bob, pair.cid, tmp_path, progress=stop_after_two, cancel=cancel)
    folder = tmp_path / "Weekend trip"
    assert first.cancelled and first.written == 2
    assert not (folder / "index.html").exists() and not (folder / "messages.json").exists()  # never half a page
    assert [p.name for p in folder.iterdir() if p.name.endswith(".part")] == []
    kept = {f: (f.stat().st_ino, f.stat().st_mtime_ns) for f in media_files(folder)}

    second = export_conversation(pair.bob, pair.cid, tmp_path)

    assert second.folder == folder and (second.written, second.already_there) == (3, 2)  # and the video's poster
    assert len(media_files(folder)) == 5 and (folder / "index.html").is_file()
    for f, stamp in kept.items():
        assert (f.stat().st_ino, f.stat().st_mtime_ns) == stamp


def test_a_long_conversation_is_split_into_pages(pair: Pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_module, "PAGE_MESSAGES", 3)
    for n in range(7):
        pair.send(f"message {n}")

    outcome = export_conversation(pair.bob, pair.cid, tmp_path)

    pages = [outcome.folder / name for name in ("index.html", "page-2.html", "page-3.html")]
    assert sorted(p.name for p in outcome.folder.glob("*.html")) == sorted(p.name for p in pages)
    texts = [p.read_text(encoding="utf-8") for p in pages]
    assert [[n for n in range(7) if f"message {n}<" in t] for t in texts] == [[0], [1, 2, 3], [4, 5, 6]]
    assert links_of(pages[0]).targets == ["page-2.html", "page-2.html"]  # no older page: Newer only
    assert links_of(pages[1]).targets == ["index.html", "page-3.html"] * 2
    exported = json.loads((outcome.folder / "messages.json").read_text(encoding="utf-8"))
    assert [m["text"] for m in exported["messages"]] == [f"message {n}" for n in range(7)]
