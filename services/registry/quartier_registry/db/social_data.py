"""SQL of the social data (indicators per Sozialraum/Wohnbereich and year). Parameterised statements only."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from quartier_registry.domain.social_data import SocialDataRow, StoredValue


def _stored(r: asyncpg.Record) -> StoredValue:
    return StoredValue(r["year"], r["level"], r["area_key"], r["indicator"], r["value"], r["source"], r["as_of"])


async def lock(conn: asyncpg.Connection, key: int) -> None:
    await conn.execute("SELECT pg_advisory_xact_lock($1)", key)


async def stored_values(conn: asyncpg.Connection, years: Sequence[int]) -> dict[tuple[int, str, str, str], StoredValue]:
    rows = await conn.fetch(
        """SELECT year, level, area_key, indicator, value, source, as_of
             FROM social_data_values WHERE year = ANY($1::int[])""",
        list(years),
    )
    values = [_stored(r) for r in rows]
    return {v.slot: v for v in values}


async def insert_import(
    conn: asyncpg.Connection,
    import_id: uuid.UUID,
    actor: str,
    sha256: str,
    rows: int,
    created: int,
    replaced: int,
    unchanged: int,
) -> None:
    await conn.execute(
        """INSERT INTO social_data_imports (id, actor, sha256, rows, created, replaced, unchanged)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        import_id,
        actor,
        sha256,
        rows,
        created,
        replaced,
        unchanged,
    )


async def keep_history(conn: asyncpg.Connection, rows: Sequence[SocialDataRow], import_id: uuid.UUID) -> None:
    """Copies the current values of ``rows``' slots into the history, replaced by ``import_id``."""
    await conn.executemany(
        """INSERT INTO social_data_history
                   (year, level, area_key, indicator, value, source, as_of, import_id, replaced_by)
            SELECT year, level, area_key, indicator, value, source, as_of, import_id, $5 FROM social_data_values
             WHERE year = $1 AND level = $2 AND area_key = $3 AND indicator = $4""",
        [(r.year, r.level, r.area_key, r.indicator, import_id) for r in rows],
    )


async def upsert_values(conn: asyncpg.Connection, rows: Sequence[SocialDataRow], import_id: uuid.UUID) -> None:
    await conn.executemany(
        """INSERT INTO social_data_values (year, level, area_key, indicator, value, source, as_of, import_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (year, level, area_key, indicator) DO UPDATE
               SET value = excluded.value, source = excluded.source, as_of = excluded.as_of,
                   import_id = excluded.import_id""",
        [(r.year, r.level, r.area_key, r.indicator, r.value, r.source, r.as_of, import_id) for r in rows],
    )


async def values_of(
    conn: asyncpg.Connection, social_area_key: str, numbers: Sequence[int], year: int | None = None
) -> list[StoredValue]:
    """The current values of a Sozialraum and of the given Wohnbereiche (all years, or one)."""
    rows = await conn.fetch(
        """SELECT year, level, area_key, indicator, value, source, as_of FROM social_data_values
             WHERE ((level = 'sozialraum' AND area_key = $1)
                    OR (level = 'wohnbereich' AND area_key = ANY($2::text[])))
               AND ($3::int IS NULL OR year = $3)
             ORDER BY year, level, area_key, indicator""",
        social_area_key,
        [str(n) for n in numbers],
        year,
    )
    return [_stored(r) for r in rows]


async def history_count(conn: asyncpg.Connection) -> int:
    count: int = await conn.fetchval("SELECT count(*) FROM social_data_history")
    return count
