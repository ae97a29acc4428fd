"""The application: command line, QApplication set-up (style, colour scheme), and the run modes."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QDialog, QStyleFactory

from desktop.ui.style.theme import dark_palette, is_dark
from sync.__main__ import package_version

log = logging.getLogger(__name__)
SCREENSHOT_SIZE = (860, 980)
ICONS = Path(__file__).resolve().parent / "assets" / "icons"
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)  # rendered from envelope.svg by scripts/render_icons.py


def app_icon() -> QIcon:
    """Envelope's icon at every rendered size; Qt picks (or scales from) the nearest one."""
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(ICONS / f"envelope-{size}.png"), QSize(size, size))
    return icon


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="envelope", description="Envelope: a local-first chat for sharing photos, videos, voice notes and files.")
    parser.add_argument("--server", metavar="URL",
                        help="sync server to use (default: a built-in one on this computer)")
    parser.add_argument("--data-dir", type=Path, metavar="DIR",
                        help="where this profile keeps its messages and media (default: the user data dir)")
    parser.add_argument("--demo", action="store_true",
                        help="open alice's and bob's windows side by side in a conversation full of sample media")
    parser.add_argument("--screenshot", type=Path, metavar="PATH",
                        help="render the window(s) offscreen, save a PNG to PATH and exit")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds --screenshot waits for content")
    parser.add_argument("--color-scheme", choices=("system", "light", "dark"), default="system",
                        help="follow the system's light/dark setting (default) or force one")
    parser.add_argument("--verbose", "-v", action="store_true", help="log more")
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    return parser.parse_args(argv)


def make_application(args: argparse.Namespace, argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication, styled from the system palette (light or dark, as the system says)."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName("Envelope")
    app.setApplicationDisplayName("Envelope")
    app.setOrganizationName("Envelope")
    app.setDesktopFileName("envelope")
    app.setWindowIcon(app_icon())  # every window's, and the tray's
    styles = QStyleFactory.keys()
    if sys.platform.startswith("linux") and app.style().name().lower() == "windows" and "Fusion" in styles:
        app.setStyle("Fusion")  # the bare "windows" fallback style looks broken on Linux
    hints = QGuiApplication.styleHints()
    if args.color_scheme != "system" and hasattr(hints, "setColorScheme"):
        hints.setColorScheme(Qt.ColorScheme.Dark if args.color_scheme == "dark" else Qt.ColorScheme.Light)
    if args.color_scheme == "dark" and not is_dark(app.palette()):
        app.setPalette(dark_palette())  # the platform style ignored the request
    if args.screenshot is not None:
        font = app.font()
        if font.pointSizeF() < 10:  # offscreen defaults to a tiny font
            font.setPointSizeF(10)
            app.setFont(font)
    return app


def run_demo(args: argparse.Namespace) -> int:
    from desktop.ui.startup.demo import Demo

    demo = Demo()
    try:
        windows = demo.show_windows(SCREENSHOT_SIZE if args.screenshot is not None else None)
        if args.screenshot is not None:
            from desktop.ui.startup.screenshot import capture

            return capture(lambda: list(windows), args.screenshot, demo.ready, timeout_s=args.timeout)
        return QApplication.exec()
    finally:
        demo.stop()


def run_profile(args: argparse.Namespace) -> int:
    from desktop.ui.dialogs.sign_in import SignInDialog
    from desktop.ui.main_window import MainWindow
    from desktop.ui.startup.launcher import open_session

    session = open_session(args.data_dir, args.server)
    try:
        if not session.signed_in:
            dialog = SignInDialog(session.bridge, session.server_url, built_in=session.built_in)
            if args.screenshot is not None:
                from desktop.ui.startup.screenshot import capture

                dialog.show()
                return capture(lambda: [dialog], args.screenshot, lambda: True, timeout_s=args.timeout)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return 0
        window = MainWindow(session.bridge)
        window.show()
        if args.screenshot is not None:
            from desktop.ui.startup.screenshot import capture

            def settled() -> bool:
                return not window.thumbnails.busy() and window.conversation.timeline.media_painted() \
                    if window.conversation.model is not None else True

            return capture(lambda: [window], args.screenshot, settled, timeout_s=args.timeout)
        return QApplication.exec()
    finally:
        session.stop()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    make_application(args)
    return run_demo(args) if args.demo else run_profile(args)
