"""Errors of the metadata store, whatever engine is behind it."""

from __future__ import annotations


class MetadataError(Exception):
    """The metadata store failed (our bug or the environment's); the API answers 500."""


class Duplicate(MetadataError):
    """A row that must be unique is already there (a username, a client_id that raced in)."""


class MetadataFull(MetadataError):
    """The database's disk is full: writes fail, reads go on. The API answers 507."""


class WrongMetadataKey(MetadataError):
    """The metadata key does not open the sealed data (another key, or a damaged value)."""


class ConversationFull(MetadataError):
    """A member would go past the conversation's limit; the API answers 422."""
