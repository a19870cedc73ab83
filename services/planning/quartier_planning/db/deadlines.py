"""SQL of the deadlines: the plans still in their cycle and the deadlines already announced."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import asyncpg

from quartier_planning.db.plans import from_document
from quartier_planning.domain.plans import AnnualPlan


async def plans(
    conn: asyncpg.Connection, *, year: int | None = None, plan_ids: list[uuid.UUID] | None = None
) -> list[AnnualPlan]:
    """Plans of a year (all years without ``year``), optionally only ``plan_ids``, by year and social area."""
    rows = await conn.fetch(
        """SELECT document::text FROM plans
           WHERE ($1::int IS NULL OR year = $1) AND ($2::uuid[] IS NULL OR id = ANY($2::uuid[]))
           ORDER BY year, social_area_key""",
        year,
        plan_ids,
    )
    return [from_document(json.loads(r["document"])) for r in rows]


async def open_plan_ids(conn: asyncpg.Connection, plan_ids: list[uuid.UUID] | None = None) -> list[uuid.UUID]:
    """Plans whose cycle is not finished (not yet evaluated)."""
    rows = await conn.fetch(
        """SELECT id FROM plans WHERE state <> 'evaluated' AND ($1::uuid[] IS NULL OR id = ANY($1::uuid[]))
           ORDER BY year, social_area_key""",
        plan_ids,
    )
    return [r["id"] for r in rows]


async def announced(conn: asyncpg.Connection, plan_id: uuid.UUID, step: str, due_on: dt.date, kind: str) -> bool:
    found: bool = await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM deadline_announcements
                          WHERE plan_id = $1 AND step = $2 AND due_on = $3 AND kind = $4)""",
        plan_id,
        step,
        due_on,
        kind,
    )
    return found


async def mark_announced(
    conn: asyncpg.Connection, plan_id: uuid.UUID, step: str, due_on: dt.date, kind: str, event_id: uuid.UUID
) -> None:
    """Records the announcement; the primary key refuses a second one (the transaction then rolls back)."""
    await conn.execute(
        """INSERT INTO deadline_announcements (plan_id, step, due_on, kind, event_id)
           VALUES ($1, $2, $3, $4, $5)""",
        plan_id,
        step,
        due_on,
        kind,
        event_id,
    )
