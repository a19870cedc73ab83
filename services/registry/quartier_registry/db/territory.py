"""SQL of the registry. Every statement is parameterised; connections come from the service layer."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import asyncpg

from quartier_registry.domain.territory import District, ResidentialArea, SocialArea, Territory
from quartier_shared.db import advisory_key


async def load_territory(conn: asyncpg.Connection, *, for_update: bool = False) -> Territory | None:
    # The meta row doubles as the territory's lock: changes take it FOR UPDATE.
    query = "SELECT city FROM territory_meta FOR UPDATE" if for_update else "SELECT city FROM territory_meta"
    meta = await conn.fetchrow(query)
    if meta is None:
        return None
    districts = {r["key"]: District(r["key"], r["name"]) for r in await conn.fetch("SELECT key, name FROM districts")}
    social_areas = {
        r["key"]: SocialArea(r["key"], r["name"], r["community_centre_name"])
        for r in await conn.fetch("SELECT key, name, community_centre_name FROM social_areas")
    }
    residential_areas = {
        r["number"]: ResidentialArea(r["number"], r["name"], r["district_key"], r["social_area_key"])
        for r in await conn.fetch("SELECT number, name, district_key, social_area_key FROM residential_areas")
    }
    vocabularies = {
        r["name"]: tuple(json.loads(r["terms"])) for r in await conn.fetch("SELECT name, terms::text FROM vocabularies")
    }
    return Territory(meta["city"], districts, social_areas, residential_areas, vocabularies)


async def save_territory(conn: asyncpg.Connection, territory: Territory) -> None:
    """Upserts every entry of ``territory`` (the caller has decided the changes)."""
    await conn.execute(
        """INSERT INTO territory_meta (singleton, city) VALUES (true, $1)
           ON CONFLICT (singleton) DO UPDATE SET city = excluded.city""",
        territory.city,
    )
    await conn.executemany(
        "INSERT INTO districts (key, name) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET name = excluded.name",
        [(d.key, d.name) for d in territory.districts.values()],
    )
    await conn.executemany(
        """INSERT INTO social_areas (key, name, community_centre_name) VALUES ($1, $2, $3)
           ON CONFLICT (key) DO UPDATE SET name = excluded.name,
                                           community_centre_name = excluded.community_centre_name""",
        [(s.key, s.name, s.community_centre_name) for s in territory.social_areas.values()],
    )
    await conn.executemany(
        """INSERT INTO residential_areas (number, name, district_key, social_area_key) VALUES ($1, $2, $3, $4)
           ON CONFLICT (number) DO UPDATE SET name = excluded.name, district_key = excluded.district_key,
                                              social_area_key = excluded.social_area_key""",
        [(r.number, r.name, r.district_key, r.social_area_key) for r in territory.residential_areas.values()],
    )
    await conn.executemany(
        """INSERT INTO vocabularies (name, terms) VALUES ($1, $2::jsonb)
           ON CONFLICT (name) DO UPDATE SET terms = excluded.terms""",
        [(name, json.dumps(list(terms), ensure_ascii=False)) for name, terms in territory.vocabularies.items()],
    )


async def last_loaded_sha(conn: asyncpg.Connection) -> str | None:
    value: str | None = await conn.fetchval("SELECT sha256 FROM territory_loads ORDER BY id DESC LIMIT 1")
    return value


async def record_load(conn: asyncpg.Connection, path: Path, sha256: str, events: int) -> None:
    await conn.execute(
        "INSERT INTO territory_loads (file_path, sha256, events) VALUES ($1, $2, $3)", str(path), sha256, events
    )


async def rename_community_centre(conn: asyncpg.Connection, social_area_key: str, name: str) -> None:
    await conn.execute("UPDATE social_areas SET community_centre_name = $2 WHERE key = $1", social_area_key, name)


async def set_social_area_of(conn: asyncpg.Connection, number: int, social_area_key: str) -> None:
    await conn.execute("UPDATE residential_areas SET social_area_key = $2 WHERE number = $1", number, social_area_key)


async def audit(conn: asyncpg.Connection, event_id: uuid.UUID, actor: str, change: dict[str, Any]) -> None:
    await conn.execute(
        "INSERT INTO territory_audit (event_id, actor, change) VALUES ($1, $2, $3::jsonb)",
        event_id,
        actor,
        json.dumps(change, ensure_ascii=False),
    )


async def lock_territory(conn: asyncpg.Connection) -> None:
    """Serialises loading the territory file until the end of the transaction (two starting instances)."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", advisory_key("registry:territory"))
