"""Pinned server certificates: trust on first use, as SSH's known_hosts, one pin per server origin."""

from __future__ import annotations

from collections.abc import Callable

from desktop.core.db.connection import Connections


class PinnedCertificates:
    """Reached as ``LocalDB.certificates``. ``origin`` is ``scheme://host:port`` (``sync.certificates.origin_of``);
    a pin is a SHA-256 fingerprint as ``sync.certificates.fingerprint`` writes it."""

    def __init__(self, conns: Connections, clock: Callable[[], int]) -> None:
        self._conns = conns
        self._clock = clock

    def get(self, origin: str) -> str | None:
        """The fingerprint pinned for ``origin``, or None when none is."""
        with self._conns.read() as db:
            rows = list(db.query("SELECT sha256 FROM pinned_certificates WHERE origin = ?", [origin]))
        return str(rows[0]["sha256"]) if rows else None

    def pin(self, origin: str, fingerprint: str) -> None:
        """Trust exactly this certificate for ``origin`` from now on (replacing a previous pin)."""
        with self._conns.write() as db:
            db.execute(
                "INSERT INTO pinned_certificates (origin, sha256, pinned_at) VALUES (?, ?, ?)"
                " ON CONFLICT (origin) DO UPDATE SET sha256 = excluded.sha256, pinned_at = excluded.pinned_at",
                [origin, fingerprint, self._clock()],
            )

    def forget(self, origin: str) -> bool:
        """Remove ``origin``'s pin (the next connection asks again); False when there was none."""
        with self._conns.write() as db:
            cursor = db.execute("DELETE FROM pinned_certificates WHERE origin = ?", [origin])
            return bool(cursor.rowcount)
