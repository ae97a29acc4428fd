"""Errors of the client core: the user's or environment's situation apart from our own bugs."""

from __future__ import annotations


class CoreError(Exception):
    """Base of every error raised on purpose by ``desktop/core``."""


class UserFacingError(CoreError):
    """Not our bug: the environment or the user's data is in a state a person can act on.

    ``str(error)`` is a sentence fit to show in the UI.
    """


class NotSignedIn(UserFacingError):
    def __init__(self) -> None:
        super().__init__("Sign in to a server before sending messages.")


class DatabaseTooNew(UserFacingError):
    def __init__(self, path: str, unknown: list[str]) -> None:
        super().__init__(
            f"The data in {path} was written by a newer version of Envelope; update Envelope to open it."
        )
        self.unknown_migrations = unknown


class DatabaseUnavailable(UserFacingError):
    """SQLite could not open or write the database (disk full, read-only, damaged file)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"Envelope cannot use its database at {path}: {reason}.")
        self.reason = reason


class CorruptDownload(UserFacingError):
    """A downloaded blob did not hash to its name; the partial file has been discarded."""

    def __init__(self, sha256: str, actual: str) -> None:
        super().__init__(f"A download arrived damaged (expected {sha256[:12]}…); it will be fetched again.")
        self.sha256 = sha256
        self.actual = actual


class NotFound(CoreError, KeyError):
    """A record the caller named does not exist (a programming or sync-ordering problem)."""

    def __str__(self) -> str:
        return Exception.__str__(self)


class UnknownMessage(NotFound):
    pass


class UnknownConversation(NotFound):
    pass


class UnknownOutboxItem(NotFound):
    pass


class UnknownSetting(NotFound):
    pass


class BlobNotCached(NotFound):
    """The blob has no complete copy (nor, for ``complete_partial``, a partial one) in the cache."""
