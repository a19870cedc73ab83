"""SQL of the invitations service's copy of the registry's territory (from quartier.registry.territory).

Every write is an idempotent upsert that only moves forward in event time, so a replay converges.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import asyncpg

from quartier_invitations.domain.conflicts import District


async def upsert_district(conn: asyncpg.Connection, key: str, name: str, city: str, at: dt.datetime) -> None:
    await conn.execute(
        """INSERT INTO territory_districts (key, name, city, updated_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (key) DO UPDATE SET name = excluded.name, city = excluded.city, updated_at = excluded.updated_at
           WHERE territory_districts.updated_at <= excluded.updated_at""",
        key,
        name,
        city,
        at,
    )


async def upsert_social_area(
    conn: asyncpg.Connection, key: str, name: str, centre: str, city: str, at: dt.datetime
) -> None:
    await conn.execute(
        """INSERT INTO territory_social_areas (key, name, community_centre_name, city, updated_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (key) DO UPDATE SET name = excluded.name, city = excluded.city,
               community_centre_name = excluded.community_centre_name, updated_at = excluded.updated_at
           WHERE territory_social_areas.updated_at <= excluded.updated_at""",
        key,
        name,
        centre,
        city,
        at,
    )


async def set_community_centre(conn: asyncpg.Connection, key: str, name: str, at: dt.datetime) -> None:
    await conn.execute(
        """UPDATE territory_social_areas SET community_centre_name = $2, updated_at = $3
           WHERE key = $1 AND updated_at <= $3""",
        key,
        name,
        at,
    )


async def upsert_residential_area(
    conn: asyncpg.Connection, number: int, name: str, district_key: str, social_area_key: str, at: dt.datetime
) -> None:
    await conn.execute(
        """INSERT INTO territory_residential_areas (number, name, district_key, social_area_key, updated_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (number) DO UPDATE SET name = excluded.name, district_key = excluded.district_key,
               social_area_key = excluded.social_area_key, updated_at = excluded.updated_at
           WHERE territory_residential_areas.updated_at <= excluded.updated_at""",
        number,
        name,
        district_key,
        social_area_key,
        at,
    )


async def move_residential_area(conn: asyncpg.Connection, number: int, social_area_key: str, at: dt.datetime) -> None:
    await conn.execute(
        """UPDATE territory_residential_areas SET social_area_key = $2, updated_at = $3
           WHERE number = $1 AND updated_at <= $3""",
        number,
        social_area_key,
        at,
    )


async def upsert_vocabulary(conn: asyncpg.Connection, name: str, terms: Sequence[str], at: dt.datetime) -> None:
    await conn.execute(
        """INSERT INTO territory_vocabularies (name, terms, updated_at) VALUES ($1, $2::jsonb, $3)
           ON CONFLICT (name) DO UPDATE SET terms = excluded.terms, updated_at = excluded.updated_at
           WHERE territory_vocabularies.updated_at <= excluded.updated_at""",
        name,
        json.dumps(list(terms), ensure_ascii=False),
        at,
    )


# ---------------------------------------------------------------- reads


async def social_area(conn: asyncpg.Connection, key: str) -> dict[str, Any] | None:
    """``{key, name, community_centre_name, city, residential_area_numbers, districts: [District]}`` or None.
    The districts are those of the area's Wohnbereiche, in the order of the Wohnbereich numbers."""
    area = await conn.fetchrow(
        "SELECT key, name, community_centre_name, city FROM territory_social_areas WHERE key = $1", key
    )
    if area is None:
        return None
    rows = await conn.fetch(
        """SELECT r.number, r.district_key, d.name AS district_name
           FROM territory_residential_areas r LEFT JOIN territory_districts d ON d.key = r.district_key
           WHERE r.social_area_key = $1 ORDER BY r.number""",
        key,
    )
    districts: dict[str, str] = {}
    for r in rows:
        districts.setdefault(r["district_key"], r["district_name"] or r["district_key"])
    return {
        **dict(area),
        "residential_area_numbers": [r["number"] for r in rows],
        "districts": [District(k, v) for k, v in districts.items()],
    }


async def vocabulary(conn: asyncpg.Connection, name: str) -> list[str]:
    terms = await conn.fetchval("SELECT terms::text FROM territory_vocabularies WHERE name = $1", name)
    return [] if terms is None else list(json.loads(terms))


async def city(conn: asyncpg.Connection) -> str | None:
    """The city's name as the registry announces it (e.g. „Hamm“), or None before the territory arrived."""
    value = await conn.fetchval(
        """SELECT city FROM territory_social_areas UNION ALL SELECT city FROM territory_districts LIMIT 1"""
    )
    return None if value is None else str(value)
