"""A private PulseAudio daemon for the voice-note tests, and a microphone that hears a steady tone.

Qt's PulseAudio backend connects once per process and never retries, so the daemon must be up, and
``PULSE_SERVER`` point at it, before anything in the process asks Qt about audio devices: ``start()``
runs from this folder's conftest at collection. It starts with no devices at all (``-n``: no default
script), so Qt sees no microphone and no speaker until a test adds them. ``Microphone`` adds a null
sink playing a 440 Hz sine (module-sine) and a virtual source on that sink's monitor: Qt lists monitors
as no input, but the virtual source is a real-time-clocked input (module-sine-source delivers in 2 s
blocks, too coarse for a 1.5 s recording). The packages come from scripts/test-system-packages.txt.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

INSTALL_HINT = "run `make testsyslibs` (it installs pulseaudio and pulseaudio-utils)"
IDLE_EXIT_S = 300  # a daemon whose pytest was killed (no atexit) ends this long after its last client
_started = False
_problem = ""
_home: Path | None = None


def start() -> None:
    """Start the daemon once per process and point this process (and its children) at it.

    ``--daemonize=yes`` returns once the daemon is ready to accept clients, so nothing polls for it.
    """
    global _started, _problem, _home
    if _started or _problem:
        return
    if not shutil.which("pulseaudio") or not shutil.which("pactl"):
        _problem = f"PulseAudio is not installed: {INSTALL_HINT}"
        return
    _home = Path(tempfile.mkdtemp(prefix="envelope-pulse-"))
    socket, log = _home / "native", _home / "daemon.log"
    env = {**os.environ, "HOME": str(_home), "PULSE_RUNTIME_PATH": str(_home / "runtime"),
           "PULSE_STATE_PATH": str(_home / "state"), "XDG_CONFIG_HOME": str(_home / "config")}
    done = subprocess.run(
        ["pulseaudio", "-n", "--daemonize=yes", "--system=no", f"--exit-idle-time={IDLE_EXIT_S}",
         "--use-pid-file=no", f"--log-target=file:{log}",
         "-L", f"module-native-protocol-unix socket={socket} auth-anonymous=1"],
        env=env, capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        detail = log.read_text(errors="replace") if log.exists() else done.stderr
        _problem = f"PulseAudio did not start (exit {done.returncode}): {detail[-800:]}"
        return
    _started = True
    os.environ["PULSE_SERVER"] = f"unix:{socket}"
    (_home / "client.conf").write_text("autospawn = no\n")
    os.environ["PULSE_CLIENTCONFIG"] = str(_home / "client.conf")
    atexit.register(stop)


def stop() -> None:
    global _started
    if _started:
        _pactl("exit")
        _started = False
    if _home is not None:
        shutil.rmtree(_home, ignore_errors=True)


def problem() -> str:
    """Why there is no daemon ("" when it runs)."""
    if not _problem and not _started:
        return "the PulseAudio daemon was never started (tests/gui/composer/conftest.py starts it)"
    return _problem


def _pactl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["pactl", *args], capture_output=True, text=True, timeout=10, check=False)


def load(module: str, *args: str) -> int:
    done = _pactl("load-module", module, *args)
    if done.returncode != 0:
        raise RuntimeError(f"pactl load-module {module} failed: {done.stderr.strip()}")
    return int(done.stdout.strip())


def unload(index: int) -> None:
    _pactl("unload-module", str(index))


class Microphone:
    """A 440 Hz tone as the default (and only) input: ``plug()`` adds it, ``unplug()`` removes it."""

    NAME = "Test microphone"
    plugged_ever = False  # Qt lists a removed input until the process ends

    def __init__(self) -> None:
        self.modules: list[int] = []

    def plug(self) -> None:
        Microphone.plugged_ever = True
        try:
            self.modules.append(load("module-null-sink", "sink_name=envelope_tone",
                                     "sink_properties=device.description=Tone"))
            self.modules.append(load("module-sine", "sink=envelope_tone", "frequency=440"))
            self.modules.append(load("module-virtual-source", "source_name=envelope_mic",
                                     "master=envelope_tone.monitor",
                                     f"source_properties='device.description=\"{self.NAME}\"'"))
        except RuntimeError:
            self.unplug()
            raise
        _pactl("set-default-source", "envelope_mic")

    def unplug(self) -> None:
        for index in reversed(self.modules):
            unload(index)
        self.modules.clear()


def set_tone_volume(percent: int) -> None:
    """How loud the plugged microphone's tone is (100 is the tone's own -6 dBFS)."""
    _pactl("set-sink-volume", "envelope_tone", f"{percent}%")
