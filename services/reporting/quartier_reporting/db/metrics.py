"""SQL of reporting's business figures on /metrics (``quartier_reporting.metrics``): counts only."""

from __future__ import annotations

import asyncpg

_TERRITORY_COUNTS = """
SELECT (SELECT count(*) FROM registry_districts) AS districts,
       (SELECT count(*) FROM registry_social_areas) AS social_areas,
       (SELECT count(*) FROM registry_residential_areas) AS residential_areas,
       (SELECT count(*) FROM registry_vocabularies) AS vocabularies,
       (SELECT count(*) FROM territory_history) AS changes
"""


async def territory_counts(conn: asyncpg.Connection) -> asyncpg.Record:
    row = await conn.fetchrow(_TERRITORY_COUNTS)
    assert row is not None
    return row


async def plans_per_state(conn: asyncpg.Connection, year: int) -> dict[str, int]:
    rows = await conn.fetch("SELECT state, count(*) AS n FROM plans WHERE year = $1 GROUP BY state", year)
    return {r["state"]: r["n"] for r in rows}


async def deadlines_with_plan_state(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Every deadline with its plan's state and whether all of the plan's hearings are closed."""
    return await conn.fetch(
        """SELECT d.plan_id, d.step, d.due_on, d.missed, p.state,
                  coalesce(bool_and(h.closed), false) AND count(h.*) > 0 AS all_closed
           FROM deadlines d JOIN plans p ON p.plan_id = d.plan_id
           LEFT JOIN plan_hearings h ON h.plan_id = d.plan_id
           GROUP BY d.plan_id, d.step, d.due_on, d.missed, p.state"""
    )


async def open_needs(conn: asyncpg.Connection) -> asyncpg.Record:
    """Council needs not answered and standalone needs still open."""
    row = await conn.fetchrow(
        """SELECT (SELECT count(*) FROM council_needs WHERE answer IS NULL) AS council,
                  (SELECT count(*) FROM needs WHERE status = 'open' AND source <> '') AS standalone"""
    )
    assert row is not None
    return row
