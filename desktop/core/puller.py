"""The feed puller: long-polls /v1/sync with the stored cursor and files each page in one transaction.

While the feed has more, the next page is asked for on a thread of its own as soon as a page
arrives, so the server reads it while this one is filed; it is used only if the cursor it was asked
from is the one stored once this page is filed (a page that failed to file is asked for again).
How a page is filed (set-based, in order, one unfileable event never blocking the feed) is
``desktop.core.feed_page``.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from desktop.core.feed_page import FeedPage, file_page
from desktop.core.worker import Worker
from sync.client import ApiError, CertificateError, Offline, SyncClient

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
        self._ahead: PageAhead | None = None

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
        with self._filing:  # stop() closes the database right after taking this lock: no read after that
            if self.stopping:
                return None
            cursor = engine.db.cursor()
        ahead, self._ahead = self._ahead, None
        try:
            if ahead is not None and ahead.client is client and ahead.cursor == cursor:
                raw = ahead.result()
            else:
                raw = client.sync_json(cursor, wait=self.long_poll_s if self._caught_up else 0)
            page = FeedPage.model_validate(raw)
        except Offline as exc:
            if self.stopping:
                return None
            engine.went_offline(str(exc))
            self._failures += 1
            self._caught_up = False
            return engine.backoff.delay(self._failures)
        except CertificateError as exc:  # not offline: refused, and said so, until the certificate is right
            if self.stopping:
                return None
            engine.certificate_refused(exc)
            self._failures += 1
            self._caught_up = False
            return engine.backoff.delay(self._failures)
        except ApiError as exc:
            if self.stopping:  # the database may be closed already: sign-out writes to it
                return None
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
        if page.has_more and not self.stopping:
            self._ahead = PageAhead(client, page.cursor)
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


class PageAhead:
    """The feed page after ``cursor``, fetched on a daemon thread of its own (nothing waits for it at quit)."""

    def __init__(self, client: SyncClient, cursor: str) -> None:
        self.client = client
        self.cursor = cursor
        self._done = threading.Event()
        self._page: Any = None
        self._error: Exception | None = None
        threading.Thread(target=self._fetch, name="envelope-pull-ahead", daemon=True).start()

    def _fetch(self) -> None:
        try:
            self._page = self.client.sync_json(self.cursor, wait=0)
        except Exception as exc:  # handed to the puller's step, which handles it as its own request's
            self._error = exc
        finally:
            self._done.set()

    def result(self) -> Any:
        """The page's JSON once it is here; raises what the request raised."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._page
