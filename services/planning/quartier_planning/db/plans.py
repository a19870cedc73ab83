"""SQL of the Jahresplan: the plan document, its row lock, its history. Parameterised statements only."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import asdict
from typing import Any

import asyncpg

from quartier_planning.domain.plans import (
    AnnualPlan,
    Answer,
    Hearing,
    Measure,
    MeasureInput,
    Need,
    OfferRef,
    PlanState,
)


def _json(value: Any) -> Any:
    if isinstance(value, uuid.UUID | dt.date):
        return str(value) if isinstance(value, uuid.UUID) else value.isoformat()
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def to_document(plan: AnnualPlan) -> dict[str, Any]:
    doc: dict[str, Any] = _json(asdict(plan))
    doc["state"] = plan.state.value
    return doc


def _uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


def _spec(d: dict[str, Any]) -> MeasureInput:
    return MeasureInput(
        title=d["title"],
        description=d["description"],
        field_of_action=d["field_of_action"],
        responsible_actor_id=uuid.UUID(d["responsible_actor_id"]),
        starts_on=dt.date.fromisoformat(d["starts_on"]),
        ends_on=dt.date.fromisoformat(d["ends_on"]),
        cross_cutting_themes=tuple(d["cross_cutting_themes"]),
        target_groups=tuple(d["target_groups"]),
        strategic_goals=tuple(d["strategic_goals"]),
        partner_actor_ids=tuple(uuid.UUID(a) for a in d["partner_actor_ids"]),
        residential_area_number=d["residential_area_number"],
        at_community_centre=d["at_community_centre"],
        planned_indicators=tuple(d["planned_indicators"]),
        offer_ids=tuple(uuid.UUID(o) for o in d["offer_ids"]),
        # Documents stored before measures linked to steering goals have no such field.
        steering_goal_ids=tuple(uuid.UUID(g) for g in d.get("steering_goal_ids", ())),
        # Documents stored before measures pointed to target agreements have no such field.
        agreement_id=_uuid(d.get("agreement_id")),
    )


def from_document(doc: dict[str, Any]) -> AnnualPlan:
    return AnnualPlan(
        id=uuid.UUID(doc["id"]),
        social_area_key=doc["social_area_key"],
        year=doc["year"],
        state=PlanState(doc["state"]),
        measures=tuple(
            Measure(
                id=uuid.UUID(m["id"]),
                spec=_spec(m["spec"]),
                review=m["review"],
                review_reason=m["review_reason"],
                outcome=m["outcome"],
                indicators_reached=tuple(m["indicators_reached"]),
                lessons=m["lessons"],
                carried_from=_uuid(m["carried_from"]),
            )
            for m in doc["measures"]
        ),
        hearings=tuple(Hearing(h["district_key"], h["district_name"], h["closed"]) for h in doc["hearings"]),
        needs=tuple(
            Need(
                id=uuid.UUID(n["id"]),
                district_key=n["district_key"],
                text=n["text"],
                field_of_action=n["field_of_action"],
                answer=Answer(
                    n["answer"]["kind"],
                    _uuid(n["answer"]["measure_id"]),
                    n["answer"]["forwarded_to"],
                    n["answer"]["reason"],
                )
                if n["answer"]
                else None,
            )
            for n in doc["needs"]
        ),
        carried_over_to=_uuid(doc["carried_over_to"]),
        carried_from=_uuid(doc["carried_from"]),
    )


_BY_ID = "SELECT document::text FROM plans WHERE id = $1"
_BY_KEY = "SELECT document::text FROM plans WHERE social_area_key = $1 AND year = $2"


async def load(conn: asyncpg.Connection, plan_id: uuid.UUID, *, for_update: bool = False) -> AnnualPlan | None:
    query = "SELECT document::text FROM plans WHERE id = $1 FOR UPDATE" if for_update else _BY_ID
    raw = await conn.fetchval(query, plan_id)
    return from_document(json.loads(raw)) if raw else None


async def load_by_key(
    conn: asyncpg.Connection, social_area_key: str, year: int, *, for_update: bool = False
) -> AnnualPlan | None:
    query = _BY_KEY + " FOR UPDATE" if for_update else _BY_KEY
    raw = await conn.fetchval(query, social_area_key, year)
    return from_document(json.loads(raw)) if raw else None


async def version_of(conn: asyncpg.Connection, plan_id: uuid.UUID) -> int:
    value: int = await conn.fetchval("SELECT version FROM plans WHERE id = $1", plan_id)
    return value


async def insert(conn: asyncpg.Connection, plan: AnnualPlan) -> bool:
    """Inserts a new plan; False if the social area already has a plan for the year."""
    status: str = await conn.execute(
        """INSERT INTO plans (id, social_area_key, year, state, version, document)
           VALUES ($1, $2, $3, $4, 1, $5::jsonb)
           ON CONFLICT (social_area_key, year) DO NOTHING""",
        plan.id,
        plan.social_area_key,
        plan.year,
        plan.state.value,
        json.dumps(to_document(plan), ensure_ascii=False),
    )
    return status.endswith(" 1")


async def update(conn: asyncpg.Connection, plan: AnnualPlan) -> int:
    version: int = await conn.fetchval(
        """UPDATE plans SET state = $2, document = $3::jsonb, version = version + 1, updated_at = now()
           WHERE id = $1 RETURNING version""",
        plan.id,
        plan.state.value,
        json.dumps(to_document(plan), ensure_ascii=False),
    )
    return version


async def list_plans(conn: asyncpg.Connection, year: int | None, social_area_key: str | None) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT id, social_area_key, year, state, version FROM plans
           WHERE ($1::int IS NULL OR year = $1) AND ($2::text IS NULL OR social_area_key = $2)
           ORDER BY year, social_area_key""",
        year,
        social_area_key,
    )
    return [dict(r) for r in rows]


