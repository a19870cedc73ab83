"""SQL of standalone needs: the need document, its row lock, its history. Parameterised statements only."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import asdict
from typing import Any

import asyncpg

from quartier_planning.db.plans import _json, history_entries
from quartier_planning.domain.needs import NeedStatus, StandaloneNeed


def to_document(need: StandaloneNeed) -> dict[str, Any]:
    doc: dict[str, Any] = _json(asdict(need))
    doc["status"] = need.status.value
    return doc


def _uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


def from_document(doc: dict[str, Any]) -> StandaloneNeed:
    return StandaloneNeed(
        id=uuid.UUID(doc["id"]),
        source=doc["source"],
        social_area_key=doc["social_area_key"],
        field_of_action=doc["field_of_action"],
        title=doc["title"],
        description=doc["description"],
        raised_on=dt.date.fromisoformat(doc["raised_on"]),
        raised_by=doc["raised_by"],
        residential_area_number=doc["residential_area_number"],
        status=NeedStatus(doc["status"]),
        plan_id=_uuid(doc["plan_id"]),
        measure_id=_uuid(doc["measure_id"]),
        forwarded_to=doc["forwarded_to"],
        forwarded_to_actor_id=_uuid(doc["forwarded_to_actor_id"]),
        declined_because=doc["declined_because"],
        reopened_because=doc["reopened_because"],
        meeting_id=_uuid(doc.get("meeting_id")),
    )


_BY_ID = "SELECT document::text FROM needs WHERE id = $1"
_BY_ID_FOR_UPDATE = "SELECT document::text FROM needs WHERE id = $1 FOR UPDATE"


async def load(conn: asyncpg.Connection, need_id: uuid.UUID, *, for_update: bool = False) -> StandaloneNeed | None:
    query = _BY_ID_FOR_UPDATE if for_update else _BY_ID
    raw = await conn.fetchval(query, need_id)
    return from_document(json.loads(raw)) if raw else None


async def exists(conn: asyncpg.Connection, need_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval("SELECT true FROM needs WHERE id = $1", need_id))


async def insert(conn: asyncpg.Connection, need: StandaloneNeed) -> bool:
    """Inserts a new need; False if a need with this id exists already (nothing written)."""
    status: str = await conn.execute(
        """INSERT INTO needs (id, source, social_area_key, status, version, document)
           VALUES ($1, $2, $3, $4, 1, $5::jsonb)
           ON CONFLICT (id) DO NOTHING""",
        need.id,
        need.source,
        need.social_area_key,
        need.status.value,
        json.dumps(to_document(need), ensure_ascii=False),
    )
    return status.endswith(" 1")


async def update(conn: asyncpg.Connection, need: StandaloneNeed) -> int:
    version: int = await conn.fetchval(
        """UPDATE needs SET status = $2, document = $3::jsonb, version = version + 1, updated_at = now()
           WHERE id = $1 RETURNING version""",
        need.id,
        need.status.value,
        json.dumps(to_document(need), ensure_ascii=False),
    )
    return version


async def list_needs(
    conn: asyncpg.Connection, social_area_key: str | None, status: str | None, source: str | None
) -> list[StandaloneNeed]:
    rows = await conn.fetch(
        """SELECT document::text FROM needs
           WHERE ($1::text IS NULL OR social_area_key = $1) AND ($2::text IS NULL OR status = $2)
             AND ($3::text IS NULL OR source = $3)
           ORDER BY created_at, id""",
        social_area_key,
        status,
        source,
    )
    return [from_document(json.loads(r[0])) for r in rows]


async def audit(
    conn: asyncpg.Connection,
    need_id: uuid.UUID,
    version: int,
    event_id: uuid.UUID,
    event_type: str,
    actor: str,
    change: dict[str, Any],
) -> None:
    await conn.execute(
        """INSERT INTO need_history (need_id, version, event_id, event_type, actor, change)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb)""",
        need_id,
        version,
        event_id,
        event_type,
        actor,
        json.dumps(change, ensure_ascii=False),
    )


async def history(conn: asyncpg.Connection, need_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT version, event_id, event_type, actor, change::text, changed_at FROM need_history
           WHERE need_id = $1 ORDER BY id""",
        need_id,
    )
    return history_entries(rows)


async def taken_into_measures(conn: asyncpg.Connection, plan_id: uuid.UUID) -> dict[uuid.UUID, tuple[str, ...]]:
    """measure id → titles of the standalone needs taken into that measure of the plan (and not reopened)."""
    rows = await conn.fetch(
        """SELECT document->>'measure_id' AS measure_id, document->>'title' AS title FROM needs
           WHERE status = 'taken_into_plan' AND document->>'plan_id' = $1::text ORDER BY created_at, id""",
        str(plan_id),
    )
    out: dict[uuid.UUID, tuple[str, ...]] = {}
    for r in rows:
        if r["measure_id"]:
            key = uuid.UUID(r["measure_id"])
            out[key] = (*out.get(key, ()), r["title"])
    return out
