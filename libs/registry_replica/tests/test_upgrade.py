"""A database migrated by the code before the registry replica (each service with its own copy, in its own
table names) migrates forward without losing a row, and ends in the same schema as a fresh database.

Each case runs in a rolled-back transaction on the service's own schema: the schema is emptied, migrated as
the old code did, filled, then migrated as the service does now and compared with the freshly migrated one.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from quartier_registry_replica import LIBRARY_MIGRATIONS, upserts
from quartier_registry_replica import queries as replica
from quartier_shared.db import BACKBONE_MIGRATIONS, Migration, collect_migrations, migrate
from tests.support.helpers import pool_as
from tests.support.stack import ROOT, base_env

# Runs against a real Postgres schema (the test database of `make test`).
pytestmark = pytest.mark.db

LEGACY = Path(__file__).parent / "legacy"
T0 = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


def _service_migrations(service: str) -> Path:
    return ROOT / "services" / service / f"quartier_{service}" / "db" / "migrations"


def _old_migrations(service: str) -> list[Migration]:
    """The backbone's and the service's migrations as the code before the replica had them."""
    old = collect_migrations(("backbone", BACKBONE_MIGRATIONS), ("service", _service_migrations(service)))
    if service == "planning":  # its copy's files now leave the tables to the replica's migration
        legacy = {p.stem.removeprefix("planning_"): p.read_text(encoding="utf-8") for p in LEGACY.glob("*.sql")}
        return [Migration(m.source, m.version, legacy.get(m.version, m.sql)) for m in old]
    new = {"invitations": "023_registry_replica", "reporting": "005_registry_replica"}[service]
    return [m for m in old if m.version != new]


async def _apply(conn: asyncpg.Connection, migrations: list[Migration]) -> None:
    """What ``migrate`` does, on this connection (inside the test's transaction)."""
    await conn.execute(
        """CREATE TABLE IF NOT EXISTS schema_migrations (source text NOT NULL, version text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (source, version))"""
    )
    done = {(r["source"], r["version"]) for r in await conn.fetch("SELECT source, version FROM schema_migrations")}
    for m in migrations:
        if (m.source, m.version) not in done:
            await conn.execute(m.sql)
            await conn.execute("INSERT INTO schema_migrations (source, version) VALUES ($1, $2)", m.source, m.version)


def _new_migrations(service: str) -> list[Migration]:
    return collect_migrations(
        ("backbone", BACKBONE_MIGRATIONS), LIBRARY_MIGRATIONS, ("service", _service_migrations(service))
    )


async def _shape(conn: asyncpg.Connection) -> dict[str, object]:
    columns = await conn.fetch(
        """SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
           WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"""
    )
    indexes = await conn.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname"
    )
    migrations = await conn.fetch("SELECT source, version FROM schema_migrations ORDER BY source, version")
    return {
        "columns": [tuple(r) for r in columns],
        "indexes": [tuple(r) for r in indexes],
        "migrations": [tuple(r) for r in migrations],
    }


async def _empty_schema(conn: asyncpg.Connection) -> None:
    for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"):
        await conn.execute(f'DROP TABLE IF EXISTS "{r["tablename"]}" CASCADE')
    functions = await conn.fetch(
        """SELECT p.oid::regprocedure::text AS signature FROM pg_proc p
           WHERE p.pronamespace = current_schema()::regnamespace"""
    )
    for r in functions:
        await conn.execute(f"DROP FUNCTION IF EXISTS {r['signature']} CASCADE")
    for r in await conn.fetch(
        """SELECT t.typname FROM pg_type t WHERE t.typnamespace = current_schema()::regnamespace
           AND t.typtype IN ('e', 'd', 'c') AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid)"""
    ):
        await conn.execute(f'DROP TYPE IF EXISTS "{r["typname"]}" CASCADE')


@pytest.fixture
async def upgrading(request: pytest.FixtureRequest) -> AsyncIterator[tuple[asyncpg.Connection, dict[str, object]]]:
    """A connection of the service's role in a transaction, on its schema emptied and migrated the old way;
    with the shape of the freshly migrated schema to compare with."""
    service: str = request.param
    pool = await pool_as(base_env(), service, min_size=1, max_size=1)
    try:
        await migrate(pool, service, _service_migrations(service), [LIBRARY_MIGRATIONS])
        async with pool.acquire() as conn:
            fresh = await _shape(conn)
            tx = conn.transaction()
            await tx.start()
            try:
                await _empty_schema(conn)
                await _apply(conn, _old_migrations(service))
                yield conn, fresh
            finally:
                await tx.rollback()
    finally:
        await pool.close()


@pytest.mark.parametrize("upgrading", ["planning"], indirect=True)
async def test_planning_keeps_its_copy(upgrading: tuple[asyncpg.Connection, dict[str, object]]) -> None:
    conn, fresh = upgrading
    actor, offer = uuid.uuid4(), uuid.uuid4()
    await conn.execute(
        "INSERT INTO registry_social_areas (key, name, community_centre_name, updated_at) VALUES ($1, $2, $3, $4)",
        "westen",
        "Westen",
        "Alt",
        T0,
    )
    await conn.execute(
        "INSERT INTO registry_actors (id, name, type, residential_area_number, updated_at) VALUES ($1, $2, $3, $4, $5)",
        actor,
        "Kita",
        "kita",
        14,
        T0,
    )
    await conn.execute("INSERT INTO registry_offers (id, withdrawn, updated_at) VALUES ($1, true, $2)", offer, T0)
    await _apply(conn, _new_migrations("planning"))
    assert await _shape(conn) == fresh
    area = await replica.social_area(conn, "westen")
    assert area is not None and area["community_centre_name"] == "Alt" and area["city"] is None
    assert await replica.actor(conn, actor) is not None
    assert await conn.fetchval("SELECT withdrawn FROM registry_offers WHERE id = $1", offer)
    # the next event fills in what the former copy did not hold
    await upserts.upsert_social_area(conn, "westen", "Westen", "Neu", "Hamm", T0 + dt.timedelta(minutes=1))
    assert await replica.city(conn) == "Hamm"