async def audit(
    conn: asyncpg.Connection,
    plan: AnnualPlan,
    version: int,
    event_id: uuid.UUID,
    event_type: str,
    actor: str,
    change: dict[str, Any],
) -> None:
    await conn.execute(
        """INSERT INTO plan_history (plan_id, version, event_id, event_type, actor, change, snapshot)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)""",
        plan.id,
        version,
        event_id,
        event_type,
        actor,
        json.dumps(change, ensure_ascii=False),
        json.dumps(to_document(plan), ensure_ascii=False),
    )


async def history(conn: asyncpg.Connection, plan_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT version, event_id, event_type, actor, change::text, changed_at FROM plan_history
           WHERE plan_id = $1 ORDER BY id""",
        plan_id,
    )
    return history_entries(rows)


def history_entries(rows: list[asyncpg.Record]) -> list[dict[str, Any]]:
    """History rows (version, event, who, change, when) as the API shows them; plans and needs alike."""
    return [
        {
            "version": r["version"],
            "event_id": r["event_id"],
            "event_type": r["event_type"],
            "actor": r["actor"],
            "change": json.loads(r["change"]),
            "changed_at": r["changed_at"],
        }
        for r in rows
    ]


async def snapshot(conn: asyncpg.Connection, plan_id: uuid.UUID, version: int) -> dict[str, Any] | None:
    raw = await conn.fetchval(
        "SELECT snapshot::text FROM plan_history WHERE plan_id = $1 AND version = $2 ORDER BY id DESC LIMIT 1",
        plan_id,
        version,
    )
    return json.loads(raw) if raw else None


# ---------------------------------------------------------------- the registry copy (read only)


async def districts_of(conn: asyncpg.Connection, social_area_key: str) -> dict[str, str]:
    rows = await conn.fetch(
        """SELECT r.district_key, coalesce(d.name, r.district_key) AS name, min(r.number) AS first
           FROM registry_residential_areas r LEFT JOIN registry_districts d ON d.key = r.district_key
           WHERE r.social_area_key = $1 GROUP BY r.district_key, d.name ORDER BY first""",
        social_area_key,
    )
    return {r["district_key"]: r["name"] for r in rows}


async def social_area_exists(conn: asyncpg.Connection, social_area_key: str) -> bool:
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM registry_social_areas WHERE key = $1)", social_area_key
    )
    return found


async def residential_areas_of(conn: asyncpg.Connection, social_area_key: str) -> frozenset[int]:
    rows = await conn.fetch("SELECT number FROM registry_residential_areas WHERE social_area_key = $1", social_area_key)
    return frozenset(r["number"] for r in rows)


async def vocabulary(conn: asyncpg.Connection, name: str) -> frozenset[str]:
    raw = await conn.fetchval("SELECT terms::text FROM registry_vocabularies WHERE name = $1", name)
    return frozenset(json.loads(raw)) if raw else frozenset()


async def known_actors(conn: asyncpg.Connection, ids: list[uuid.UUID]) -> frozenset[uuid.UUID]:
    rows = await conn.fetch("SELECT id FROM registry_actors WHERE id = ANY($1::uuid[]) AND NOT withdrawn", ids)
    return frozenset(r["id"] for r in rows)


async def known_offers(conn: asyncpg.Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, OfferRef]:
    """The offers among ``ids`` that planning's copy of the directory knows (withdrawn ones too)."""
    rows = await conn.fetch(
        "SELECT id, withdrawn, merged_into FROM registry_offers WHERE id = ANY($1::uuid[])", list(set(ids))
    )
    return {r["id"]: OfferRef(r["withdrawn"], r["merged_into"]) for r in rows}
