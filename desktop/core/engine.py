"""The sync engine: the client's local-first core that the UI drives and listens to (no Qt).

Every send is written to the local database and cache first and shown at once as pending; the
outbox worker uploads and posts it when the server is reachable. The puller long-polls the feed
and files what arrives; the download queue fetches thumbnails at once and full media by policy.
Each runs on its own thread; the listener is called from those threads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from desktop.core.backoff import Backoff
from desktop.core.cache import MediaCache
from desktop.core.db.local import LocalDB
from desktop.core.db.records import Account, Message, now_ms
from desktop.core.downloads import Downloads
from desktop.core.errors import NotSignedIn
from desktop.core.events import (
    Connection,
    ConnectionChanged,
    ConversationsChanged,
    EngineEvent,
    Listener,
    MessageAdded,
    MessageUpdated,
    TransfersChanged,
)
from desktop.core.outbox_worker import OutboxWorker
from desktop.core.puller import Puller
from desktop.core.sending import prepare
from desktop.core.streaming import Streams
from desktop.core.transfers import Transfers
from desktop.core.watcher import FolderWatcher
from sync.certificates import normalize_fingerprint, origin_of
from sync.client import CertificateError, SyncClient

log = logging.getLogger(__name__)


class Engine:
    """One user's client core in ``data_dir``. ``start()`` it, ``stop()`` it; all methods are thread-safe.

    Methods that talk to the server (sign-up, sign-in, creating a conversation) raise
    ``sync.client.Offline`` / ``ApiError`` / ``CertificateError``; everything about messages works
    offline. ``clock`` (epoch milliseconds) stamps what the database records: message times, due
    times, cache use. HTTPS servers are verified against the system store, or the CAs of
    ``ca_file``, or the certificate pinned for them (``trust_certificate``).
    """

    def __init__(self, data_dir: Path, *, listener: Listener | None = None, long_poll_s: float = 25.0,
                 backoff: Backoff | None = None, watch_settle_s: float = 1.0,
                 clock: Callable[[], int] = now_ms, ca_file: Path | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.ca_file = ca_file
        self.db = LocalDB.in_dir(self.data_dir, clock=clock)
        self.cache = MediaCache.in_dir(self.data_dir, self.db)
        self._commands = ThreadPoolExecutor(max_workers=1, thread_name_prefix="envelope-commands")
        self.cache.later = self.later
        self.backoff = backoff or Backoff()
        self._listeners: list[Listener] = [listener] if listener else []
        self._state: Connection = "signed_out"
        self._state_lock = threading.Lock()
        self.client: SyncClient | None = None
        account = self.db.account()
        if account is not None and account.token:
            self.client = self.client_for(account.server_url, account.token)
            self._state = "syncing"  # until the server answers (or doesn't)
        self.outbox = OutboxWorker(self)
        self.puller = Puller(self, long_poll_s=long_poll_s)
        self.downloads = Downloads(self)
        self.transfers = Transfers(self)
        self.watcher = FolderWatcher(self._watched_file_ready, settle_s=watch_settle_s)
        self._started = False

    # -- lifecycle -----------------------------------------------------------------------------------
    def start(self) -> Engine:
        self.db.outbox.release_all()
        self.cache.evict()
        self.cache.remove_open_copies()  # left over from a crash
        self.outbox.start()
        self.puller.start()
        self.downloads.start()
        self.watcher.start()
        for folder in self.db.watched.folders():
            self.watcher.watch(Path(folder.path), folder.conversation_id)
        self._started = True
        return self

    def stop(self) -> None:
        """Stop every thread; what is in flight resumes at the next start."""
        if self._started:
            self.watcher.stop()
            for worker in (self.puller, self.outbox, self.downloads):
                worker.stop()
            self._started = False
        self._commands.shutdown(wait=True)  # what the user asked for last is written before closing
        Streams.stop_for(self)
        self.cache.remove_open_copies()
        self.db.close()

    def later(self, command: Callable[[], object]) -> None:
        """Run a change on the engine's commands thread, after every change asked before it; the
        caller (the GUI thread) never waits on the database. A failure is logged; nothing runs
        after ``stop``."""
        def run() -> None:
            try:
                command()
            except Exception:
                log.exception("engine command failed")

        try:
            self._commands.submit(run)
        except RuntimeError:  # stopped
            log.info("engine stopped: a late command was dropped")

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    def emit(self, event: EngineEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("engine listener failed on %r", event)

    # -- connection state ----------------------------------------------------------------------------
    @property
    def state(self) -> Connection:
        return self._state

    def _set_state(self, state: Connection, detail: str = "") -> None:
        with self._state_lock:
            if state == self._state:
                return
            if self.client is None and state in ("online", "syncing"):
                return  # a request under way at sign-out answered late: signed out stays signed out
            self._state = state
        self.emit(ConnectionChanged(state, detail))

    def went_offline(self, detail: str = "") -> None:
        self._set_state("offline", detail)

    def went_online(self) -> None:
        if self._state != "online":
            self._set_state("online")
            self.outbox.kick()  # whatever waited for the network may go now

    def syncing(self) -> None:
        self._set_state("syncing")

    def signed_out(self) -> None:
        self._set_state("signed_out", "Your session ended; sign in again.")

    def certificate_refused(self, error: CertificateError) -> None:
        """The server's certificate is not (or no longer) the trusted one: nothing is sent until it is."""
        self._set_state("untrusted", str(error))

    def conversations_changed(self) -> None:
        self.emit(ConversationsChanged())

    # -- account ---------------------------------------------------------------------------------------
    @property
    def account(self) -> Account | None:
        return self.db.account()

    def client_for(self, server_url: str, token: str | None = None) -> SyncClient:
        """A client of ``server_url`` with this profile's trust: its CA file, the server's pin."""
        pin = self.db.certificates.get(origin_of(server_url)) if server_url.startswith("https://") else None
        return SyncClient(server_url, token, ca_file=self.ca_file, pin=pin)

    def trust_certificate(self, server_url: str, fingerprint: str) -> None:
        """Pin the certificate with this SHA-256 fingerprint for ``server_url`` (a person compared it).

        Raises ValueError when ``fingerprint`` is not one.
        """
        origin = origin_of(server_url)
        self.db.certificates.pin(origin, normalize_fingerprint(fingerprint))
        self._renew_client(origin)

    def forget_certificate(self, server_url: str) -> bool:
        """Drop the pin of ``server_url`` (the next connection asks again); False when there was none."""
        origin = origin_of(server_url)
        forgotten = self.db.certificates.forget(origin)
        self._renew_client(origin)
        return forgotten

    def _renew_client(self, origin: str) -> None:
        client = self.client
        if client is not None and origin_of(client.base_url) == origin:
            self.client = self.client_for(client.base_url, client.token)
            for worker in (self.puller, self.outbox, self.downloads):
                worker.kick()

    def sign_up(self, server_url: str, username: str, password: str) -> Account:
        self.client_for(server_url).create_account(username, password)
        return self.sign_in(server_url, username, password)

    def sign_in(self, server_url: str, username: str, password: str) -> Account:
        client = self.client_for(server_url)
        token = client.sign_in(username, password)
        account = Account(server_url.rstrip("/"), token.user_id, client.me().username, token.token)
        self.db.set_account(account)
        self.client = client
        self._set_state("syncing")
        for worker in (self.puller, self.outbox, self.downloads):
            worker.kick()
        return account

    def use_server(self, server_url: str) -> None:
        """Point the signed-in account at another address of the same server (e.g. a new local port)."""
        account = self.db.account()
        if account is None or account.token is None:
            raise NotSignedIn()
        url = server_url.rstrip("/")
        self.db.set_account(Account(url, account.user_id, account.username, account.token))
        self.client = self.client_for(url, account.token)
        for worker in (self.puller, self.outbox, self.downloads):
            worker.kick()

    def sign_out(self, *, revoke: bool = True) -> None:
        """Forget the token here; with ``revoke`` also end the session on the server (best effort)."""
        client, self.client = self.client, None
        self.db.sign_out()
        if client is not None and revoke:
            try:
                client.sign_out()
            except Exception as exc:  # offline: the token is forgotten locally all the same
                log.info("sign-out did not reach the server: %s", exc)
        self.signed_out()

    def _require_client(self) -> SyncClient:
        if self.client is None:
            raise NotSignedIn()
        return self.client

    # -- conversations ---------------------------------------------------------------------------------
    def create_conversation(self, title: str, members: Sequence[str]) -> str:
        """Create a conversation on the server (needs the network); returns its id."""
        conversation = self._require_client().create_conversation(title, list(members))
        self.db.conversations.upsert(conversation)
        self.conversations_changed()
        return conversation.id

    # -- requests (a conversation from someone the user never talked to) ----------------------------
    def accept_request(self, conversation_id: str) -> None:
        """Accept a request (needs the network): it becomes an ordinary conversation and its media comes."""
        self.db.conversations.upsert(self._require_client().accept(conversation_id))
        self.conversations_changed()
        self.fetch_media(conversation_id)

    def delete_request(self, conversation_id: str) -> None:
        """Leave a request (needs the network); it disappears with its messages."""
        account = self.account
        if account is None:
            raise NotSignedIn()
        self._require_client().remove_member(conversation_id, account.username)
        self._forget(conversation_id)

    def block_request(self, conversation_id: str) -> str:
        """Block whoever sent the request and leave it (needs the network); returns their name."""
        blocked = self._require_client().block_inviter(conversation_id)
        self._forget(conversation_id)
        return blocked.username

    def _forget(self, conversation_id: str) -> None:
        self.db.conversations.remove(conversation_id)
        self.conversations_changed()

    def fetch_media(self, conversation_id: str) -> None:
        """Queue what a new message would have queued, for every message here (a request was accepted)."""
        for message in self.db.messages.page(conversation_id, limit=10_000):
            self.downloads.want_message(message)

    def set_pinned_offline(self, conversation_id: str, pinned: bool) -> None:
        """Keep a conversation's media offline (download it all, never evict it)."""
        self.db.conversations.set_pinned_offline(conversation_id, pinned)
        if pinned:
            for item in self.db.messages.media(conversation_id, ("image", "video", "audio", "file"), limit=10_000):
                if item.blob_state != "complete":
                    self.downloads.request(item.attachment.blob)

    # -- messages --------------------------------------------------------------------------------------
    def send(self, conversation_id: str, body: str = "", files: Sequence[Path] = (), *,
             as_file: bool = False) -> Message:
        """Write a message (and its files) locally as pending and queue it; returns at once after that.

        Files are copied into the cache and previewed here, so call it off the GUI thread.
        Raises NotSignedIn, UnknownConversation, OSError for an unreadable file.
        """
        compress = bool(self.db.settings.get("compress_photos"))
        attachments = [prepare(self.cache, Path(f), as_file=as_file, compress=compress) for f in files]
        message = self.db.messages.add_local(conversation_id, body, attachments)
        self.emit(MessageAdded(message.id, conversation_id))
        if attachments:
            self.emit(TransfersChanged())  # its uploads are queued
        self.conversations_changed()
        self.outbox.kick()
        return message

    def retry(self, client_id: str) -> None:
        message = self.db.messages.retry(client_id)
        self.emit(MessageUpdated(message.id, message.conversation_id))
        self.emit(TransfersChanged())  # its uploads wait their turn again
        self.outbox.kick()

    def discard(self, message_id: int) -> None:
        """Throw away a message of ours that failed to send (or whose upload was cancelled), with its outbox."""
        message = self.db.messages.get(message_id)
        if message is None or message.state != "failed":
            return
        self.db.messages.discard(message.client_id)
        self.emit(MessageUpdated(message.id, message.conversation_id))
        self.emit(TransfersChanged())  # its uploads left the queue
        self.conversations_changed()

    def delete_for_me(self, message_id: int) -> None:
        """Delete a sent or failed message from this profile only; the other members keep it."""
        message = self.db.messages.delete_for_me(message_id)
        if message is not None:
            self.emit(MessageUpdated(message.id, message.conversation_id))
            self.conversations_changed()

    def cancel_transfer(self, sha256: str) -> None:
        """Stop a blob's upload (its message fails, with Retry) and its download, running or queued;
        returns at once (the commands thread does it)."""
        self.outbox.cancel(sha256)  # a running one stops now

        def cancel() -> None:
            self.outbox.cancel_upload(sha256)
            self.downloads.cancel(sha256)

        self.later(cancel)

    def download(self, sha256: str) -> None:
        """Fetch a blob's bytes into the cache (progress and BlobReady events follow); returns at once."""
        self.later(lambda: self.downloads.request(sha256))

    def media_path(self, sha256: str) -> Path | None:
        """The cached file of a blob, or None when it is not here yet."""
        return self.cache.path(sha256)

    def save_media(self, sha256: str, target: Path) -> Path:
        """Write a copy of a blob to ``target`` (from the cache, else streamed from the server, never
        through the cache); blocking. Raises SaveFailed, NotSignedIn, CorruptDownload, ApiError, OSError."""
        return self.downloads.save(sha256, target)

    def open_copy(self, sha256: str, name: str) -> Path:
        """A private copy of a blob under its cleaned name, for another app to open; blocking.

        It lives in the profile's ``open`` folder (owner-only, emptied at start and quit) and is
        reused while it has the blob's size. Raises as ``save_media``.
        """
        target = self.cache.open_path(sha256, name)
        record = self.db.blobs.get(sha256)
        if record is not None and record.size is not None and target.is_file() \
                and target.stat().st_size == record.size:
            return target
        return self.downloads.save(sha256, target, private=True)

    # -- watched folders -------------------------------------------------------------------------------
    def watch_folder(self, folder: Path, conversation_id: str) -> None:
        self.db.watched.add_folder(str(Path(folder).resolve()), conversation_id)
        if self._started:
            self.watcher.watch(Path(folder), conversation_id)

    def unwatch_folder(self, folder: Path) -> None:
        self.db.watched.remove_folder(str(Path(folder).resolve()))
        self.watcher.unwatch(Path(folder))

    def _watched_file_ready(self, path: Path, conversation_id: str) -> None:
        try:
            stat = path.stat()
        except OSError:
            return
        if self.db.watched.already_sent(str(path), size=stat.st_size, mtime_ns=stat.st_mtime_ns):
            return
        try:
            attachment = prepare(self.cache, path, compress=bool(self.db.settings.get("compress_photos")))
            with self.db.batch():  # the message and "sent" commit together: never twice, never lost
                message = self.db.messages.add_local(conversation_id, "", [attachment])
                self.db.watched.record_file(str(path), size=stat.st_size, mtime_ns=stat.st_mtime_ns,
                                            sha256=attachment.blob, sent=True)
        except Exception:
            log.exception("could not send watched file %s", path)
            return
        self.emit(MessageAdded(message.id, conversation_id))
        self.emit(TransfersChanged())
        self.conversations_changed()
        self.outbox.kick()

