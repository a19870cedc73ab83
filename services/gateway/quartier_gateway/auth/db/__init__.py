"""Persistence of the gateway: accounts, sessions and the login throttle."""

from pathlib import Path

from quartier_gateway.auth.db.repository import AccountRecord, AuthStore, PgAuthStore, SessionRecord

MIGRATIONS = Path(__file__).parent / "migrations"

__all__ = ["MIGRATIONS", "AccountRecord", "AuthStore", "PgAuthStore", "SessionRecord"]
