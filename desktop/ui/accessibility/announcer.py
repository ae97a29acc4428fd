"""Sentences said to screen readers without moving the focus: new messages in the open chat, a bubble's button."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QWidget

from desktop.core.db.records import Message
from desktop.ui.accessibility.words import arrivals_sentence


class Announcer(QObject):
    """Says sentences about ``widget`` to assistive technology (Qt's announcement event, Qt 6.8 and later:
    AT-SPI on Linux, UI Automation on Windows, NSAccessibility on macOS).

    Signals:
        said(text): a sentence went out (Qt passes it on only while a screen reader is listening).
    """

    said = Signal(str)

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self._widget = widget

    def say(self, text: str, *, assertive: bool = False) -> None:
        """Announce ``text``; ``assertive`` interrupts what the screen reader is saying (errors only)."""
        if not text:
            return
        event = QAccessibleAnnouncementEvent(self._widget, text)
        politeness = QAccessible.AnnouncementPoliteness
        event.setPoliteness(politeness.Assertive if assertive else politeness.Polite)
        QAccessible.updateAccessibility(event)
        self.said.emit(text)


class Arrivals(QObject):
    """Announces messages from others that arrive in the open chat: one sentence per batch, so a hundred
    messages synced at once are "100 new messages from bob", not a hundred sentences."""

    def __init__(self, announcer: Announcer, me: Callable[[], str]) -> None:
        super().__init__(announcer)
        self.announcer = announcer
        self._me = me
        self._waiting: list[Message] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)  # the rest of this batch of engine events lands first
        self._timer.timeout.connect(self._say)

    def add(self, message: Message) -> None:
        if message.sender == self._me():
            return
        self._waiting.append(message)
        self._timer.start()

    def clear(self) -> None:
        """Another chat opened: what arrived in the last one is not news here."""
        self._waiting.clear()
        self._timer.stop()

    def _say(self) -> None:
        waiting, self._waiting = self._waiting, []
        self.announcer.say(arrivals_sentence(waiting, self._me()))
