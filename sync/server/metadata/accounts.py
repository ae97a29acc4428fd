"""Accounts and bearer tokens in the metadata store (tokens are kept as their sha256 only)."""

from __future__ import annotations

from dataclasses import dataclass

from sync.server.metadata.engine import Database


@dataclass(frozen=True)
class User:
    id: str
    username: str


@dataclass(frozen=True)
class Login:
    user: User
    password_hash: str


class Accounts:
    """Reached as ``Metadata.accounts``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, user_id: str, username: str, password_hash: str, *, created_at: str) -> User:
        """Raises Duplicate when the username is taken."""
        with self._db.write() as tx:
            tx.execute("INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)",
                       (user_id, username, password_hash, created_at))
        return User(user_id, username)

    def by_name(self, username: str) -> User | None:
        row = self._db.one("SELECT id, username FROM users WHERE username = ?", (username,))
        return User(row["id"], row["username"]) if row else None

    def by_id(self, user_id: str) -> User | None:
        row = self._db.one("SELECT id, username FROM users WHERE id = ?", (user_id,))
        return User(row["id"], row["username"]) if row else None

    def login(self, username: str) -> Login | None:
        """The user and their stored password hash, to check a password against."""
        row = self._db.one("SELECT id, username, password_hash FROM users WHERE username = ?", (username,))
        return Login(User(row["id"], row["username"]), row["password_hash"]) if row else None

    def add_token(self, token_hash: str, user_id: str, *, expires_at: float) -> None:
        with self._db.write() as tx:
            tx.execute("INSERT INTO tokens (token_hash, user_id, expires_at) VALUES (?, ?, ?)",
                       (token_hash, user_id, expires_at))

    def token_user(self, token_hash: str, *, now: float) -> User | None:
        """The user of a token that is neither revoked nor expired at ``now``."""
        row = self._db.one(
            "SELECT u.id, u.username FROM tokens t JOIN users u ON u.id = t.user_id "
            "WHERE t.token_hash = ? AND t.revoked = 0 AND t.expires_at >= ?",
            (token_hash, now),
        )
        return User(row["id"], row["username"]) if row else None

    def revoke_token(self, token_hash: str) -> None:
        with self._db.write() as tx:
            tx.execute("UPDATE tokens SET revoked = 1 WHERE token_hash = ?", (token_hash,))
