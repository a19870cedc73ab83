"""SQL of reporting's territory: the Sozialräume as its API shows them, from the registry replica
(``quartier_registry_replica``), and the history of the territory's changes (reporting's own)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from quartier_registry_replica import queries as replica


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
    """The Sozialräume in the registry's order with their Wohnbereiche and Stadtbezirke."""
    return [
        {
            "key": a["key"],
            "name": a["name"],
            "community_centre": {"name": a["community_centre_name"]},
            "residential_areas": a["residential_areas"],
            "districts": a["districts"],
        }
        for a in await replica.social_areas(conn)
    ]


async def history(conn: asyncpg.Connection, limit: int = 100) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT event_id, event_type, subject, description, occurred_at, applied_at
           FROM territory_history ORDER BY id DESC LIMIT $1""",
        limit,
    )
    return [dict(r) for r in rows]
