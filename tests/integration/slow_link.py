"""A slow network link for tests: a TCP proxy on loopback that passes bytes through at a set rate.

It lets a large transfer last long enough to see what else moves meanwhile, without any change to
the server or the client: the client is pointed at ``link.url`` instead of the server's.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

BLOCK = 64 * 1024


class SlowLink:
    """Forwards ``127.0.0.1:port`` to ``target_port``; each connection carries at most
    ``bytes_per_s`` in each direction (a token bucket per connection and direction)."""

    def __init__(self, target_port: int, *, bytes_per_s: int) -> None:
        self.target_port = target_port
        self.bytes_per_s = bytes_per_s
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closed = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True, name="slow-link").start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                if self._closed.is_set():  # came in as it closed
                    client.close()
                    upstream.close()
                    return
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        allowance, last = 0.0, time.monotonic()
        try:
            while block := source.recv(BLOCK):
                view = memoryview(block)
                while view:
                    now = time.monotonic()
                    allowance = min(self.bytes_per_s / 4, allowance + (now - last) * self.bytes_per_s)
                    last = now
                    if allowance < 1:  # the link's pace (not a wait for something to happen)
                        time.sleep((1 - allowance) / self.bytes_per_s + 0.005)
                        continue
                    n = min(len(view), int(allowance))
                    sink.sendall(view[:n])
                    view, allowance = view[n:], allowance - n
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._closed.set()
        with suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes accept(): no connection comes in after close
        self._listener.close()
        with self._lock:
            for s in self._sockets:
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)  # wakes a pump blocked in recv (close alone does not)
                s.close()


@contextmanager
def slow_link(target_port: int, *, bytes_per_s: int) -> Iterator[SlowLink]:
    link = SlowLink(target_port, bytes_per_s=bytes_per_s)
    try:
        yield link
    finally:
        link.close()
