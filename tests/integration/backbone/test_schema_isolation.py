"""Each service's role owns its schema and is refused on every other service's schema."""

from __future__ import annotations

import itertools
from pathlib import Path

import asyncpg
import pytest

from quartier_registry_replica import LIBRARY_MIGRATIONS
from quartier_shared.db import migrate
from tests.support.helpers import connect_as, pool_as
from tests.support.stack import ROOT, SERVICES


def _migrations(service: str) -> Path:
    return ROOT / "services" / service / f"quartier_{service}" / "db" / "migrations"


# The services that hold a registry replica apply its migrations (under their own source name) first.
REPLICA_HOLDERS = {"planning", "invitations", "reporting"}


@pytest.fixture(scope="module")
async def migrated(env: dict[str, str]) -> dict[str, str]:
    """Every service's schema migrated by its own role, as the service does at start."""
    for service in SERVICES:
        pool = await pool_as(env, service, min_size=1, max_size=1)
        try:
            await migrate(
                pool, service, _migrations(service), [LIBRARY_MIGRATIONS] if service in REPLICA_HOLDERS else []
            )
        finally:
            await pool.close()
    return env


@pytest.mark.parametrize(("own", "other"), list(itertools.permutations(SERVICES, 2)))
async def test_a_service_role_is_refused_on_another_services_schema(
    migrated: dict[str, str], own: str, other: str
) -> None:
    conn = await connect_as(migrated, own)
    try:
        statements = [
            f"SELECT count(*) FROM {other}.outbox",
            f'INSERT INTO {other}.inbox (consumer, event_id, event_type, topic, partition, "offset") '
            "VALUES ('x', gen_random_uuid(), 't', 't', 0, 0)",
            f"UPDATE {other}.outbox SET published_at = now()",
            f"DELETE FROM {other}.schema_migrations",
            f"CREATE TABLE {other}.intruder (id int)",
            f"DROP TABLE {other}.outbox",
        ]
        for sql in statements:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(sql)
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("CREATE TABLE public.intruder (id int)")
        # Its own schema works, so the refusals above are about the other schema only.
        assert await conn.fetchval(f"SELECT count(*) >= 0 FROM {own}.outbox")
    finally:
        await conn.close()


async def test_a_service_role_cannot_grant_itself_more(migrated: dict[str, str]) -> None:
    conn = await connect_as(migrated, "reporting")
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("GRANT USAGE ON SCHEMA registry TO quartier_reporting")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("SET ROLE quartier_registry")
        attrs = await conn.fetchrow(
            "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user"
        )
        assert tuple(attrs) == (False, False, False)
    finally:
        await conn.close()


@pytest.mark.parametrize("service", SERVICES)
async def test_shared_extensions_are_usable_but_closed(migrated: dict[str, str], service: str) -> None:
    conn = await connect_as(migrated, service)
    try:
        assert await conn.fetchval("SELECT similarity('Sprachcafé', 'Sprach-Café') > 0.3")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("CREATE TABLE extensions.intruder (id int)")
    finally:
        await conn.close()
