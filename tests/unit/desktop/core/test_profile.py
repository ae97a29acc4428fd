"""The profile folder: the server it remembers, and one app at a time (a lock that dies with its process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from desktop.core.profile import BUILT_IN, LEGACY_BUILT_IN_MARKER, LOCK_FILE, Profile


def test_a_new_profile_remembers_no_server(tmp_path: Path) -> None:
    assert Profile(tmp_path / "alice").server is None


def test_the_remembered_server_is_kept_until_changed(tmp_path: Path) -> None:
    Profile(tmp_path).remember_server("https://chat.example.org/")
    assert Profile(tmp_path).server == "https://chat.example.org"
    Profile(tmp_path).remember_server(BUILT_IN)
    assert Profile(tmp_path).server == BUILT_IN


def test_the_marker_of_earlier_versions_means_the_built_in_server(tmp_path: Path) -> None:
    (tmp_path / LEGACY_BUILT_IN_MARKER).write_text("http://127.0.0.1:40000\n")
    assert Profile(tmp_path).server == BUILT_IN
    Profile(tmp_path).remember_server("https://chat.example.org")
    assert not (tmp_path / LEGACY_BUILT_IN_MARKER).exists()
    assert Profile(tmp_path).server == "https://chat.example.org"


def test_one_holder_at_a_time(tmp_path: Path) -> None:
    first, second = Profile(tmp_path / "alice"), Profile(tmp_path / "alice")
    assert first.lock()
    assert not second.lock()
    assert Profile(tmp_path / "bob").lock()  # another profile is another lock
    first.unlock()
    assert second.lock()
    second.unlock()


def test_the_lock_goes_with_a_process_that_dies(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from pathlib import Path; from desktop.core.profile import Profile; "
         "p = Profile(Path(sys.argv[1])); print(p.lock(), flush=True); sys.stdin.read()", str(tmp_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[4])
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "True"
        assert not Profile(tmp_path).lock()
        holder.kill()  # no clean-up: as after a crash
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=30)
        for stream in (holder.stdin, holder.stdout):
            if stream is not None:
                stream.close()
    assert (tmp_path / LOCK_FILE).exists()
    assert Profile(tmp_path).lock()
