"""SQL of the gateway. Every statement runs in the gateway's own schema (search_path set by the pool)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import asyncpg

from quartier_gateway.auth.domain import LoginFailures, Principal, parse_role


@dataclass(frozen=True)
class AccountRecord:
    username: str
    display_name: str
    password_hash: str
    role: str
    social_area_key: str | None = None
    district_key: str | None = None
    active: bool = True
    actor_id: uuid.UUID | None = None  # the actor a member of a Koordinierungsrunde represents

    def principal(self) -> Principal:
        return Principal(
            self.username,
            self.display_name,
            parse_role(self.role),
            self.social_area_key,
            self.district_key,
            self.actor_id,
        )


@dataclass(frozen=True)
class SessionRecord:
    principal: Principal
    csrf_token: str
    expires_at: datetime


class AuthStore(Protocol):
    async def get_account(self, username: str) -> AccountRecord | None: ...
    async def save_account(self, account: AccountRecord) -> None: ...
    async def set_password_hash(self, username: str, password_hash: str) -> None: ...
    async def create_session(self, token_hash: bytes, username: str, csrf_token: str, expires_at: datetime) -> None: ...
    async def get_session(self, token_hash: bytes, now: datetime) -> SessionRecord | None: ...
    async def delete_session(self, token_hash: bytes) -> None: ...
    async def delete_expired_sessions(self, now: datetime) -> int: ...
    async def get_login_failures(self, username: str) -> LoginFailures | None: ...
    async def save_login_failures(self, username: str, state: LoginFailures) -> None: ...
    async def clear_login_failures(self, username: str) -> None: ...
    async def forget_old_login_failures(self, before: datetime, now: datetime) -> None: ...


def _account(row: asyncpg.Record) -> AccountRecord:
    return AccountRecord(
        row["username"],
        row["display_name"],
        row["password_hash"],
        row["role"],
        row["social_area_key"],
        row["district_key"],
        row["active"],
        row["actor_id"],
    )


class PgAuthStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def get_account(self, username: str) -> AccountRecord | None:
        row = await self.pool.fetchrow(
            "SELECT username, display_name, password_hash, role, social_area_key, district_key, active, actor_id"
            " FROM accounts WHERE username = $1",
            username,
        )
        return _account(row) if row is not None else None

    async def save_account(self, account: AccountRecord) -> None:
        await self.pool.execute(
            """
            INSERT INTO accounts (username, display_name, password_hash, role, social_area_key, district_key,
                                  active, actor_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (username) DO UPDATE
               SET display_name = EXCLUDED.display_name, password_hash = EXCLUDED.password_hash,
                   role = EXCLUDED.role, social_area_key = EXCLUDED.social_area_key,
                   district_key = EXCLUDED.district_key, active = EXCLUDED.active,
                   actor_id = EXCLUDED.actor_id, updated_at = now()
            """,
            account.username,
            account.display_name,
            account.password_hash,
            account.role,
            account.social_area_key,
            account.district_key,
            account.active,
            account.actor_id,
        )

    async def set_password_hash(self, username: str, password_hash: str) -> None:
        await self.pool.execute(
            "UPDATE accounts SET password_hash = $2, updated_at = now() WHERE username = $1",
            username,
            password_hash,
        )

    async def create_session(self, token_hash: bytes, username: str, csrf_token: str, expires_at: datetime) -> None:
        await self.pool.execute(
            "INSERT INTO sessions (token_hash, username, csrf_token, expires_at) VALUES ($1, $2, $3, $4)",
            token_hash,
            username,
            csrf_token,
            expires_at,
        )

    async def get_session(self, token_hash: bytes, now: datetime) -> SessionRecord | None:
        row = await self.pool.fetchrow(
            """
            SELECT a.username, a.display_name, a.password_hash, a.role, a.social_area_key, a.district_key,
                   a.active, a.actor_id, s.csrf_token, s.expires_at
              FROM sessions s JOIN accounts a USING (username)
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.active
            """,
            token_hash,
            now,
        )
        if row is None:
            return None
        return SessionRecord(_account(row).principal(), row["csrf_token"], row["expires_at"])

    async def delete_session(self, token_hash: bytes) -> None:
        await self.pool.execute("DELETE FROM sessions WHERE token_hash = $1", token_hash)

    async def delete_expired_sessions(self, now: datetime) -> int:
        status = await self.pool.execute("DELETE FROM sessions WHERE expires_at <= $1", now)
        return int(status.split()[-1])

    async def get_login_failures(self, username: str) -> LoginFailures | None:
        row = await self.pool.fetchrow(
            "SELECT failures, first_failed_at, locked_until FROM login_failures WHERE username = $1", username
        )
        if row is None:
            return None
        return LoginFailures(row["failures"], row["first_failed_at"], row["locked_until"])

    async def save_login_failures(self, username: str, state: LoginFailures) -> None:
        await self.pool.execute(
            """
            INSERT INTO login_failures (username, failures, first_failed_at, locked_until)
            VALUES ($1, $2, $3, $4)
            ON CONFLICT (username) DO UPDATE
               SET failures = EXCLUDED.failures, first_failed_at = EXCLUDED.first_failed_at,
                   locked_until = EXCLUDED.locked_until
            """,
            username,
            state.failures,
            state.first_failed_at,
            state.locked_until,
        )

    async def clear_login_failures(self, username: str) -> None:
        await self.pool.execute("DELETE FROM login_failures WHERE username = $1", username)

    async def forget_old_login_failures(self, before: datetime, now: datetime) -> None:
        await self.pool.execute(
            "DELETE FROM login_failures WHERE first_failed_at < $1 AND (locked_until IS NULL OR locked_until < $2)",
            before,
            now,
        )