@pytest.mark.parametrize("upgrading", ["invitations"], indirect=True)
async def test_invitations_moves_its_copy_into_the_replica(
    upgrading: tuple[asyncpg.Connection, dict[str, object]],
) -> None:
    conn, fresh = upgrading
    person, body, membership, actor = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await conn.execute(
        """INSERT INTO territory_districts (key, name, city, updated_at) VALUES ('mitte', 'Hamm-Mitte', 'Hamm', $1);
           INSERT INTO territory_social_areas (key, name, community_centre_name, city, updated_at)
               VALUES ('westen', 'Westen', 'Zentrum', 'Hamm', $1);
           INSERT INTO territory_residential_areas (number, name, district_key, social_area_key, updated_at)
               VALUES (14, 'A', 'mitte', 'westen', $1);
           INSERT INTO territory_vocabularies (name, terms, updated_at) VALUES ('fields_of_action', '["Bildung"]', $1)
        """.replace("$1", "'2026-01-01T12:00:00Z'")
    )
    await conn.execute(
        """INSERT INTO directory_actors (id, name, type, email, withdrawn, updated_at)
           VALUES ($1, 'Kita', 'kita', $2, true, $3)""",
        actor,
        "kita@example.org",
        T0,
    )
    await conn.execute(
        """INSERT INTO directory_bodies (id, kind, name, display_name, district_key, updated_at)
           VALUES ($1, $2, $3, $3, $4, $5)""",
        body,
        "district_council",
        "Bezirksvertretung Hamm-Mitte",
        "mitte",
        T0,
    )
    await conn.execute(
        """INSERT INTO directory_memberships (id, body_id, person_id, role, starts_on, updated_at)
           VALUES ($1, $2, $3, 'member', '2025-11-01', $4)""",
        membership,
        body,
        person,
        T0,
    )
    await conn.execute(
        "INSERT INTO directory_persons (id, erased, retained_membership_ids, updated_at) VALUES ($1, true, $2, $3)",
        person,
        [membership],
        T0,
    )
    await conn.execute(
        "INSERT INTO contacts (person_id, name, email, updated_at) VALUES ($1, 'Ada', 'ada@example.org', $2)",
        uuid.uuid4(),
        T0,
    )
    await _apply(conn, _new_migrations("invitations"))
    assert await _shape(conn) == fresh
    area = await replica.social_area(conn, "westen")
    assert area is not None
    assert (area["community_centre_name"], area["district_keys"], area["city"]) == ("Zentrum", ["mitte"], "Hamm")
    assert await replica.fields_of_action(conn) == ["Bildung"]
    assert await conn.fetchrow("SELECT email, withdrawn FROM registry_actors WHERE id = $1", actor) == (
        "kita@example.org",
        True,
    )
    council = await replica.district_council_of(conn, "mitte")
    assert council is not None and council["id"] == body
    (member,) = await replica.members_of(conn, body)
    assert member["membership_id"] == membership and member["erased"]
    assert await upserts.membership_dropped_by_erasure(conn, person, uuid.uuid4())
    assert await conn.fetchval("SELECT count(*) FROM contacts") == 1


@pytest.mark.parametrize("upgrading", ["reporting"], indirect=True)
async def test_reporting_moves_its_territory_into_the_replica(
    upgrading: tuple[asyncpg.Connection, dict[str, object]],
) -> None:
    conn, fresh = upgrading
    for minute, key in ((1, "westen"), (0, "norden")):
        await conn.execute(
            """INSERT INTO social_areas (key, name, community_centre_name, updated_at, registered_at)
               VALUES ($1, $1, 'Zentrum', $2, $2)""",
            key,
            T0 + dt.timedelta(minutes=minute),
        )
    await conn.execute(
        "INSERT INTO districts (key, name, updated_at, registered_at) VALUES ('mitte', 'Hamm-Mitte', $1, $1)", T0
    )
    await conn.execute(
        """INSERT INTO residential_areas (number, name, district_key, social_area_key, updated_at)
           VALUES (14, 'A', 'mitte', 'westen', $1)""",
        T0,
    )
    await conn.execute(
        "INSERT INTO vocabularies (name, terms, updated_at) VALUES ('fields_of_action', $1::jsonb, $2)",
        json.dumps(["Bildung"]),
        T0,
    )
    await conn.execute(
        """INSERT INTO territory_history (event_id, event_type, subject, description, occurred_at)
           VALUES ($1, 'quartier.registry.ResidentialAreaMoved.v1', 'residential-area/14', 'verschoben', $2)""",
        uuid.uuid4(),
        T0,
    )
    await _apply(conn, _new_migrations("reporting"))
    assert await _shape(conn) == fresh
    assert [a["key"] for a in await replica.social_areas(conn)] == ["norden", "westen"]  # the registry's order
    westen = await replica.social_area(conn, "westen")
    assert westen is not None and westen["districts"] == [{"key": "mitte", "name": "Hamm-Mitte"}]
    assert await replica.vocabularies(conn) == {"fields_of_action": ["Bildung"]}
    assert await conn.fetchval("SELECT count(*) FROM territory_history") == 1
