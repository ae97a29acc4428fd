"""Qt's and FFmpeg's start-up chatter (pipewire, stream dumps, "No HW decoder found") kept out of the terminal.

Nothing there is something a user can act on: a file that cannot play still fails through the
player's own error. ``--verbose`` lets it all through again, as does QT_LOGGING_RULES for a category.
"""

from __future__ import annotations

import ctypes
import glob
import logging
import os
import sys
from pathlib import Path

from PySide6.QtCore import QLoggingCategory, QMessageLogContext, QtMsgType, qInstallMessageHandler

log = logging.getLogger("qt")
QUIET_RULES = "qt.multimedia.*=false"
AV_LOG_QUIET = -8
_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def before_application(*, verbose: bool) -> None:
    """Call before the QApplication exists: Qt's own messages go through logging, quiet unless ``verbose``."""
    if not verbose:
        os.environ.pop("QT_FFMPEG_DEBUG", None)  # it would turn FFmpeg's logging up to debug
        QLoggingCategory.setFilterRules(QUIET_RULES)  # QT_LOGGING_RULES, when set, still wins
    qInstallMessageHandler(_to_logging if verbose else _errors_only)


def after_application(*, verbose: bool) -> None:
    """Call once the QApplication exists: FFmpeg inside Qt Multimedia prints nothing unless ``verbose``."""
    if verbose:
        return
    try:
        from PySide6.QtMultimedia import QMediaFormat

        QMediaFormat().supportedFileFormats(QMediaFormat.ConversionMode.Decode)  # loads the FFmpeg backend
        avutil = _loaded_avutil()
        if avutil is not None:
            avutil.av_log_set_level(AV_LOG_QUIET)
    except (ImportError, OSError, AttributeError) as exc:  # no multimedia: nothing of it to quiet
        logging.getLogger(__name__).debug("FFmpeg's log level left alone: %s", exc)


def _loaded_avutil() -> ctypes.CDLL | None:
    """The libavutil that PySide6's FFmpeg backend has loaded (the very same library, not a second copy)."""
    import PySide6

    root = Path(PySide6.__file__).parent
    patterns = ("avutil-*.dll",) if sys.platform == "win32" else (
        "Qt/lib/libavutil*.dylib",) if sys.platform == "darwin" else ("Qt/lib/libavutil.so.*",)
    mode = getattr(os, "RTLD_NOLOAD", 0)
    for pattern in patterns:
        for path in sorted(glob.glob(str(root / pattern))):
            try:
                return ctypes.CDLL(path, mode=mode)
            except OSError:
                continue  # a copy under another name that is not the one loaded
    return None


def _to_logging(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    category = context.category if context.category and context.category != "default" else ""
    log.log(_LEVELS.get(kind, logging.WARNING), "%s%s", f"{category}: " if category else "", message)


def _errors_only(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
        _to_logging(kind, context, message)
