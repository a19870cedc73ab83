"""SQL of the rebuild (``service.rebuild``): the shadow tables of the read models and the swap.

Table and schema names are ours (``read_models.TABLES``, the service's schema), never input; they cannot be
parameters of a statement, hence the f-strings.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from quartier_shared.db import advisory_key


async def lock(conn: asyncpg.Connection, schema: str) -> None:
    """One rebuild at a time per schema (a session lock: the rebuild spans several transactions)."""
    await conn.execute("SELECT pg_advisory_lock($1)", advisory_key(f"rebuild:{schema}"))


async def unlock(conn: asyncpg.Connection, schema: str) -> None:
    await conn.execute("SELECT pg_advisory_unlock($1)", advisory_key(f"rebuild:{schema}"))


async def create_shadow_tables(conn: asyncpg.Connection, schema: str, tables: Sequence[str]) -> None:
    """A fresh temporary copy of each live table; the temporary schema comes first in the search path."""
    for table in tables:
        await conn.execute(f"DROP TABLE IF EXISTS pg_temp.{table}")
        await conn.execute(
            f"CREATE TEMP TABLE {table} (LIKE {schema}.{table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
            f"INCLUDING INDEXES)"
        )


async def drop_shadow_tables(conn: asyncpg.Connection, tables: Sequence[str]) -> None:
    for table in tables:
        await conn.execute(f"DROP TABLE IF EXISTS pg_temp.{table}")


async def lock_live_tables(conn: asyncpg.Connection, schema: str, tables: Sequence[str]) -> None:
    """Blocks the live consumers' writes (readers go on) until the end of the transaction."""
    live = ", ".join(f"{schema}.{t}" for t in tables)
    await conn.execute(f"LOCK TABLE {live} IN SHARE ROW EXCLUSIVE MODE")


async def replace_live_rows(conn: asyncpg.Connection, schema: str, tables: Sequence[str]) -> None:
    """The live tables' rows replaced by the shadow tables' rows (inside the caller's transaction)."""
    for table in tables:
        await conn.execute(f"DELETE FROM {schema}.{table}")  # noqa: S608 (table names are ours)
        await conn.execute(f"INSERT INTO {schema}.{table} SELECT * FROM pg_temp.{table}")  # noqa: S608


async def row_counts(conn: asyncpg.Connection, schema: str, tables: Sequence[str]) -> dict[str, int]:
    return {t: await conn.fetchval(f"SELECT count(*) FROM {schema}.{t}") for t in tables}  # noqa: S608
