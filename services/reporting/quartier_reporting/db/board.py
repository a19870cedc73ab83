"""SQL of the status board (Lagebild) and the public view of a Sozialraum, read from the read models of
plans, needs and meetings (written by ``db.read_models``)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

import asyncpg


async def plans_of_year(conn: asyncpg.Connection, year: int) -> dict[str, asyncpg.Record]:
    """Per Sozialraum the plan of ``year`` (the one drafted first, should there be several)."""
    rows = await conn.fetch(
        "SELECT * FROM plans WHERE year = $1 ORDER BY social_area_key, drafted_at NULLS LAST, plan_id", year
    )
    out: dict[str, asyncpg.Record] = {}
    for r in rows:
        out.setdefault(r["social_area_key"], r)
    return out


async def plan_years(conn: asyncpg.Connection) -> dict[uuid.UUID, int]:
    return {r["plan_id"]: r["year"] for r in await conn.fetch("SELECT plan_id, year FROM plans")}


async def hearings_of(conn: asyncpg.Connection, plan_ids: Sequence[uuid.UUID]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT plan_id, closed FROM plan_hearings WHERE plan_id = ANY($1::uuid[])", plan_ids)


async def council_needs_of(conn: asyncpg.Connection, plan_ids: Sequence[uuid.UUID]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT plan_id, answer FROM council_needs WHERE plan_id = ANY($1::uuid[])", plan_ids)


async def deadlines_of(conn: asyncpg.Connection, plan_ids: Sequence[uuid.UUID]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM deadlines WHERE plan_id = ANY($1::uuid[])", plan_ids)


async def standalone_needs(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """The needs raised outside a hearing (council needs have no source here)."""
    return await conn.fetch("SELECT social_area_key, status, plan_id, raised_on FROM needs WHERE source <> ''")


async def next_conferences(conn: asyncpg.Connection, now: dt.datetime) -> list[asyncpg.Record]:
    """Per Sozialraum the next Stadtteilkonferenz not cancelled, from ``now`` on."""
    return await conn.fetch(
        """SELECT DISTINCT ON (social_area_key) meeting_id, social_area_key, coalesce(display_title, title) AS title,
                  starts_at
           FROM meetings
           WHERE kind = 'neighbourhood_conference' AND NOT cancelled AND social_area_key IS NOT NULL
             AND starts_at >= $1
           ORDER BY social_area_key, starts_at, meeting_id""",
        now,
    )
