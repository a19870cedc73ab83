"""Read queries on the replica. It is filled only from the registry's events and may lag the registry by the
time an event takes to travel. People are known by id only."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import asyncpg

FIELDS_OF_ACTION = "fields_of_action"
DISTRICT_COUNCIL = "district_council"


def _districts_of(rows: list[asyncpg.Record]) -> dict[str, str]:
    """The Stadtbezirke of Wohnbereiche (ordered by number), in the order in which they first appear."""
    districts: dict[str, str] = {}
    for r in rows:
        districts.setdefault(r["district_key"], r["district_name"] or r["district_key"])
    return districts


async def social_area(conn: asyncpg.Connection, key: str) -> dict[str, Any] | None:
    """A Sozialraum with its Wohnbereiche and the Stadtbezirke they lie in, or None if unknown:
    ``{key, name, community_centre_name, city, residential_areas: [{number, name, district_key}],
    district_keys, districts: [{key, name}]}``.

    The districts are derived from the residential areas, in the order in which they first appear by
    residential-area number (Westen: mitte, pelkum, herringen; Norden: bockum-hoevel, heessen).
    """
    area = await conn.fetchrow(
        "SELECT key, name, community_centre_name, city FROM registry_social_areas WHERE key = $1", key
    )
    if area is None:
        return None
    rows = await conn.fetch(
        """SELECT r.number, r.name, r.district_key, d.name AS district_name
           FROM registry_residential_areas r LEFT JOIN registry_districts d ON d.key = r.district_key
           WHERE r.social_area_key = $1 ORDER BY r.number""",
        key,
    )
    districts = _districts_of(rows)
    return {
        "key": area["key"],
        "name": area["name"],
        "community_centre_name": area["community_centre_name"],
        "city": area["city"],
        "residential_areas": [
            {"number": r["number"], "name": r["name"], "district_key": r["district_key"]} for r in rows
        ],
        "district_keys": list(districts),
        "districts": [{"key": k, "name": v} for k, v in districts.items()],
    }


async def social_areas(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """Every Sozialraum in the registry's order (first registration), each like ``social_area``."""
    areas = await conn.fetch(
        """SELECT key, name, community_centre_name, city FROM registry_social_areas
           ORDER BY registered_at NULLS LAST, key"""
    )
    rows = await conn.fetch(
        """SELECT r.number, r.name, r.district_key, r.social_area_key, d.name AS district_name
           FROM registry_residential_areas r LEFT JOIN registry_districts d ON d.key = r.district_key
           ORDER BY r.number"""
    )
    out = []
    for a in areas:
        mine = [r for r in rows if r["social_area_key"] == a["key"]]
        districts = _districts_of(mine)
        out.append(
            {
                "key": a["key"],
                "name": a["name"],
                "community_centre_name": a["community_centre_name"],
                "city": a["city"],
                "residential_areas": [
                    {"number": r["number"], "name": r["name"], "district_key": r["district_key"]} for r in mine
                ],
                "district_keys": list(districts),
                "districts": [{"key": k, "name": v} for k, v in districts.items()],
            }
        )
    return out


async def social_area_keys(conn: asyncpg.Connection) -> list[str]:
    return [r["key"] for r in await conn.fetch("SELECT key FROM registry_social_areas ORDER BY key")]


async def districts(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """Every Stadtbezirk ``{key, name}`` in the registry's order."""
    rows = await conn.fetch("SELECT key, name FROM registry_districts ORDER BY registered_at NULLS LAST, key")
    return [dict(r) for r in rows]


async def vocabulary(conn: asyncpg.Connection, name: str) -> list[str]:
    """The terms of a vocabulary (``fields_of_action``, ``cross_cutting_themes``, ``strategic_goals``,
    ``steering_goals``, …) in the registry's order; empty if not (yet) known."""
    terms = await conn.fetchval("SELECT terms::text FROM registry_vocabularies WHERE name = $1", name)
    return [] if terms is None else list(json.loads(terms))


async def vocabularies(conn: asyncpg.Connection) -> dict[str, list[str]]:
    rows = await conn.fetch("SELECT name, terms::text AS terms FROM registry_vocabularies")
    return {r["name"]: list(json.loads(r["terms"])) for r in rows}


async def fields_of_action(conn: asyncpg.Connection) -> list[str]:
    """The Handlungsfelder of the city."""
    return await vocabulary(conn, FIELDS_OF_ACTION)


async def city(conn: asyncpg.Connection) -> str | None:
    """The city's name as the registry announces it (e.g. „Hamm“), or None before the territory arrived."""
    value = await conn.fetchval(
        """SELECT city FROM registry_social_areas WHERE city IS NOT NULL
           UNION ALL SELECT city FROM registry_districts WHERE city IS NOT NULL LIMIT 1"""
    )
    return None if value is None else str(value)


async def actor_exists(conn: asyncpg.Connection, actor_id: uuid.UUID, *, include_withdrawn: bool = False) -> bool:
    """True if the actor is known (and, unless ``include_withdrawn``, not withdrawn)."""
    return bool(
        await conn.fetchval(
            "SELECT true FROM registry_actors WHERE id = $1 AND ($2 OR NOT withdrawn)", actor_id, include_withdrawn
        )
    )


async def actor(conn: asyncpg.Connection, actor_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        "SELECT id, name, type, social_area_keys, withdrawn FROM registry_actors WHERE id = $1", actor_id
    )
    return None if row is None else {**dict(row), "social_area_keys": list(row["social_area_keys"])}


async def district_council_of(conn: asyncpg.Connection, district_key: str) -> dict[str, Any] | None:
    """The Bezirksvertretung of a Stadtbezirk: ``{id, kind, name, display_name, district_key}``, or None."""
    row = await conn.fetchrow(
        """SELECT id, kind, name, display_name, social_area_key, district_key FROM registry_bodies
           WHERE kind = $1 AND district_key = $2""",
        DISTRICT_COUNCIL,
        district_key,
    )
    return None if row is None else dict(row)


async def bodies(conn: asyncpg.Connection, kind: str | None = None) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT id, kind, name, display_name, local_title, social_area_key, district_key FROM registry_bodies
           WHERE $1::text IS NULL OR kind = $1 ORDER BY kind, name""",
        kind,
    )
    return [dict(r) for r in rows]


async def members_of(
    conn: asyncpg.Connection, body_id: uuid.UUID, *, on: dt.date | None = None
) -> list[dict[str, Any]]:
    """The memberships of a body, each ``{membership_id, person_id, role, starts_on, ends_on, is_district_mayor,
    lives_in_social_area_key, erased}``; with ``on``, only those active on that day (started, not yet ended)."""
    rows = await conn.fetch(
        """SELECT m.id AS membership_id, m.person_id, m.role, m.starts_on, m.ends_on, m.is_district_mayor,
                  p.lives_in_social_area_key, coalesce(p.erased, false) AS erased
           FROM registry_memberships m LEFT JOIN registry_persons p ON p.id = m.person_id
           WHERE m.body_id = $1 AND m.role IS NOT NULL
             AND ($2::date IS NULL OR (m.starts_on <= $2 AND (m.ends_on IS NULL OR m.ends_on >= $2)))
           ORDER BY m.starts_on, m.id""",
        body_id,
        on,
    )
    return [dict(r) for r in rows]


async def is_member(
    conn: asyncpg.Connection, body_id: uuid.UUID, person_id: uuid.UUID, *, on: dt.date | None = None
) -> bool:
    """True if the person holds a membership of the body (active on ``on``, if given)."""
    return any(m["person_id"] == person_id for m in await members_of(conn, body_id, on=on))
