"""Use cases of the social data: import a statistics file, read the series of a Sozialraum.

An import is one transaction: the file is validated completely (``domain.parse_csv``), and only a file
without a broken row is stored, with the replaced values kept as history and one ``SocialDataImported``
event per Sozialraum and year whose figures changed, through the outbox. Imports are serialised by an
advisory lock. Importing the same figures again changes nothing and announces nothing, which keeps the
demo data load at every start idempotent.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from quartier_registry.db import social_data as db
from quartier_registry.db import territory as territory_db
from quartier_registry.domain import social_data as domain
from quartier_registry.domain.social_data import LineError, SocialDataRejected, StoredValue
from quartier_registry.domain.territory import Territory, TerritoryNotLoaded
from quartier_registry.settings import SOURCE, settings_of
from quartier_shared.db import advisory_key
from quartier_shared.outbox import enqueue
from quartier_shared.runtime import ServiceContext

log = logging.getLogger(__name__)

DEMO_FILE = Path(__file__).resolve().parents[2] / "data" / "demo-social-data.csv"
DEMO_CITY = "Hamm"


@dataclass(frozen=True)
class ImportResult:
    import_id: uuid.UUID | None
    rows: int
    created: int
    replaced: int
    unchanged: int
    announced: list[tuple[str, int]]


async def _territory(conn: asyncpg.Connection) -> Territory:
    territory = await territory_db.load_territory(conn)
    if territory is None:
        raise TerritoryNotLoaded()
    return territory


async def import_csv(pool: asyncpg.Pool, data: bytes, actor: str) -> ImportResult:
    """Stores a valid file whole, or raises ``SocialDataRejected`` and stores nothing."""
    async with pool.acquire() as conn, conn.transaction():
        await db.lock(conn, advisory_key("registry:social-data"))
        territory = await _territory(conn)
        rows = domain.parse_csv(data, territory)
        years = sorted({r.year for r in rows})
        decision = domain.decide_import(rows, await db.stored_values(conn, years))
        if not decision.changed:
            return ImportResult(None, len(rows), 0, 0, len(decision.unchanged), [])
        import_id = uuid.uuid4()
        await db.insert_import(
            conn,
            import_id,
            actor,
            hashlib.sha256(data).hexdigest(),
            len(rows),
            len(decision.created),
            len(decision.replaced),
            len(decision.unchanged),
        )
        await db.keep_history(conn, decision.replaced, import_id)
        await db.upsert_values(conn, decision.changed, import_id)
        touched = decision.touched()
        for social_area_key, year in touched:
            numbers = [r.number for r in territory.residential_areas_of(social_area_key)]
            values = await db.values_of(conn, social_area_key, numbers, year)
            event = domain.imported_event(import_id, territory, social_area_key, year, values)
            await enqueue(conn, event, source=SOURCE)
    log.info(
        "social data imported",
        extra={"import_id": str(import_id), "rows": len(rows), "events": len(touched), "actor": actor},
    )
    return ImportResult(
        import_id, len(rows), len(decision.created), len(decision.replaced), len(decision.unchanged), touched
    )


async def series_of(
    pool: asyncpg.Pool, social_area_key: str | None, year: int | None = None
) -> tuple[Territory, list[tuple[str, list[StoredValue]]]]:
    """The current values per Sozialraum (one, or all in the territory's order) incl. their Wohnbereiche."""
    async with pool.acquire() as conn:
        territory = await _territory(conn)
        keys = [social_area_key] if social_area_key is not None else list(territory.social_areas)
        out: list[tuple[str, list[StoredValue]]] = []
        for key in keys:
            territory.social_area(key)  # UnknownEntry for an unknown key
            numbers = [r.number for r in territory.residential_areas_of(key)]
            out.append((key, await db.values_of(conn, key, numbers, year)))
    return territory, out


# ---------------------------------------------------------------- demo data


async def load_demo_social_data(pool: asyncpg.Pool, path: Path = DEMO_FILE) -> ImportResult | None:
    """Imports the invented demo figures through the ordinary import (unchanged figures change nothing)."""
    async with pool.acquire() as conn:
        territory = await territory_db.load_territory(conn)
    if territory is None or territory.city != DEMO_CITY:
        log.info("demo social data are for another city", extra={"file": str(path)})
        return None
    try:
        return await import_csv(pool, await asyncio.to_thread(path.read_bytes), "demo")
    except SocialDataRejected as exc:
        # A moved Wohnbereich or another territory must not stop the service for demo data.
        log.warning("demo social data refused", extra={"errors": [f"{e.line}: {e.message}" for e in exc.lines[:5]]})
        return None


async def on_startup(ctx: ServiceContext) -> None:
    if settings_of(ctx).demo_data:
        result = await load_demo_social_data(ctx.pool)
        if result is not None:
            log.info(
                "demo social data loaded", extra={"values_created": result.created, "values_replaced": result.replaced}
            )


__all__ = ["ImportResult", "LineError", "SocialDataRejected", "import_csv", "on_startup", "series_of"]
