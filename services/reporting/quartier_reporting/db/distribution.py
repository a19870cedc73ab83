"""SQL of the distributions: the mid-year reviews and evaluations delivered to the steering committee and
the Bezirksvertretungen (table ``distributions``, rebuilt by replay like every read model)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg


async def hearing_districts(conn: asyncpg.Connection, plan_id: uuid.UUID) -> list[str]:
    """The Stadtbezirke heard on the plan, in the order of its hearings."""
    rows = await conn.fetch(
        "SELECT district_key FROM plan_hearings WHERE plan_id = $1 ORDER BY position, district_key", plan_id
    )
    return [r["district_key"] for r in rows]


async def record_distribution(
    conn: asyncpg.Connection,
    plan_id: uuid.UUID,
    kind: str,
    social_area_key: str,
    year: int,
    district_keys: Sequence[str],
    summary: dict[str, Any],
    at: dt.datetime,
) -> bool:
    """False when this plan's review/evaluation was distributed already (a plan has one of each)."""
    inserted = await conn.fetchval(
        """INSERT INTO distributions (plan_id, kind, social_area_key, year, district_keys, summary, distributed_at)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7)
           ON CONFLICT (plan_id, kind) DO NOTHING RETURNING true""",
        plan_id,
        kind,
        social_area_key,
        year,
        json.dumps(list(district_keys), ensure_ascii=False),
        json.dumps(summary, ensure_ascii=False),
        at,
    )
    return bool(inserted)


async def distributions(
    conn: asyncpg.Connection, district_key: str | None, year: int | None, social_area_key: str | None = None
) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT * FROM distributions
           WHERE ($1::text IS NULL OR district_keys ? $1)
             AND ($2::int IS NULL OR year = $2)
             AND ($3::text IS NULL OR social_area_key = $3)
           ORDER BY distributed_at DESC, plan_id, kind""",
        district_key,
        year,
        social_area_key,
    )
