"""SQL of reporting's territory read model (from the registry's territory events)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg


async def upsert_district(conn: asyncpg.Connection, key: str, name: str, at: datetime) -> None:
    await conn.execute(
        """INSERT INTO districts (key, name, updated_at, registered_at) VALUES ($1, $2, $3, $3)
           ON CONFLICT (key) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at,
               registered_at = least(districts.registered_at, excluded.registered_at)""",
        key,
        name,
        at,
    )


async def upsert_social_area(conn: asyncpg.Connection, key: str, name: str, centre: str, at: datetime) -> None:
    await conn.execute(
        """INSERT INTO social_areas (key, name, community_centre_name, updated_at, registered_at)
           VALUES ($1, $2, $3, $4, $4)
           ON CONFLICT (key) DO UPDATE SET name = excluded.name,
               community_centre_name = excluded.community_centre_name, updated_at = excluded.updated_at,
               registered_at = least(social_areas.registered_at, excluded.registered_at)""",
        key,
        name,
        centre,
        at,
    )


async def set_community_centre(conn: asyncpg.Connection, key: str, name: str, at: datetime) -> None:
    await conn.execute(
        "UPDATE social_areas SET community_centre_name = $2, updated_at = $3 WHERE key = $1", key, name, at
    )


async def upsert_residential_area(
    conn: asyncpg.Connection, number: int, name: str, district_key: str, social_area_key: str, at: datetime
) -> None:
    await conn.execute(
        """INSERT INTO residential_areas (number, name, district_key, social_area_key, updated_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (number) DO UPDATE SET name = excluded.name, district_key = excluded.district_key,
               social_area_key = excluded.social_area_key, updated_at = excluded.updated_at""",
        number,
        name,
        district_key,
        social_area_key,
        at,
    )


async def set_social_area_of(conn: asyncpg.Connection, number: int, social_area_key: str, at: datetime) -> None:
    await conn.execute(
        "UPDATE residential_areas SET social_area_key = $2, updated_at = $3 WHERE number = $1",
        number,
        social_area_key,
        at,
    )


async def upsert_vocabulary(conn: asyncpg.Connection, name: str, terms: list[str], at: datetime) -> None:
    await conn.execute(
        """INSERT INTO vocabularies (name, terms, updated_at) VALUES ($1, $2::jsonb, $3)
           ON CONFLICT (name) DO UPDATE SET terms = excluded.terms, updated_at = excluded.updated_at""",
        name,
        json.dumps(terms, ensure_ascii=False),
        at,
    )


async def add_history(
    conn: asyncpg.Connection, event_id: Any, event_type: str, subject: str, description: str, at: datetime
) -> None:
    await conn.execute(
        """INSERT INTO territory_history (event_id, event_type, subject, description, occurred_at)
           VALUES ($1, $2, $3, $4, $5)""",
        event_id,
        event_type,
        subject,
        description,
        at,
    )


async def social_areas(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    areas = await conn.fetch(
        "SELECT key, name, community_centre_name FROM social_areas ORDER BY registered_at NULLS LAST, key"
    )
    rows = await conn.fetch(
        """SELECT r.number, r.name, r.district_key, r.social_area_key, d.name AS district_name
           FROM residential_areas r LEFT JOIN districts d ON d.key = r.district_key ORDER BY r.number"""
    )
    out = []
    for a in areas:
        mine = [r for r in rows if r["social_area_key"] == a["key"]]
        districts: dict[str, str] = {}
        for r in mine:
            districts.setdefault(r["district_key"], r["district_name"] or r["district_key"])
        out.append(
            {
                "key": a["key"],
                "name": a["name"],
                "community_centre": {"name": a["community_centre_name"]},
                "residential_areas": [
                    {"number": r["number"], "name": r["name"], "district_key": r["district_key"]} for r in mine
                ],
                "districts": [{"key": k, "name": v} for k, v in districts.items()],
            }
        )
    return out


async def history(conn: asyncpg.Connection, limit: int = 100) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT event_id, event_type, subject, description, occurred_at, applied_at
           FROM territory_history ORDER BY id DESC LIMIT $1""",
        limit,
    )
    return [dict(r) for r in rows]
