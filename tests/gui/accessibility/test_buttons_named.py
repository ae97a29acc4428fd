"""Every button a person can see has a name a screen reader can say, and one with only an icon a tooltip too:
in the main window and in every window it opens."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QColor
from PySide6.QtWidgets import QAbstractButton, QApplication, QTabWidget, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from desktop.ui.dialogs.forward import pick_and_forward
from desktop.ui.style import glyphs
from desktop.ui.viewer.viewer import MediaViewer
from tests.gui.conftest import SAMPLES, Chat

WAIT_MS = 20_000
MENU_WINDOWS = ("New conversation…", "Search…", "Settings…", "Gallery")  # what the menus open without a question


def unnamed(window: QWidget) -> list[str]:
    """The visible buttons of ``window`` (every tab of its tab widgets) a screen reader has no name for, or that
    show only an icon without a tooltip."""
    missing = []
    tab_sets = [(tabs, tabs.currentIndex()) for tabs in window.findChildren(QTabWidget)]
    pages = [(tabs, i) for tabs, _ in tab_sets for i in range(tabs.count())] or [(None, 0)]
    for tabs, page in pages:
        if tabs is not None:
            tabs.setCurrentIndex(page)
        for button in window.findChildren(QAbstractButton):
            if not button.isVisibleTo(window):
                continue
            name = QAccessible.queryAccessibleInterface(button).text(QAccessible.Text.Name).strip()
            what = f"{type(button).__name__} {button.objectName() or button.text() or button.toolTip()!r} in {window}"
            if not name:
                missing.append(f"no name: {what}")
            elif not button.text().strip() and not button.toolTip().strip():
                missing.append(f"no tooltip: {what}")
    for tabs, current in tab_sets:
        tabs.setCurrentIndex(current)
    return missing


def new_windows(before: set[QWidget]) -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if w.isVisible() and w not in before and w.isWindow()
            and not w.inherits("QMenu")]


def test_every_visible_button_has_a_name(chat: Chat, qtbot: QtBot) -> None:
    alice = chat.alice
    video = alice.engine.send(chat.cid, "The pan", [SAMPLES / "video" / "hubble_pan.mp4"])
    qtbot.waitUntil(lambda: [m.state for m in alice.rows()] == ["sent"], timeout=WAIT_MS)
    alice.view.composer.add_files([SAMPLES / "files" / "chelsea.pdf"])  # the tray's remove button shows
    window = alice.window
    problems = unnamed(window)
    assert window.conversation.composer.attach_button.isVisibleTo(window)

    actions = {a.text(): a for a in window.actions()}
    opened: list[QWidget] = []
    for text in MENU_WINDOWS:
        before = set(QApplication.topLevelWidgets())
        actions[text].trigger()
        qtbot.waitUntil(lambda before=before: bool(new_windows(before)), timeout=5_000)
        opened += new_windows(before)
    before = set(QApplication.topLevelWidgets())
    opened.append(alice.view.open_details())
    opened.append(pick_and_forward(alice.bridge, alice.rows()[0], alice.view))
    window.ask_sign_in()
    alice.view.open_viewer(video.attachments[0].blob, video.id)
    qtbot.waitUntil(lambda: any(isinstance(w, MediaViewer) for w in new_windows(before)), timeout=5_000)
    viewer = next(w for w in new_windows(before) if isinstance(w, MediaViewer))
    qtbot.waitUntil(lambda: viewer.player.play_button.isVisibleTo(viewer), timeout=WAIT_MS)
    opened += [w for w in new_windows(before) if w not in opened]
    assert len({type(w).__name__ for w in opened}) >= 8, opened
    for dialog in opened:
        problems += unnamed(dialog)
    walked = sum(len(w.findChildren(QAbstractButton)) for w in [window, *opened])
    assert walked > 40
    for dialog in opened:
        dialog.close()
    assert problems == []


def test_the_timeline_and_chat_list_have_names(chat: Chat) -> None:
    window = chat.alice.window
    for view, name in ((window.conversations, "Chats"), (window.conversation.timeline, "Messages")):
        iface = QAccessible.queryAccessibleInterface(view)
        assert iface.text(QAccessible.Text.Name) == name
    timeline = QAccessible.queryAccessibleInterface(window.conversation.timeline)
    assert "Tab reaches the buttons of a message" in timeline.text(QAccessible.Text.Description)
    assert window.conversation.timeline.focusPolicy() & Qt.FocusPolicy.TabFocus


def test_a_button_with_only_an_icon_and_no_name_is_found(qtbot: QtBot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    button = QToolButton(window)
    button.setIcon(glyphs.icon(glyphs.send, QColor("black"), 22))
    window.show()
    assert len(unnamed(window)) == 1 and unnamed(window)[0].startswith("no name: QToolButton")
    button.setAccessibleName("Send")
    assert len(unnamed(window)) == 1 and unnamed(window)[0].startswith("no tooltip: QToolButton")
    button.setToolTip("Send (Enter)")
    assert unnamed(window) == []
