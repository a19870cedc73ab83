"""Use cases of the gateway: log in and out, resolve a session, create the demo accounts."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from quartier_gateway.auth import security
from quartier_gateway.auth.db.repository import AccountRecord, AuthStore, SessionRecord
from quartier_gateway.auth.demo import DemoAccount
from quartier_gateway.auth.domain import (
    Principal,
    ThrottlePolicy,
    is_locked,
    register_failure,
    session_expiry,
)

log = logging.getLogger(__name__)

MAX_USERNAME_LENGTH = 200
MAX_PASSWORD_LENGTH = 1024


class LoginRefused(Exception):
    """Wrong username or password (``locked`` False), or too many failed attempts (``locked`` True)."""

    def __init__(self, locked: bool = False) -> None:
        super().__init__("locked" if locked else "invalid credentials")
        self.locked = locked


@dataclass(frozen=True)
class LoginResult:
    principal: Principal
    token: str
    csrf_token: str
    expires_at: datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


class AuthService:
    def __init__(
        self, store: AuthStore, session_hours: float, policy: ThrottlePolicy, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.store = store
        self.session_hours = session_hours
        self.policy = policy
        self.clock = clock

    async def login(self, username: str, password: str) -> LoginResult:
        username = username.strip().lower()
        now = self.clock()
        if not username or len(username) > MAX_USERNAME_LENGTH or len(password) > MAX_PASSWORD_LENGTH:
            raise LoginRefused()
        failures = await self.store.get_login_failures(username)
        if is_locked(failures, now):
            log.warning("login refused: throttled", extra={"username": username})
            raise LoginRefused(locked=True)
        account = await self.store.get_account(username)
        ok = security.verify_password(account.password_hash if account else None, password)
        if account is None or not ok or not account.active:
            state = register_failure(failures, now, self.policy)
            await self.store.save_login_failures(username, state)
            await self.store.forget_old_login_failures(now - self.policy.window - self.policy.lockout, now)
            log.info("login failed", extra={"username": username, "failures": state.failures})
            raise LoginRefused(locked=is_locked(state, now))
        if failures is not None:
            await self.store.clear_login_failures(username)
        if security.needs_rehash(account.password_hash):
            await self.store.set_password_hash(username, security.hash_password(password))
        await self.store.delete_expired_sessions(now)
        token, csrf_token = security.new_token(), security.new_token()
        expires_at = session_expiry(now, self.session_hours)
        await self.store.create_session(security.token_digest(token), username, csrf_token, expires_at)
        log.info("login", extra={"username": username, "role": account.role})
        return LoginResult(account.principal(), token, csrf_token, expires_at)

    async def session(self, token: str | None) -> SessionRecord | None:
        if not token or len(token) > 200:
            return None
        return await self.store.get_session(security.token_digest(token), self.clock())

    async def logout(self, token: str | None) -> None:
        if token and len(token) <= 200:
            await self.store.delete_session(security.token_digest(token))

    async def ensure_demo_accounts(self, accounts: Sequence[DemoAccount]) -> list[str]:
        """Creates or refreshes the demo accounts; idempotent. Returns the usernames that were written."""
        written: list[str] = []
        for demo in accounts:
            existing = await self.store.get_account(demo.username)
            password_hash = existing.password_hash if existing is not None else ""
            if existing is None or not security.verify_password(existing.password_hash, demo.password):
                password_hash = security.hash_password(demo.password)
            record = AccountRecord(
                demo.username,
                demo.display_name,
                password_hash,
                demo.role.value,
                demo.social_area_key,
                demo.district_key,
                True,
                demo.actor_id,
            )
            if record != existing:
                await self.store.save_account(record)
                written.append(demo.username)
        return written


def throttle_policy(max_failures: int, window_minutes: float, lockout_minutes: float) -> ThrottlePolicy:
    return ThrottlePolicy(max_failures, timedelta(minutes=window_minutes), timedelta(minutes=lockout_minutes))
