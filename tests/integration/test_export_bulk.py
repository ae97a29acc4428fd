"""Bulk save against the real server: cached files copied, the rest downloaded on the way and verified,
names made unique, resumable after a cancel, and a blob the server won't send reported, not fatal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from desktop.core.export.bulk import conversation_media, save_attachments
from desktop.core.export.copyout import Progress
from desktop.core.export.manifest import MANIFEST_NAME
from desktop.core.saving import sha256_of
from tests.integration.conftest import ROOT, wait_for
from tests.integration.export_world import Pair, pair
from tests.integration.test_full_disk import small_disk
from tests.samples import sample

__all__ = ["pair"]

PHOTO = sample("photos/hubble_deep_field.jpg")
OTHER_PHOTO = sample("photos/coffee_with_gps.jpg")
PDF = sample("files/chelsea.pdf")
VIDEO = sample("video/hubble_pan.mp4")


def saved(folder: Path) -> dict[str, str]:
    """The files in ``folder`` (not the manifest) by name, with their sha256."""
    return {p.name: sha256_of(p) for p in folder.iterdir() if p.name != MANIFEST_NAME}


def test_cached_files_are_copied_and_the_rest_downloaded_on_the_way(pair: Pair, tmp_path: Path) -> None:
    pair.send("the sky", PHOTO)
    pair.send("the pan", VIDEO)
    pair.send("the form", PDF)
    items = conversation_media(pair.bob, pair.cid, ("image", "video", "file"))
    assert [i.blob_state for i in items] == ["missing", "missing", "complete"]  # only the photo came at once
    reports: list[Progress] = []

    outcome = save_attachments(pair.bob, tmp_path / "out", [i.attachment for i in items], progress=reports.append)

    assert (outcome.written, outcome.already_there, outcome.failed, outcome.cancelled) == (3, 0, [], False)
    assert saved(tmp_path / "out") == {i.attachment.name: i.attachment.blob for i in items}
    assert sha256_of(tmp_path / "out" / "chelsea.pdf") == sha256_of(PDF)  # the very bytes alice sent
    assert pair.bob.media_path(items[0].attachment.blob) is None  # streamed past the cache, not into it
    total = sum(i.attachment.size for i in items)
    assert reports[0] == Progress(0, 3, 0, total)
    assert reports[-1].files_done == 3 and reports[-1].bytes_done == total
    assert [r.bytes_done for r in reports] == sorted(r.bytes_done for r in reports)


def test_names_are_made_unique_and_a_blob_under_one_name_is_written_once(pair: Pair, tmp_path: Path) -> None:
    first = pair.send("", pair.renamed(PHOTO, "IMG_1.jpg"))
    second = pair.send("", pair.renamed(OTHER_PHOTO, "IMG_1.jpg"))
    pair.send("again", PDF)
    pair.send("and again", PDF)
    out = tmp_path / "out"
    out.mkdir()
    (out / "chelsea.pdf").write_text("the user's own notes, not ours")
    attachments = list(reversed(pair.attachments()))  # oldest first: the first IMG_1.jpg keeps its name

    outcome = save_attachments(pair.bob, out, attachments)

    assert outcome.written == 3
    assert saved(out) == {
        "IMG_1.jpg": first.attachments[0].blob,
        "IMG_1 (2).jpg": second.attachments[0].blob,
        "chelsea.pdf": sha256_of(out / "chelsea.pdf"),
        "chelsea (2).pdf": sha256_of(PDF),  # sent twice, written once, beside the user's file
    }
    assert (out / "chelsea.pdf").read_text() == "the user's own notes, not ours"


def test_a_cancelled_save_continues_without_rewriting_finished_files(pair: Pair, tmp_path: Path) -> None:
    for source in (PHOTO, OTHER_PHOTO, PDF, VIDEO):
        pair.send("", source)
    attachments = pair.attachments()
    out = tmp_path / "out"
    cancel = threading.Event()

    def stop_after_two(progress: Progress) -> None:
        if progress.files_done == 2:
            cancel.set()

    first = save_attachments(pair.bob, out, attachments, progress=stop_after_two, cancel=cancel)
    assert first.cancelled and first.written == 2
    finished = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.iterdir() if p.name != MANIFEST_NAME}
    assert len(finished) == 2

    second = save_attachments(pair.bob, out, attachments)

    assert (second.written, second.already_there, second.cancelled) == (2, 2, False)
    assert saved(out) == {a.name: a.blob for a in attachments}
    for name, stamp in finished.items():  # the same files, never written again
        assert ((out / name).stat().st_ino, (out / name).stat().st_mtime_ns) == stamp


def test_cancel_stops_a_download_under_way_and_leaves_no_part(pair: Pair, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    with open(big, "wb") as f:
        for _ in range(24):
            f.write(os.urandom(1 << 20))
    pair.send("", big)
    attachment = pair.attachments()[0]
    out = tmp_path / "out"
    cancel = threading.Event()

    def cancel_midway(progress: Progress) -> None:
        if 0 < progress.bytes_done < progress.bytes_total:
            cancel.set()

    outcome = save_attachments(pair.bob, out, [attachment], progress=cancel_midway, cancel=cancel)

    assert outcome.cancelled and outcome.written == 0
    assert [p.name for p in out.iterdir() if p.name != MANIFEST_NAME] == []  # no file, no temp part
    again = save_attachments(pair.bob, out, [attachment])
    assert again.written == 1 and sha256_of(out / "big.bin") == sha256_of(big)


def test_a_blob_the_server_wont_send_is_reported_and_the_rest_saved(pair: Pair, tmp_path: Path) -> None:
    real = pair.send("", PDF)
    ghost = {"blob": "0" * 64, "size": 5, "mime": "text/plain", "name": "ghost.txt", "kind": "file"}
    pair.bob.db.messages.upsert_remote({  # a message naming bytes the server does not have
        "id": "ghost-message", "client_id": "ghost", "conversation_id": pair.cid, "sender": "alice",
        "body": "", "attachments": [ghost], "seq": 10_000, "created_at": "2024-05-01T10:00:00+00:00"})
    out = tmp_path / "out"

    outcome = save_attachments(pair.bob, out, pair.attachments())

    assert outcome.written == 1 and [name for name, _ in outcome.failed] == ["ghost.txt"]
    assert outcome.failed[0][1].startswith("The server wouldn't send it")
    assert saved(out) == {"chelsea.pdf": real.attachments[0].blob}


def test_offline_what_is_here_is_written_and_the_rest_waits_for_a_new_run(pair: Pair, tmp_path: Path) -> None:
    pair.send("", sample("photos/portrait_exif6.jpg"))  # oldest: cached
    pair.send("", VIDEO)
    pair.send("", PDF)
    pair.send("", PHOTO)  # newest: cached
    pair.servers.stop()
    out = tmp_path / "out"

    outcome = save_attachments(pair.bob, out, pair.attachments())

    assert sorted(saved(out)) == ["hubble_deep_field.jpg", "portrait_exif6.jpg"]  # both photos, past the others
    assert outcome.written == 2 and [name for name, _ in outcome.failed] == ["chelsea.pdf", "hubble_pan.mp4"]
    assert {why for _, why in outcome.failed} == {"It isn't on this computer and the server can't be reached."}
    pair.servers.start()
    wait_for(lambda: pair.bob.state == "online", what="bob back online")
    again = save_attachments(pair.bob, out, pair.attachments())
    assert (again.written, again.already_there, again.failed) == (2, 2, [])
    assert saved(out) == {a.name: a.blob for a in pair.attachments()}


def test_a_full_disk_stops_with_a_sentence_and_keeps_what_was_written(pair: Pair, tmp_path: Path) -> None:
    """The save runs in a child process whose target folder is an 8 MiB tmpfs (``small_disk``)."""
    first, second = tmp_path / "first.bin", tmp_path / "second.bin"
    first.write_bytes(os.urandom(5 << 20))
    second.write_bytes(os.urandom(5 << 20))
    pair.send("", first)
    pair.send("", second)
    pair.send("", PDF)  # newest: saved first, then second.bin fits, then first.bin does not
    pair.bob.stop()
    out = tmp_path / "usb-stick"
    out.mkdir()
    child = subprocess.run(
        [*small_disk(out), sys.executable, "-m", "tests.integration.copy_out_child",
         str(pair.tmp_path / "bob"), str(out), pair.cid],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr[-2000:]
    report = json.loads(child.stdout.strip().splitlines()[-1])

    assert report["sentence"].startswith("The disk is full. 2 of 3 files are in ")
    assert report["sentence"].endswith("choose the same folder again to continue where it stopped.")
    assert {name: sha for name, sha in report["files"].items() if name != MANIFEST_NAME} == {
        "chelsea.pdf": sha256_of(PDF), "second.bin": sha256_of(second)}  # whole, and no part left
