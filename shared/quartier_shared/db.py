"""Connection pool and schema migrations.

A service connects with its own role, whose search_path is its own schema; migrations are plain SQL
files applied in order, once, under an advisory lock so that two starting instances never race.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from quartier_shared.settings import ServiceSettings

log = logging.getLogger(__name__)

BACKBONE_MIGRATIONS = Path(__file__).parent / "migrations"


async def create_pool(settings: ServiceSettings) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        host=settings.db_host,
        port=settings.db_port,
        database=settings.db_name,
        user=settings.db_role,
        password=settings.db_password.get_secret_value() or None,
        min_size=settings.db_pool_min,
        max_size=settings.db_pool_max,
        # The service's own schema, then the shared extensions (pg_trgm); never public.
        server_settings={
            "search_path": f"{settings.db_schema}, extensions",
            "application_name": settings.service_name,
        },
    )
    assert pool is not None
    return pool


def advisory_key(name: str) -> int:
    """A stable 63-bit key for ``pg_advisory_lock`` derived from a name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF


@dataclass(frozen=True)
class Migration:
    source: str
    version: str
    sql: str


def collect_migrations(*dirs: tuple[str, Path]) -> list[Migration]:
    migrations: list[Migration] = []
    for source, directory in dirs:
        for path in sorted(directory.glob("*.sql")):
            migrations.append(Migration(source, path.stem, path.read_text(encoding="utf-8")))
    return migrations


async def migrate(
    pool: asyncpg.Pool,
    schema: str,
    service_migrations: Path,
    libraries: Sequence[tuple[str, Path]] = (),
) -> list[str]:
    """Applies the backbone migrations (outbox, inbox), then those of the workspace libraries the service
    uses (each under its own source name), then the service's own, each once."""
    migrations = collect_migrations(("backbone", BACKBONE_MIGRATIONS), *libraries, ("service", service_migrations))
    applied: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", advisory_key(f"migrate:{schema}"))
        try:
            await conn.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    source text NOT NULL,
                    version text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (source, version)
                )
                """
            )
            done = {
                (r["source"], r["version"]) for r in await conn.fetch("SELECT source, version FROM schema_migrations")
            }
            for m in migrations:
                if (m.source, m.version) in done:
                    continue
                async with conn.transaction():
                    await conn.execute(m.sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (source, version) VALUES ($1, $2)", m.source, m.version
                    )
                applied.append(f"{m.source}/{m.version}")
                log.info("migration applied", extra={"migration": f"{m.source}/{m.version}"})
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", advisory_key(f"migrate:{schema}"))
    return applied
