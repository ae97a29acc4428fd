"""The feed puller: long-polls /v1/sync with the stored cursor and files each page in one transaction.

How a page is filed (set-based, in order, one unfileable event never blocking the feed) is
``desktop.core.feed_page``.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from desktop.core.feed_page import FeedPage, file_page
from desktop.core.worker import Worker
from sync.client import ApiError, CertificateError, Offline

if TYPE_CHECKING:
    from desktop.core.engine import Engine

log = logging.getLogger(__name__)
LONG_POLL_S = 25.0


class Puller(Worker):
    name = "envelope-pull"

    def __init__(self, engine: Engine, *, long_poll_s: float = LONG_POLL_S) -> None:
        super().__init__()
        self.engine = engine
        self.long_poll_s = long_poll_s
        self._failures = 0
        self._caught_up = False
        self._filing = threading.Lock()

    def stop(self, timeout: float = 0.0) -> None:
        """Stop without waiting out a long-poll in flight: its answer is dropped, never filed.

        A page being filed is finished first, so the database can close right after this. The thread
        (a daemon) is not waited for by default (quitting the app must not wait on the network); one
        still in a long-poll ends when its answer comes (or the connection drops), files nothing and
        reads nothing more.
        """
        self._stopping.set()
        self._wake.set()
        with self._filing:
            pass
        super().stop(timeout)

    def step(self) -> float | None:
        engine = self.engine
        client = engine.client
        if client is None:
            return None
        try:
            page = FeedPage.model_validate(
                client.sync_json(engine.db.cursor(), wait=self.long_poll_s if self._caught_up else 0))
        except Offline as exc:
            if self.stopping:
                return None
            engine.went_offline(str(exc))
            self._failures += 1
            self._caught_up = False
            return engine.backoff.delay(self._failures)
        except CertificateError as exc:  # not offline: refused, and said so, until the certificate is right
            engine.certificate_refused(exc)
            self._failures += 1
            self._caught_up = False
            return engine.backoff.delay(self._failures)
        except ApiError as exc:
            if exc.status == 401:
                engine.signed_out()
                return None
            self._failures += 1
            return engine.backoff.delay(self._failures)
        except ValueError as exc:  # not JSON, or no cursor: nothing to file and nowhere to move on to
            log.warning("the server sent a sync page that is not one: %s", exc)
            self._failures += 1
            return engine.backoff.delay(self._failures)
        self._failures = 0
        with self._filing:
            if self.stopping:
                return None
            if not self._caught_up and not page.events:
                engine.went_online()
            file_page(engine, page)
        self._caught_up = not page.has_more
        if self._caught_up:
            engine.went_online()
        else:
            engine.syncing()
        return 0
