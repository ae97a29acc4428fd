"""Message delivery through long-polls, timed from outside: alice posts, bob's waiting ``/v1/sync`` answers.

``IdlePolls`` keeps other users' long-polls waiting beside it (raw sockets, one thread), to see what
waiters no message is for cost the server.
"""

from __future__ import annotations

import selectors
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks.served import Client, sign_up

POLL_WAIT_S = 20
SETTLE_S = 0.03  # bob's poll reaches the server and waits before alice posts


class Pair:
    """alice and bob in one conversation, each on a keep-alive connection."""

    def __init__(self, port: int) -> None:
        self.alice, self.bob = sign_up(port, "alice"), sign_up(port, "bob")
        conversation = self.alice.ok("POST", "/v1/conversations", {"title": "deliveries", "members": ["bob"]})
        self.path = f"/v1/conversations/{conversation['id']}/messages"
        self.cursor = self.bob.ok("GET", "/v1/sync")["cursor"]
        self.sent = 0

    def deliveries(self, count: int) -> list[float]:
        """Milliseconds from just before each POST to bob's poll answering with that message."""
        return [self.deliver() for _ in range(count)]

    def deliver(self) -> float:
        self.sent += 1
        text = f"ping {self.sent}"
        answer: dict[str, Any] = {}
        poll = threading.Thread(target=self._poll, args=(answer,))
        poll.start()
        time.sleep(SETTLE_S)
        sent = time.perf_counter()
        self.alice.ok("POST", self.path, {"client_id": uuid.uuid4().hex, "body": text, "attachments": []})
        poll.join()
        page = answer["page"]
        if [e["message"]["body"] for e in page["events"]] != [text]:
            raise RuntimeError(f"bob's poll answered {page} instead of {text!r}")
        self.cursor = page["cursor"]
        at: float = answer["at"]
        return (at - sent) * 1000

    def _poll(self, answer: dict[str, Any]) -> None:
        answer["page"] = self.bob.ok("GET", f"/v1/sync?cursor={self.cursor}&wait={POLL_WAIT_S}")
        answer["at"] = time.perf_counter()

    def close(self) -> None:
        self.alice.close()
        self.bob.close()


def sign_up_many(port: int, names: list[str]) -> list[Client]:
    """Accounts signed up two at a time (each costs the server two scrypt hashes); their connections closed."""
    with ThreadPoolExecutor(2) as pool:
        clients = list(pool.map(lambda name: sign_up(port, name), names))
    for client in clients:
        client.close()
    return clients


class IdlePolls:
    """``polls`` long-polls (``wait=60``) spread over these users' tokens, kept waiting until closed.

    Each is its own connection with ``Connection: close``; one that answers is counted in ``answered``
    (a time-out too, after 60 s) and sent again.
    """

    def __init__(self, port: int, tokens: list[str], polls: int) -> None:
        self.port = port
        self.requests = [self._request(tokens[i % len(tokens)]) for i in range(polls)]
        self.answered = 0
        self._selector = selectors.DefaultSelector()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="idle-polls", daemon=True)

    @staticmethod
    def _request(token: str) -> bytes:
        return (f"GET /v1/sync?wait=60 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                "Connection: close\r\n\r\n").encode()

    def __enter__(self) -> IdlePolls:
        for request in self.requests:
            self._open(request)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        for key in list(self._selector.get_map().values()):
            self._selector.unregister(key.fileobj)
            key.fileobj.close()  # type: ignore[union-attr]
        self._selector.close()

    def _open(self, request: bytes) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port))
        sock.sendall(request)
        self._selector.register(sock, selectors.EVENT_READ, request)

    def _run(self) -> None:
        while not self._stop.is_set():
            for key, _ in self._selector.select(timeout=0.2):
                sock: socket.socket = key.fileobj  # type: ignore[assignment]
                if not sock.recv(65536):  # the server closed after its answer: poll again
                    self._selector.unregister(sock)
                    sock.close()
                    self.answered += 1
                    self._open(key.data)
