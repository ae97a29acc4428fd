"""Command line: ``python -m sync serve`` (installed: ``envelope-server``) runs the server; ``python -m sync probe``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def package_version() -> str:
    """The installed distribution's version (pyproject.toml is its one source); "unknown" when not installed."""
    try:
        return version("envelope")
    except PackageNotFoundError:
        return "unknown"


def _serve(argv: list[str], *, prog: str = "python -m sync serve") -> int:
    parser = argparse.ArgumentParser(prog=prog, description="Run the Envelope sync server.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
    parser.add_argument("--data-dir", type=Path, required=True, help="where the database and blobs live")
    parser.add_argument("--storage", default="file", help="blob storage: 'file' (local disk under --data-dir)")
    parser.add_argument("--database", default="sqlite", help="metadata database: 'sqlite' (under --data-dir)")
    parser.add_argument("--max-upload-mb", type=int, default=4096, help="largest upload accepted, in MB")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    parser.add_argument("--link-secret-file", type=Path, metavar="FILE",
                        help="the key that signs media links (at least 32 bytes), the same on every replica; "
                             "or set ENVELOPE_LINK_SECRET (default: one made once in --data-dir)")
    args = parser.parse_args(argv)
    if args.storage != "file":
        parser.error(f"--storage {args.storage}: only 'file' is available in this version")
    if args.database != "sqlite":
        parser.error(f"--database {args.database}: only 'sqlite' is available in this version")

    from sync.server.config import ConfigError, ServerConfig
    from sync.server.runner import run_forever

    config = ServerConfig(data_dir=args.data_dir.resolve(), max_upload_bytes=args.max_upload_mb * 1024 * 1024,
                          link_secret_file=args.link_secret_file)
    try:
        config.link_secret()
    except ConfigError as exc:
        parser.error(str(exc))
    run_forever(config, host=args.host, port=args.port, log_level=args.log_level)
    return 0


def serve(argv: list[str] | None = None) -> int:
    """The ``envelope-server`` command: ``python -m sync serve`` under its installed name."""
    return _serve(sys.argv[1:] if argv is None else argv, prog="envelope-server")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    commands: dict[str, Callable[[list[str]], int]] = {"serve": _serve}
    try:
        from sync.media.probe import main as probe_main

        commands["probe"] = probe_main
    except ImportError:  # pragma: no cover - the media pipeline is part of the package
        pass
    if not argv or argv[0] not in commands or argv[0] in {"-h", "--help"}:
        print(f"usage: python -m sync {{{','.join(commands)}}} ...", file=sys.stderr)
        return 0 if argv and argv[0] in {"-h", "--help"} else 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main())
