"""SQL of the registry's business figures on /metrics (``quartier_registry.metrics``): counts only."""

from __future__ import annotations

import datetime as dt

import asyncpg

_COUNTS = """
SELECT (SELECT count(*) FROM offers WHERE status = 'active') AS offers_active,
       (SELECT count(*) FROM offers WHERE status = 'withdrawn') AS offers_withdrawn,
       (SELECT count(*) FROM offers WHERE status = 'active'
                                      AND last_confirmed_on <= $1) AS review_due,
       (SELECT count(*) FROM actors WHERE withdrawn_at IS NULL) AS actors,
       (SELECT count(*) FROM persons WHERE erased_at IS NULL) AS persons_active,
       (SELECT count(*) FROM persons WHERE erased_at IS NOT NULL) AS persons_erased,
       (SELECT count(*) FROM bodies) AS bodies
"""


async def counts(conn: asyncpg.Connection, review_due_on: dt.date) -> asyncpg.Record:
    """Offers, actors, people and bodies; ``review_due`` counts active offers last confirmed on or before
    ``review_due_on``."""
    row = await conn.fetchrow(_COUNTS, review_due_on)
    assert row is not None
    return row


async def duplicate_pairs_per_status(conn: asyncpg.Connection) -> dict[str, int]:
    return {
        r["status"]: r["n"]
        for r in await conn.fetch("SELECT status, count(*) AS n FROM offer_duplicate_pairs GROUP BY 1")
    }
