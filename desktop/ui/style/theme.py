"""Colours derived from the application palette (light or dark, as the system says) and text helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from desktop.core.units import size_text

ERROR_LIGHT = QColor("#d93025")
ERROR_DARK = QColor("#ff6b60")
ONLINE = QColor("#2e9d5b")
SYNCING = QColor("#d99a1e")
OFFLINE = QColor("#9aa0a6")


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved a fraction ``t`` of the way towards ``b``."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
        round(a.alpha() + (b.alpha() - a.alpha()) * t),
    )


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5


def error_color(palette: QPalette) -> QColor:
    return ERROR_DARK if is_dark(palette) else ERROR_LIGHT


def error_label(parent_palette: QPalette) -> QLabel:
    """A hidden, word-wrapped label in the palette's error colour, for a form's error sentence."""
    label = QLabel()
    label.setWordWrap(True)
    palette = label.palette()
    palette.setColor(label.foregroundRole(), error_color(parent_palette))
    label.setPalette(palette)
    label.hide()
    return label


def link_color(palette: QPalette) -> QColor:
    """The palette's link colour, lightened on dark backgrounds where the stock blue is hard to read."""
    link = palette.color(QPalette.ColorRole.Link)
    return mix(link, QColor("white"), 0.35) if is_dark(palette) else link


def link_button(text: str, parent: QWidget | None = None) -> QPushButton:
    """A button that reads as a link (link colour, underlined, pointing hand) and is never a dialog's default."""
    button = QPushButton(text, parent)
    button.setFlat(True)
    button.setAutoDefault(False)
    from PySide6.QtCore import Qt  # here, not at import: app.py imports this module before the first paint

    button.setCursor(Qt.CursorShape.PointingHandCursor)
    palette = button.palette()
    palette.setColor(QPalette.ColorRole.ButtonText, link_color(palette))
    button.setPalette(palette)
    font = button.font()
    font.setUnderline(True)
    button.setFont(font)
    return button


@dataclass(frozen=True)
class BubbleColors:
    background: QColor
    text: QColor
    muted: QColor
    link: QColor
    accent: QColor


def timeline_background(palette: QPalette) -> QColor:
    window = palette.color(QPalette.ColorRole.Window)
    base = palette.color(QPalette.ColorRole.Base)
    return mix(base, window, 0.9 if is_dark(palette) else 0.55)


def bubble_colors(palette: QPalette, *, own: bool) -> BubbleColors:
    """Own bubbles wear the highlight colour; others the base colour, a step off the background."""
    dark = is_dark(palette)
    highlight = palette.color(QPalette.ColorRole.Highlight)
    if own:
        background = mix(highlight, palette.color(QPalette.ColorRole.Base), 0.08 if dark else 0.0)
        text = palette.color(QPalette.ColorRole.HighlightedText)
        return BubbleColors(background, text, mix(text, background, 0.32), mix(text, background, 0.05), text)
    base = palette.color(QPalette.ColorRole.Base)
    background = mix(base, palette.color(QPalette.ColorRole.Text), 0.10) if dark else base
    text = palette.color(QPalette.ColorRole.Text)
    return BubbleColors(background, text, mix(text, background, 0.45), link_color(palette), highlight)


def avatar_color(name: str) -> QColor:
    """A stable, pleasant colour for a name (initials avatars)."""
    hue = (sum(ord(c) * 31 ** i for i, c in enumerate(name[:12])) % 360)
    return QColor.fromHsl(hue, 140, 120)


def scaled_font(font: QFont, factor: float, *, bold: bool = False) -> QFont:
    out = QFont(font)
    size = font.pointSizeF()
    if size > 0:
        out.setPointSizeF(max(6.0, size * factor))
    else:
        out.setPixelSize(max(8, round(font.pixelSize() * factor)))
    if bold:
        out.setWeight(QFont.Weight.DemiBold)
    return out


def human_size(n: int) -> str:
    """A size by the app's one rule (``desktop.core.units.size_text``): decimal units, as macOS and GNOME."""
    return size_text(n)


def human_duration(ms: int | None) -> str:
    if not ms:
        return "0:00"
    seconds = round(ms / 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def local_datetime(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000)


def clock_time(epoch_ms: int) -> str:
    moment = local_datetime(epoch_ms)
    return f"{moment.hour:02d}:{moment.minute:02d}"


def day_label(day: date, today: date | None = None) -> str:
    today = today or date.today()
    delta = (today - day).days
    if delta == 0:
        return "Today"
    if delta == 1:
        return "Yesterday"
    if 1 < delta < 7:
        return day.strftime("%A")
    if day.year == today.year:
        return day.strftime("%A %d %B").replace(" 0", " ")
    return day.strftime("%d %B %Y").lstrip("0")


def list_time(epoch_ms: int, now: datetime | None = None) -> str:
    """A conversation-list timestamp: time today, weekday this week, else a short date."""
    if not epoch_ms:
        return ""
    moment = local_datetime(epoch_ms)
    now = now or datetime.now()
    delta = (now.date() - moment.date()).days
    if delta == 0:
        return moment.strftime("%H:%M")
    if delta == 1:
        return "Yesterday"
    if 1 < delta < 7:
        return moment.strftime("%a")
    return moment.strftime("%d/%m/%y")


def file_extension(name: str, mime: str) -> str:
    """A short label for a file icon: the extension, else the MIME subtype."""
    if "." in name and len(name.rsplit(".", 1)[1]) <= 5:
        return name.rsplit(".", 1)[1].upper()
    sub = mime.split("/", 1)[-1].split(";")[0]
    return (sub[:4] or "FILE").upper()


def dark_palette() -> QPalette:
    """A dark palette for when dark is asked for but the platform style stays light (e.g. offscreen)."""
    p = QPalette()
    roles = QPalette.ColorRole
    for role, color in {
        roles.Window: "#202225", roles.WindowText: "#e8eaed", roles.Base: "#17181a", roles.AlternateBase: "#24262a",
        roles.Text: "#e8eaed", roles.Button: "#2b2d31", roles.ButtonText: "#e8eaed", roles.BrightText: "#ffffff",
        roles.Highlight: "#3d7fd9", roles.HighlightedText: "#ffffff", roles.Link: "#7ab4ff",
        roles.ToolTipBase: "#2b2d31", roles.ToolTipText: "#e8eaed", roles.PlaceholderText: "#8a8f98",
        roles.Mid: "#3a3d42", roles.Dark: "#111214", roles.Light: "#3f4248", roles.Midlight: "#34373c",
        roles.Shadow: "#000000",
    }.items():
        p.setColor(role, QColor(color))
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7d828a"))
    return p
