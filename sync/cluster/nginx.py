"""nginx as the replicas' balancer and the edge cache for media: the one owner of "run nginx".

Debian's ``nginx`` package (``/usr/sbin/nginx``), run with a generated config in its own dir: a private
loopback port, its own pid file, logs, temp and cache dirs. Under root its workers run as ``nobody``,
which owns the temp and cache dirs.

Balancer: round robin over the replicas; a replica that refuses or times out is skipped
(``proxy_next_upstream``); long polls are held up to 90 s; request bodies stream to the replica as they
come (tus PATCHes), responses too.

Edge cache for ``GET /v1/media/{sha256}``: every request, cached or not, first asks a replica whether the
caller may read the blob (``auth_request`` to ``/v1/media/{sha256}/access`` with the caller's bearer
token or signed-link query); only then are the bytes served, from the cache when there. The cache key is
the sha256 and an 8 MiB slice (the slice module): the bytes behind a hash never change, a seek in a video
fetches only the slices it needs, and a reader's Range is served from the cached slices. The file name
(Content-Disposition) is the caller's own, from the access answer, never the one cached. A refusal is the
replica's own answer (its status and sentence): nginx asks once more, without auth_request, and passes it on
(auth_request itself turns anything but 2xx, 401 and 403, such as a malformed link's 400, into a 500).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

NGINX = "/usr/sbin/nginx"
RUN_AS = "nobody"
SLICE_MIB = 8  # 1 MiB slices read a cold blob at a fifth of the speed: a request, and an S3 GET, per slice
SLICE = f"{SLICE_MIB}m"
STOP_S = 10.0
LONG_POLL_S = 90  # above the server's longest /v1/sync wait (60 s)

_CONFIG = """\
{user}worker_processes 2;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {root}/access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    proxy_cache_path {cache} levels=1:2 keys_zone=media:16m max_size=10g inactive=30d use_temp_path=off;
    upstream envelope {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 0;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_next_upstream error timeout http_502 http_503;
        proxy_connect_timeout 2s;
        proxy_read_timeout {long_poll}s;
        proxy_send_timeout {long_poll}s;
        proxy_request_buffering off;
        proxy_buffering off;

        location / {{
            proxy_pass http://envelope;
        }}
        location ~ "^/v1/media/([0-9a-f]{{64}})$" {{
            set $sha $1;
            set $link $args;
            auth_request /_access;
            error_page 401 403 500 = @refused;
            auth_request_set $disposition $upstream_http_content_disposition;
            slice {slice};
            proxy_buffering on;
            proxy_cache media;
            proxy_cache_key $sha$slice_range;
            proxy_cache_valid 200 206 365d;
            proxy_cache_lock on;
            proxy_ignore_headers Cache-Control Expires Set-Cookie;
            proxy_set_header Range $slice_range;
            proxy_hide_header Content-Disposition;
            add_header Content-Disposition $disposition;
            add_header X-Cache $upstream_cache_status;
            proxy_pass http://envelope;
        }}
        location @refused {{
            proxy_pass http://envelope/v1/media/$sha/access?$link;
        }}
        location = /_access {{
            internal;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header Range "";
            proxy_pass http://envelope/v1/media/$sha/access?$link;
        }}
    }}
}}
"""


class NginxError(RuntimeError):
    """nginx is missing, its config is refused, or it did not start; the message says which."""


class Nginx:
    """The balancer in ``root``: ``start(port, replicas)``, ``running()``, ``stop()``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.config = root / "nginx.conf"
        self.pid_file = root / "nginx.pid"

    def write_config(self, port: int, replicas: list[str]) -> None:
        temp, cache = self.root / "temp", self.root / "cache"
        for path in (temp, cache):
            path.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(path, user=RUN_AS)
        servers = "\n".join(f"        server {url.removeprefix('http://')} max_fails=1 fail_timeout=5s;"
                            for url in replicas)
        user = f"user {RUN_AS} nogroup;\n" if os.geteuid() == 0 else ""
        self.config.write_text(_CONFIG.format(user=user, root=self.root, temp=temp, cache=cache, servers=servers,
                                              port=port, long_poll=LONG_POLL_S, slice=SLICE))

    def _run(self, *args: str) -> None:
        if not Path(NGINX).exists():
            raise NginxError("nginx is not installed: install Debian's nginx package (make test does it as root).")
        done = subprocess.run([NGINX, "-p", str(self.root), "-c", str(self.config), *args],
                              capture_output=True, text=True, check=False, timeout=60)
        if done.returncode != 0:
            raise NginxError(f"nginx {' '.join(args) or 'start'} failed: {done.stderr.strip()}")

    def start(self, port: int, replicas: list[str]) -> Nginx:
        """Write the config, check it, and start nginx (it runs on in the background: its pid is in pid_file)."""
        self.write_config(port, replicas)
        self._run("-t", "-q")
        self._run()
        return self

    def pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def running(self) -> bool:
        pid = self.pid()
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True

    def stop(self) -> None:
        """Stop it quickly (SIGTERM to the master, which ends its workers); nothing when it is not running."""
        pid = self.pid()
        if pid is None or not self.running():
            return
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_S
        while self.running() and time.monotonic() < deadline:
            time.sleep(0.05)  # nginx is not our child (it daemonizes): there is no wait() for it
