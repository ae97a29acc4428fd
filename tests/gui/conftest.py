"""GUI fixtures: a real embedded sync server and real app windows per user, each in its own data dir.

Fixtures (all function-scoped; everything is stopped at teardown):

``server`` -> ServerHandle
    An ``EmbeddedServer`` on a temp data dir and a free loopback port. ``server.stop()`` takes it
    down; ``server.restart()`` brings a new one up on the SAME data dir and SAME port (offline tests).
``make_user(name)`` -> AppUser
    A started ``Engine`` (long_poll_s=1, quick backoff) in ``tmp_path/name``, signed up on ``server``,
    its ``EngineBridge`` and a shown ``MainWindow``. ``AppUser`` has ``name``, ``engine``, ``bridge``,
    ``window``, ``data_dir`` and helpers ``view`` (the ConversationView), ``timeline`` (TimelineView),
    ``model`` (the open TimelineModel), ``rows()`` (Messages in the open timeline).
``alice``, ``bob`` -> AppUser
    Two users made with ``make_user``.
``chat`` -> Chat
    A conversation that alice started with bob (``chat.cid``), open in both windows.

Helpers: ``SAMPLES`` (the demo's sample media, ``tests.samples.SHIPPED``), ``wait_until_open(qtbot, user, cid)``,
``distinct_colours(image, step)`` (a cheap "is this painted" check).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from desktop.core.backoff import Backoff
from desktop.core.db.records import Message
from desktop.core.engine import Engine
from desktop.ui.bridge import STRICT_THREADS, EngineBridge
from desktop.ui.conversations.pane import ConversationView
from desktop.ui.main_window import MainWindow
from desktop.ui.timeline.model import TimelineModel
from desktop.ui.timeline.view import TimelineView
from sync.server.config import ServerConfig
from sync.server.runner import EmbeddedServer
from tests.samples import SHIPPED

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = SHIPPED
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def strict_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Our UI code writing the database on the GUI thread fails the test (writes go off it)."""
    monkeypatch.setenv(STRICT_THREADS, "1")


@dataclass
class ServerHandle:
    config: ServerConfig
    server: EmbeddedServer
    running: bool = True

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return self.server.port

    def stop(self) -> None:
        if self.running:
            self.server.stop()
            self.running = False

    def restart(self) -> None:
        """A new server on the same data dir and port (call ``stop()`` first)."""
        self.stop()
        self.server = EmbeddedServer(self.config, port=self.server.port).start()
        self.running = True


@dataclass
class AppUser:
    name: str
    engine: Engine
    bridge: EngineBridge
    window: MainWindow
    data_dir: Path

    @property
    def view(self) -> ConversationView:
        return self.window.conversation

    @property
    def timeline(self) -> TimelineView:
        return self.window.conversation.timeline

    @property
    def model(self) -> TimelineModel:
        model = self.window.conversation.model
        assert model is not None, f"{self.name} has no conversation open"
        return model

    def rows(self) -> list[Message]:
        model = self.window.conversation.model
        return [] if model is None else [model.message_at(r) for r in range(model.rowCount())]


@dataclass
class Chat:
    alice: AppUser
    bob: AppUser
    cid: str


@pytest.fixture(autouse=True)
def garbage_collected_on_the_gui_thread() -> Iterator[None]:
    """Reference cycles die here, on the GUI thread, after each test's other fixtures are torn down.

    Python's automatic collection runs on whichever thread happens to allocate: the embedded server's or
    an engine's. A Qt object in a cycle (a test frame kept by a traceback holds qtbot's signal blocker and
    its QTimer) freed there stays registered with the GUI event loop, and a later test crashes on its
    timer event (a segfault in QTimerInfoList::activateTimers).
    """
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        gc.enable()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerHandle]:
    config = ServerConfig(data_dir=tmp_path / "server")
    handle = ServerHandle(config, EmbeddedServer(config).start())
    yield handle
    handle.stop()


@pytest.fixture
def make_user(server: ServerHandle, tmp_path: Path, qtbot: QtBot) -> Iterator[Callable[[str], AppUser]]:
    users: list[AppUser] = []

    def make(name: str) -> AppUser:
        data_dir = tmp_path / name
        engine = Engine(data_dir, long_poll_s=1, backoff=Backoff(base=0.05, cap=0.5)).start()
        engine.sign_up(server.url, name, PASSWORD)
        bridge = EngineBridge(engine)
        window = MainWindow(bridge)
        window.resize(900, 700)
        window.show()
        qtbot.waitExposed(window)
        user = AppUser(name, engine, bridge, window, data_dir)
        users.append(user)
        return user

    yield make
    for user in users:
        user.window.close()
        user.bridge.wait_idle()
        user.window.thumbnails.wait_idle()
        user.bridge.close()
    stoppers = [threading.Thread(target=u.engine.stop) for u in users]  # each may finish a long-poll
    for t in stoppers:
        t.start()
    for t in stoppers:
        t.join()
    for user in users:
        user.window.deleteLater()


@pytest.fixture
def alice(make_user: Callable[[str], AppUser]) -> AppUser:
    return make_user("alice")


@pytest.fixture
def bob(make_user: Callable[[str], AppUser]) -> AppUser:
    return make_user("bob")


def wait_until_open(qtbot: QtBot, user: AppUser, cid: str) -> None:
    qtbot.waitUntil(lambda: user.window.show_conversation_if_listed(cid), timeout=15_000)
    qtbot.waitUntil(lambda: user.view.conversation_id == cid, timeout=5_000)


@pytest.fixture
def chat(alice: AppUser, bob: AppUser, qtbot: QtBot) -> Chat:
    cid = alice.engine.create_conversation("Weekend trip", ["bob"])
    bob.engine.accept_request(cid)  # strangers until now: it would stay a request, its media not fetched
    wait_until_open(qtbot, alice, cid)
    wait_until_open(qtbot, bob, cid)
    return Chat(alice, bob, cid)


def distinct_colours(image: QImage, step: int = 4) -> int:
    """How many different colours a grid of samples finds (1 means blank)."""
    seen = set()
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            seen.add(image.pixel(x, y))
    return len(seen)
