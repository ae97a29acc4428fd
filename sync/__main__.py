"""Command line: ``python -m sync serve`` (installed: ``envelope-server``) runs the server; ``python -m sync probe``."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sync.server.tls import TlsFiles


def package_version() -> str:
    """The installed distribution's version (pyproject.toml is its one source); "unknown" when not installed."""
    from importlib.metadata import PackageNotFoundError, version  # ~25 ms: only when asked

    try:
        return version("envelope")
    except PackageNotFoundError:
        return "unknown"


class VersionAction(argparse.Action):
    """``--version``: prints "<prog> <version>" and exits, looking the version up only then."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        print(f"{parser.prog} {package_version()}")  # on stdout, as argparse's own "version" action
        parser.exit()


def _serve(argv: list[str], *, prog: str = "python -m sync serve") -> int:
    from sync.server import limit_settings

    parser = argparse.ArgumentParser(prog=prog, description="Run the Envelope sync server.")
    parser.add_argument("--version", action=VersionAction)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
    parser.add_argument("--data-dir", type=Path, required=True, help="where the database and blobs live")
    parser.add_argument("--storage", default="file", metavar="WHERE",
                        help="blob storage: 'file' (encrypted, on the local disk under --data-dir, the default) "
                             "or s3://BUCKET[/PREFIX] (credentials from the standard AWS_* variables)")
    parser.add_argument("--s3-endpoint", default="", metavar="URL",
                        help="the S3 endpoint for --storage s3://... (SeaweedFS, MinIO, ...); default AWS S3")
    parser.add_argument("--database", default="sqlite", metavar="URL",
                        help="metadata database: 'sqlite' (a file in --data-dir, the default) or a "
                             "postgresql://USER@HOST:PORT/DB URL that every replica shares")
    parser.add_argument("--max-upload-mb", type=int, default=4096, help="largest upload accepted, in MB")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    parser.add_argument("--max-wait", type=int, default=60, metavar="SECONDS",
                        help="the longest a /v1/sync long poll is held, 0 to 60 (default 60): a client's larger "
                             "'wait' is cut to it, e.g. for a proxy that drops idle requests sooner")
    parser.add_argument("--link-secret-file", type=Path, metavar="FILE",
                        help="the key that signs media links (at least 32 bytes), the same on every replica; "
                             "or set ENVELOPE_LINK_SECRET (default: one made once in --data-dir)")
    parser.add_argument("--master-key-file", type=Path, metavar="FILE",
                        help="the master key that wraps every data key (made 0600 when absent; keep it off the "
                             "data dir's disk and backups); or set ENVELOPE_MASTER_KEY (default: master.key in "
                             "--data-dir)")
    parser.add_argument("--metrics-port", type=int, metavar="PORT",
                        help="serve Prometheus /metrics on 127.0.0.1:PORT only (default: not served; never on "
                             "the public port)")
    limit_settings.add_flags(parser)
    tls = parser.add_argument_group("HTTPS", "plain HTTP is served only on loopback unless --insecure-http")
    tls.add_argument("--tls-cert", type=Path, metavar="FILE", help="serve HTTPS with this certificate (PEM)")
    tls.add_argument("--tls-key", type=Path, metavar="FILE", help="the certificate's private key (PEM)")
    tls.add_argument("--tls-self-signed", action="store_true",
                     help="serve HTTPS with a self-signed certificate made once in --data-dir; prints its "
                          "fingerprint for users to compare")
    tls.add_argument("--insecure-http", action="store_true",
                     help="allow plain HTTP on a non-loopback address (only behind a proxy that does TLS)")
    args = parser.parse_args(argv)
    if args.storage != "file" and not args.storage.startswith("s3://"):
        parser.error(f"--storage {args.storage}: use 'file' or s3://BUCKET")
    database_url = _database_url(parser, args.database)
    if not 0 <= args.max_wait <= 60:
        parser.error(f"--max-wait {args.max_wait}: from 0 to 60 seconds")
    files = _tls_files(parser, args)  # plain HTTP beyond loopback is refused before anything is written

    from sync.server.at_rest import key_beside_data, open_keys
    from sync.server.config import ConfigError, ServerConfig
    from sync.server.metadata.errors import MetadataError, WrongMetadataKey
    from sync.server.runner import run_forever
    from sync.server.storage.s3 import open_s3

    config = ServerConfig(data_dir=args.data_dir.resolve(), max_upload_bytes=args.max_upload_mb * 1024 * 1024,
                          link_secret_file=args.link_secret_file, master_key_file=args.master_key_file,
                          max_wait_s=args.max_wait, limits=limit_settings.from_args(args),
                          storage_url="" if args.storage == "file" else args.storage, s3_endpoint=args.s3_endpoint,
                          database_url=database_url)
    try:
        config.link_secret()
        open_keys(config)  # the wrong master key: said here, before anything listens
        if config.storage_url:
            open_s3(config.storage_url, config.s3_endpoint)  # a bucket we cannot reach: said here too
    except ConfigError as exc:
        parser.error(str(exc))
    if warning := key_beside_data(config):
        print(f"warning: {warning}", file=sys.stderr, flush=True)
    try:
        run_forever(config, host=args.host, port=args.port, log_level=args.log_level, tls=files,
                    metrics_port=args.metrics_port)
    except WrongMetadataKey as exc:  # raised while the app is built, before it listens
        parser.error(str(exc))
    except MetadataError as exc:  # PostgreSQL does not answer, or refuses us
        parser.error(f"cannot open the metadata database: {exc}")
    except OSError as exc:  # the metrics port is taken (bound before anything listens)
        parser.error(f"cannot serve /metrics on 127.0.0.1:{args.metrics_port}: {exc.strerror or exc}")
    return 0


def _database_url(parser: argparse.ArgumentParser, database: str) -> str:
    """'' for SQLite in the data dir, else the PostgreSQL URL (its driver checked now, not at first use)."""
    if database == "sqlite":
        return ""
    if not database.startswith(("postgresql://", "postgres://")):
        parser.error(f"--database {database}: use 'sqlite' or a postgresql:// URL")
    if importlib.util.find_spec("psycopg") is None or importlib.util.find_spec("psycopg_pool") is None:
        parser.error("--database postgresql://...: the PostgreSQL driver is not installed; "
                     "install it with: pip install 'envelope[postgresql]'")
    return database


def _tls_files(parser: argparse.ArgumentParser, args: argparse.Namespace) -> TlsFiles | None:
    """The certificate to serve HTTPS with (made, for --tls-self-signed), or None for plain HTTP on loopback."""
    from sync.server.tls import TlsFiles, certificate_fingerprint, is_loopback, self_signed, server_context

    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("--tls-cert and --tls-key go together: the certificate and its private key")
    if args.tls_self_signed and args.tls_cert is not None:
        parser.error("--tls-self-signed makes its own certificate; leave out --tls-cert and --tls-key")
    if args.tls_cert is None and not args.tls_self_signed:
        if not is_loopback(args.host) and not args.insecure_http:
            parser.error(f"refusing plain HTTP on {args.host}: passwords, tokens and files would cross the network "
                         "unencrypted. Serve HTTPS (--tls-cert FILE --tls-key FILE, or --tls-self-signed), or, "
                         "only behind a proxy that does TLS, add --insecure-http")
        return None
    made = False
    try:
        if args.tls_self_signed:
            files, made = self_signed(args.data_dir.resolve(), args.host)
        else:
            files = TlsFiles(args.tls_cert.resolve(), args.tls_key.resolve())
        server_context(files)  # unreadable or mismatched files fail here, in a sentence, not in uvicorn
        print_fingerprint = certificate_fingerprint(files.cert)
    except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
        parser.error(f"cannot serve HTTPS with {args.tls_cert or 'the self-signed certificate'}: {exc}")
    kind = ("a new self-signed certificate" if made else "its self-signed certificate") if args.tls_self_signed \
        else f"the certificate in {files.cert}"
    print(f"Envelope serves HTTPS on port {args.port} with {kind}.\n"
          f"SHA-256 fingerprint: {print_fingerprint}\n"
          "People signing in compare this with the fingerprint their app shows before trusting it.", flush=True)
    return files


def serve(argv: list[str] | None = None) -> int:
    """The ``envelope-server`` command: ``python -m sync serve`` under its installed name."""
    return _serve(sys.argv[1:] if argv is None else argv, prog="envelope-server")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from sync.server import admin

    commands: dict[str, Callable[[list[str]], int]] = {
        "serve": _serve, "rotate-key": admin.rotate_key, "verify": admin.verify, "new-key": admin.new_key,
    }
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
