"""SQL of planning's business figures on /metrics (``quartier_planning.metrics``): counts only."""

from __future__ import annotations

import asyncpg


async def plans_per_state(conn: asyncpg.Connection) -> dict[str, int]:
    return {r["state"]: r["n"] for r in await conn.fetch("SELECT state, count(*) AS n FROM plans GROUP BY 1")}


async def needs_per_status(conn: asyncpg.Connection) -> dict[str, int]:
    return {r["status"]: r["n"] for r in await conn.fetch("SELECT status, count(*) AS n FROM needs GROUP BY 1")}
