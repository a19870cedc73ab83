"""PgAuthStore against the real Postgres (the test database of `make test`), in the gateway's own schema.

Uses its own usernames and removes them again, so it can share the database with a running gateway.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quartier_gateway.auth import security
from quartier_gateway.auth.db import MIGRATIONS, AccountRecord, PgAuthStore
from quartier_gateway.auth.domain import LoginFailures, Role
from quartier_gateway.settings import GatewaySettings
from quartier_shared.db import create_pool, migrate

ROOT = Path(os.environ.get("QUARTIER_ROOT") or Path(__file__).resolve().parents[3])
SECRETS = ROOT / "var" / "secrets.env"


def _secret(name: str) -> str | None:
    if not SECRETS.exists():
        return None
    for line in SECRETS.read_text().splitlines():
        if line.startswith(f"{name}="):
            return line.split("=", 1)[1].strip().strip("'\"")
    return None


@pytest.fixture
async def pg_store() -> AsyncIterator[PgAuthStore]:
    password = _secret("QUARTIER_DB_PASSWORD_GATEWAY")
    if password is None:
        raise RuntimeError("no local Postgres (var/secrets.env missing): run the tests with `make test`")
    settings = GatewaySettings(
        db_name=os.environ.get("QUARTIER_TEST_DB_NAME", "quartier_test"),
        db_user="quartier_gateway",
        db_password=password,
        db_pool_max=2,
    )
    pool = await create_pool(settings)
    try:
        await migrate(pool, settings.db_schema, MIGRATIONS)
        yield PgAuthStore(pool)
    finally:
        await pool.close()


async def test_accounts_sessions_and_throttle_round_trip(pg_store: PgAuthStore) -> None:
    username = f"test.{uuid.uuid4().hex[:10]}"
    now = datetime.now(UTC)
    try:
        assert await pg_store.get_account(username) is None
        record = AccountRecord(
            username, "Test Person", security.hash_password("pw-123456"), Role.AREA_COORDINATOR.value, "westen", None
        )
        await pg_store.save_account(record)
        assert await pg_store.get_account(username) == record
        await pg_store.save_account(
            AccountRecord(username, "Umbenannt", record.password_hash, Role.COUNCIL_MEMBER.value, None, "mitte")
        )
        assert (await pg_store.get_account(username)).district_key == "mitte"  # type: ignore[union-attr]
        await pg_store.set_password_hash(username, "neu")
        assert (await pg_store.get_account(username)).password_hash == "neu"  # type: ignore[union-attr]

        digest = security.token_digest(security.new_token())
        await pg_store.create_session(digest, username, "csrf-x", now + timedelta(hours=1))
        session = await pg_store.get_session(digest, now)
        assert session is not None and session.csrf_token == "csrf-x"
        assert session.principal.role is Role.COUNCIL_MEMBER and session.principal.display_name == "Umbenannt"
        assert await pg_store.get_session(digest, now + timedelta(hours=2)) is None, "expired"
        await pg_store.delete_session(digest)
        assert await pg_store.get_session(digest, now) is None

        old = security.token_digest(security.new_token())
        await pg_store.create_session(old, username, "csrf-y", now - timedelta(minutes=1))
        assert await pg_store.delete_expired_sessions(now) >= 1

        state = LoginFailures(2, now, now + timedelta(minutes=15))
        await pg_store.save_login_failures(username, state)
        assert await pg_store.get_login_failures(username) == state
        await pg_store.forget_old_login_failures(now - timedelta(hours=1), now)
        assert await pg_store.get_login_failures(username) == state, "recent failures are kept"
        await pg_store.clear_login_failures(username)
        assert await pg_store.get_login_failures(username) is None
    finally:
        await pg_store.pool.execute("DELETE FROM accounts WHERE username = $1", username)
        await pg_store.pool.execute("DELETE FROM login_failures WHERE username = $1", username)


async def test_the_schema_refuses_a_scope_that_does_not_fit_the_role(pg_store: PgAuthStore) -> None:
    import asyncpg

    username = f"test.{uuid.uuid4().hex[:10]}"
    with pytest.raises(asyncpg.CheckViolationError):
        await pg_store.save_account(AccountRecord(username, "X", "h", Role.ADMIN.value, "westen", None))


async def test_a_coordination_round_member_keeps_their_actor(pg_store: PgAuthStore) -> None:
    import asyncpg

    username = f"test.{uuid.uuid4().hex[:10]}"
    actor = uuid.UUID("82a58d0f-dbb7-5018-bd07-0490e813d5f2")
    now = datetime.now(UTC)
    try:
        record = AccountRecord(username, "R", "h", Role.COORDINATION_MEMBER.value, "westen", None, True, actor)
        await pg_store.save_account(record)
        assert await pg_store.get_account(username) == record
        digest = security.token_digest(security.new_token())
        await pg_store.create_session(digest, username, "csrf-z", now + timedelta(hours=1))
        session = await pg_store.get_session(digest, now)
        assert session is not None and session.principal.actor_id == actor
        assert session.principal.role is Role.COORDINATION_MEMBER and session.principal.social_area_key == "westen"
        for wrong in (
            AccountRecord(username, "R", "h", Role.COORDINATION_MEMBER.value, "westen", None, True, None),
            AccountRecord(username, "R", "h", Role.COORDINATION_MEMBER.value, None, None, True, actor),
            AccountRecord(username, "R", "h", Role.AREA_COORDINATOR.value, "westen", None, True, actor),
        ):
            with pytest.raises(asyncpg.CheckViolationError):
                await pg_store.save_account(wrong)
    finally:
        await pg_store.pool.execute("DELETE FROM accounts WHERE username = $1", username)
