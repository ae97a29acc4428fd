"""The main window's "Transfers" button: a badge with how many transfers are under way; it opens the panel."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QStyle, QStyleOptionToolButton, QStylePainter, QToolButton, QWidget

from desktop.ui.bridge import EngineBridge
from desktop.ui.style import glyphs
from desktop.ui.style.theme import scaled_font
from desktop.ui.transfers.icons import up_and_down
from desktop.ui.transfers.model import TransfersModel
from desktop.ui.transfers.panel import TransfersPanel

SHORTCUT = "Ctrl+J"  # as in browsers' downloads


class TransfersButton(QToolButton):
    """Owns the transfers model (one for the window) and the panel, made when first opened."""

    def __init__(self, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = TransfersModel(bridge, parent=self)
        self.panel: TransfersPanel | None = None
        self.setText("Transfers")
        self.setAccessibleName("Transfers")
        self.setAutoRaise(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setIcon(glyphs.icon(up_and_down, self.palette().color(QPalette.ColorRole.ButtonText), 18))
        self.setIconSize(QSize(18, 18))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.clicked.connect(self.open_panel)
        self.model.active_changed.connect(self._show_count)
        self._show_count(self.model.active_count())

    @property
    def count(self) -> int:
        return self.model.active_count()

    def open_panel(self) -> TransfersPanel:
        """Show the transfers window (one per main window), in front."""
        if self.panel is None:
            self.panel = TransfersPanel(self.model, self.window())
        self.panel.show()
        self.panel.raise_()
        self.panel.activateWindow()
        return self.panel

    def _show_count(self, count: int) -> None:
        said = f"{count} under way" if count else "nothing under way"
        self.setAccessibleDescription(said)
        self.setToolTip(f"Uploads and downloads ({SHORTCUT}): {said}")
        self.updateGeometry()
        self.update()

    # -- the badge ---------------------------------------------------------------------------------
    def _badge_font_metrics(self) -> QFontMetrics:
        return QFontMetrics(scaled_font(self.font(), 0.8, bold=True))

    def _badge_width(self) -> int:
        if not self.count:
            return 0
        fm = self._badge_font_metrics()
        return max(fm.height() + 2, fm.horizontalAdvance(str(self.count)) + 10)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(hint.width() + (self._badge_width() + 4 if self.count else 0), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        """The button as the style draws it, its label kept left of the badge, then the badge."""
        painter = QStylePainter(self)
        option = QStyleOptionToolButton()
        self.initStyleOption(option)
        style = self.style()
        if option.state & (QStyle.StateFlag.State_Sunken | QStyle.StateFlag.State_On | QStyle.StateFlag.State_Raised):
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelButtonTool, option, painter, self)
        badge = self._badge_width()
        label = QStyleOptionToolButton(option)
        label.rect = self.rect().adjusted(3, 3, -3 - (badge + 4 if badge else 0), -3)
        style.drawControl(QStyle.ControlElement.CE_ToolButtonLabel, label, painter, self)
        if option.state & QStyle.StateFlag.State_HasFocus:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, option, painter, self)
        if badge:
            self._draw_badge(painter, badge)

    def _draw_badge(self, painter: QPainter, width: int) -> None:
        fm = self._badge_font_metrics()
        height = fm.height() + 2
        r = QRectF(self.width() - width - 5, (self.height() - height) / 2, width, height)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.palette().color(QPalette.ColorRole.Highlight))
        painter.drawRoundedRect(r, height / 2, height / 2)
        painter.setPen(self.palette().color(QPalette.ColorRole.HighlightedText))
        painter.setFont(scaled_font(self.font(), 0.8, bold=True))
        painter.drawText(r, Qt.AlignmentFlag.AlignCenter, str(self.count))
