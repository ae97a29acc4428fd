"""The wheel, installed into a fresh venv away from the repo, has its commands, its assets and a working demo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
ASSETS = ["desktop/ui/assets/envelope.desktop", "desktop/ui/assets/icons/envelope.svg",
          *(f"desktop/ui/assets/icons/envelope-{size}.png" for size in (16, 32, 48, 64, 128, 256, 512)),
          "desktop/ui/assets/samples/photos/chelsea.png", "desktop/ui/assets/samples/video/hubble_pan.mp4"]


@dataclass
class Installed:
    wheel: Path
    bin: Path
    site_packages: Path
    cwd: Path  # neither the repo nor anything with the sources in it

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"QT_QPA_PLATFORM": "offscreen"}
        return subprocess.run([str(self.bin / args[0]), *args[1:]], cwd=self.cwd, env=env,
                              capture_output=True, text=True, timeout=timeout, check=False)


def _check(args: list[str | Path], cwd: Path | None = None) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, f"{args}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the wheel from a copy of the sources (an in-place build would leave build/ in the repo, and stale
    files there end up in the wheel), install it alone into a new venv, then let that venv see this venv's
    site-packages for the dependencies: a plain path in a .pth adds the directory but runs none of the .pth
    files in it, so the editable install's finder (which maps ``desktop`` to the repo) stays off."""
    tmp = tmp_path_factory.mktemp("packaging")
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for package in ("desktop", "sync"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    _check([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
            "-w", tmp / "dist", source])
    (wheel,) = (tmp / "dist").glob("envelope-*.whl")

    venv = tmp / "venv"
    _check([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    _check([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel])
    site_packages = Path(_check([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip())
    (site_packages / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    cwd = tmp / "elsewhere"
    cwd.mkdir()
    return Installed(wheel, venv / "bin", site_packages, cwd)


def test_the_wheel_carries_the_assets_and_the_commands(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
        entry_points = wheel.read(f"envelope-{VERSION}.dist-info/entry_points.txt").decode()
    assert set(ASSETS) <= names
    assert "envelope = desktop.ui.app:launch" in entry_points
    assert "envelope-server = sync.__main__:serve" in entry_points


def test_the_installed_package_is_the_wheel_not_the_repo(installed: Installed) -> None:
    where = installed.run("python", "-c", "import desktop, sync, PySide6\n"
                          "from desktop.ui.startup.demo import SAMPLES\n"
                          "print(desktop.__file__, sync.__file__, SAMPLES, sep='\\n')")
    assert where.returncode == 0, where.stderr[-3000:]
    desktop, sync_, samples = (Path(line) for line in where.stdout.split())
    for path in (desktop, sync_, samples):
        assert path.is_relative_to(installed.site_packages), path
    assert (samples / "photos" / "chelsea.png").is_file()


def test_both_commands_say_their_version(installed: Installed) -> None:
    for command in ("envelope", "envelope-server"):
        done = installed.run(command, "--version")
        assert done.returncode == 0, done.stderr[-3000:]
        assert done.stdout.strip() == f"{command} {VERSION}"


def test_the_demo_runs_from_the_installed_wheel(installed: Installed) -> None:
    shot = installed.cwd / "shot.png"
    done = installed.run("envelope", "--demo", "--screenshot", str(shot), "--timeout", "60", timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    with Image.open(shot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 24)
    assert colours is not None and len(colours) > 500  # photos, text and bubbles, not a blank window
