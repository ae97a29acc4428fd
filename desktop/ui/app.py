"""The application: command line, QApplication set-up (style, colour scheme), and the run modes."""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QStyleFactory, QWidget

from desktop.ui.startup import quiet
from desktop.ui.startup.collector import GuiThreadCollector
from sync.__main__ import VersionAction

if TYPE_CHECKING:
    from desktop.ui.startup.single_instance import SingleInstance

log = logging.getLogger(__name__)
SCREENSHOT_SIZE = (860, 980)
ICONS = Path(__file__).resolve().parent / "assets" / "icons"
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)  # rendered from envelope.svg by scripts/render_icons.py
SERVER_NEWS_MS = 30_000  # how long the status line shows what the built-in server is doing


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
                        help="sync server for this profile, remembered from then on; 'built-in' is the one "
                             "on this computer (default: the profile's own, else the built-in one)")
    parser.add_argument("--ca-file", metavar="FILE",
                        help="trust the server's certificate when the CA in FILE (PEM) issued it, remembered "
                             "from then on; 'system' goes back to the system's trust store (the default)")
    parser.add_argument("--forget-certificate", action="store_true",
                        help="forget the certificate trusted for the profile's server, to compare and trust "
                             "a new one at the next sign-in (only when whoever runs it says they replaced it)")
    parser.add_argument("--data-dir", type=Path, metavar="DIR",
                        help="where this profile keeps its messages and media (default: the user data dir)")
    parser.add_argument("--demo", action="store_true",
                        help="open alice's and bob's windows side by side in a conversation full of sample media")
    parser.add_argument("--screenshot", type=Path, metavar="PATH",
                        help="render the window(s) offscreen, save a PNG to PATH and exit")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds --screenshot waits for content")
    parser.add_argument("--color-scheme", choices=("system", "light", "dark"), default="system",
                        help="follow the system's light/dark setting (default) or force one")
    parser.add_argument("--verbose", "-v", action="store_true", help="log more, Qt's and FFmpeg's messages included")
    parser.add_argument("--version", action=VersionAction)
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
        from PySide6.QtCore import Qt  # Qt's namespace costs ~15 ms the first time: not before the first paint

        hints.setColorScheme(Qt.ColorScheme.Dark if args.color_scheme == "dark" else Qt.ColorScheme.Light)
    if args.color_scheme == "dark":
        from desktop.ui.style.theme import dark_palette, is_dark  # only then: ~10 ms before the first paint

        if not is_dark(app.palette()):
            app.setPalette(dark_palette())  # the platform style ignored the request
    if args.screenshot is not None:
        font = app.font()
        if font.pointSizeF() < 10:  # offscreen defaults to a tiny font
            font.setPointSizeF(10)
            app.setFont(font)
    return app


def run_demo(args: argparse.Namespace) -> int:
    from desktop.ui.startup.demo import Demo

    quiet.after_application(verbose=args.verbose)

    demo = Demo()
    try:
        windows = demo.show_windows(SCREENSHOT_SIZE if args.screenshot is not None else None)
        if args.screenshot is not None:
            from desktop.ui.startup.screenshot import capture

            return capture(lambda: list(windows), args.screenshot, demo.ready, timeout_s=args.timeout)
        return QApplication.exec()
    finally:
        demo.stop()


def bring_forward(widget: QWidget) -> None:
    """Show a window that another start of its profile asked for: restored, raised, focused."""
    if widget.isMinimized():
        widget.showNormal()
    widget.show()
    widget.raise_()
    widget.activateWindow()


def run_profile(args: argparse.Namespace) -> int:
    from desktop.core.location import default_data_dir
    from desktop.ui.startup.single_instance import SingleInstance

    data_dir = args.data_dir or default_data_dir()
    instance = SingleInstance(data_dir)
    if not instance.claim():
        return _already_open(instance, data_dir, args)
    try:
        return _run_session(args, data_dir, instance)
    finally:
        instance.release()


def _already_open(instance: SingleInstance, data_dir: Path, args: argparse.Namespace) -> int:
    if instance.ask_holder_to_raise():
        print(f"Envelope already has the profile {data_dir} open; its window is brought to the front.",
              file=sys.stderr)
        return 0
    sentence = f"Envelope already has the profile {data_dir} open in another window, which does not answer."
    print(sentence, file=sys.stderr)
    if args.screenshot is None:
        QMessageBox.information(None, "Envelope", sentence)
    return 1


def _run_session(args: argparse.Namespace, data_dir: Path, instance: SingleInstance) -> int:
    from desktop.core.location import has_database
    from desktop.ui.main_window import MainWindow

    front: list[QWidget] = []
    instance.activation_requested.connect(lambda: bring_forward(front[-1]) if front else None)
    window: MainWindow | None = None
    if has_database(data_dir):  # a returning user: the window's frame paints before the engine loads
        window = MainWindow()
        front.append(window)
        window.show()
        QApplication.processEvents()
    quiet.after_application(verbose=args.verbose)  # before anything can play; after the frame has painted
    from desktop.ui.dialogs.sign_in import SignInDialog
    from desktop.ui.startup.launcher import open_session

    try:
        session = open_session(data_dir, args.server, ca_file=args.ca_file,
                               forget_certificate=args.forget_certificate)
    except OSError as exc:  # the built-in server did not start, the profile's folder is unwritable
        print(exc, file=sys.stderr)
        if args.screenshot is None:
            QMessageBox.critical(window, "Envelope", str(exc))
        return 1
    try:
        if not session.signed_in:
            dialog = SignInDialog(session.bridge, session.server_url, built_in=session.built_in)
            front.append(dialog)
            if args.screenshot is not None:
                from desktop.ui.startup.screenshot import capture

                dialog.show()
                return capture(lambda: [dialog], args.screenshot, lambda: True, timeout_s=args.timeout)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return 0
            session.remember_account_server()
        if window is None:
            window = MainWindow()
            front.append(window)
        window.attach(session.bridge)
        if session.greeting:
            window.statusBar().showMessage(session.greeting, SERVER_NEWS_MS)
        if session.watch is not None:
            shown = window
            session.watch.status.connect(lambda sentence: shown.statusBar().showMessage(sentence, SERVER_NEWS_MS))
        window.show()
        gc.freeze()  # what start-up made lives as long as the app: later collections need not walk it
        if args.screenshot is not None:
            from desktop.ui.startup.screenshot import capture

            main = window

            def settled() -> bool:
                return not main.thumbnails.busy() and main.conversation.timeline.media_painted() \
                    if main.conversation.model is not None else True

            return capture(lambda: [main], args.screenshot, settled, timeout_s=args.timeout)
        return QApplication.exec()
    finally:
        session.stop()


def launch(argv: Sequence[str] | None = None) -> NoReturn:
    """``main.py`` and the ``envelope`` command: run the app, then end the process at once.

    By the time ``main`` returns, the session has stopped: the database is closed, the outbox and the
    downloads have stopped at a safe point, files are synced. What Python would still do on its way out
    (tear down every Qt object and module, collect the garbage: ~0.15 s) saves nothing, so it is skipped.
    """
    code = main(argv)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet.before_application(verbose=args.verbose)
    app = make_application(args)
    GuiThreadCollector(app)  # garbage is collected on the GUI thread only, never on a worker's
    return run_demo(args) if args.demo else run_profile(args)
