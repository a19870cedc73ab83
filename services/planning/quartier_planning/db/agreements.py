"""SQL of the target agreements (Zielvereinbarungen): the agreement document with its reports, its row lock,
its history, and the measures of all plans that point to an agreement. Parameterised statements only."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import asyncpg

from quartier_planning.db.plans import history_entries
from quartier_planning.domain.agreements import (
    ActivityReport,
    Agreement,
    AgreementState,
    ReachedValue,
    Target,
)
from quartier_planning.domain.plans import AgreementRef


def plain_number(value: float) -> int | float:
    """Whole numbers as integers (120, not 120.0) in the documents."""
    return int(value) if float(value).is_integer() else value


def to_document(agreement: Agreement) -> dict[str, Any]:
    return {
        "id": str(agreement.id),
        "title": agreement.title,
        "provider_actor_id": str(agreement.provider_actor_id),
        "year": agreement.year,
        "social_area_keys": list(agreement.social_area_keys),
        "field_of_action": agreement.field_of_action,
        "targets": [
            {"id": str(t.id), "indicator": t.indicator, "target_value": plain_number(t.target_value), "unit": t.unit}
            for t in agreement.targets
        ],
        "strategic_goals": list(agreement.strategic_goals),
        "steering_goal_ids": [str(g) for g in agreement.steering_goal_ids],
        "responsible_department": agreement.responsible_department,
        "mid_year_report_due": agreement.mid_year_report_due.isoformat(),
        "year_end_report_due": agreement.year_end_report_due.isoformat(),
        "state": agreement.state.value,
        "reports": [
            {
                "period": r.period,
                "values": [{"target_id": str(v.target_id), "value": plain_number(v.value)} for v in r.values],
                "narrative": r.narrative,
                "delivered_on": r.delivered_on.isoformat(),
                "due_on": r.due_on.isoformat(),
                "late": r.late,
            }
            for r in agreement.reports
        ],
    }


def reached_document(agreement: Agreement) -> list[dict[str, Any]]:
    """Per target: its target value and the values reached mid-year and at year end (null: not reported)."""
    mid, end = agreement.report("mid_year"), agreement.report("year_end")

    def reached(report: ActivityReport | None, target: Target) -> int | float | None:
        value = report.value_of(target.id) if report else None
        return None if value is None else plain_number(value)

    return [
        {
            "target_id": str(t.id),
            "indicator": t.indicator,
            "unit": t.unit,
            "target_value": plain_number(t.target_value),
            "mid_year": reached(mid, t),
            "year_end": reached(end, t),
        }
        for t in agreement.targets
    ]


def from_document(doc: dict[str, Any]) -> Agreement:
    return Agreement(
        id=uuid.UUID(doc["id"]),
        title=doc.get("title", ""),
        provider_actor_id=uuid.UUID(doc["provider_actor_id"]),
        year=doc["year"],
        social_area_keys=tuple(doc["social_area_keys"]),
        field_of_action=doc["field_of_action"],
        targets=tuple(
            Target(uuid.UUID(t["id"]), t["indicator"], float(t["target_value"]), t.get("unit", ""))
            for t in doc["targets"]
        ),
        strategic_goals=tuple(doc.get("strategic_goals", ())),
        steering_goal_ids=tuple(uuid.UUID(g) for g in doc.get("steering_goal_ids", ())),
        responsible_department=doc["responsible_department"],
        mid_year_report_due=dt.date.fromisoformat(doc["mid_year_report_due"]),
        year_end_report_due=dt.date.fromisoformat(doc["year_end_report_due"]),
        state=AgreementState(doc["state"]),
        reports=tuple(
            ActivityReport(
                period=r["period"],
                values=tuple(ReachedValue(uuid.UUID(v["target_id"]), float(v["value"])) for v in r["values"]),
                narrative=r["narrative"],
                delivered_on=dt.date.fromisoformat(r["delivered_on"]),
                due_on=dt.date.fromisoformat(r["due_on"]),
            )
            for r in doc.get("reports", ())
        ),
    )


async def load(
    conn: asyncpg.Connection, agreement_id: uuid.UUID, *, for_update: bool = False
) -> tuple[Agreement, int] | None:
    query = "SELECT document::text, version FROM agreements WHERE id = $1"
    row = await conn.fetchrow(query + (" FOR UPDATE" if for_update else ""), agreement_id)
    return None if row is None else (from_document(json.loads(row["document"])), row["version"])


async def list_agreements(
    conn: asyncpg.Connection,
    *,
    year: int | None = None,
    social_area_key: str | None = None,
    provider_actor_id: uuid.UUID | None = None,
) -> list[tuple[Agreement, int]]:
    rows = await conn.fetch(
        """SELECT document::text, version FROM agreements
           WHERE ($1::int IS NULL OR year = $1)
             AND ($2::text IS NULL OR $2 = ANY(social_area_keys))
             AND ($3::uuid IS NULL OR provider_actor_id = $3)
           ORDER BY year DESC, social_area_keys, document->>'title', id""",
        year,
        social_area_key,
        provider_actor_id,
    )
    return [(from_document(json.loads(r["document"])), r["version"]) for r in rows]


async def insert(conn: asyncpg.Connection, agreement: Agreement) -> bool:
    status: str = await conn.execute(
        """INSERT INTO agreements (id, provider_actor_id, year, social_area_keys, state, version, document)
           VALUES ($1, $2, $3, $4, $5, 1, $6::jsonb) ON CONFLICT (id) DO NOTHING""",
        agreement.id,
        agreement.provider_actor_id,
        agreement.year,
        list(agreement.social_area_keys),
        agreement.state.value,
        json.dumps(to_document(agreement), ensure_ascii=False),
    )
    return status.endswith(" 1")


async def update(conn: asyncpg.Connection, agreement: Agreement) -> int:
    version: int = await conn.fetchval(
        """UPDATE agreements SET provider_actor_id = $2, year = $3, social_area_keys = $4, state = $5,
               document = $6::jsonb, version = version + 1, updated_at = now()
           WHERE id = $1 RETURNING version""",
        agreement.id,
        agreement.provider_actor_id,
        agreement.year,
        list(agreement.social_area_keys),
        agreement.state.value,
        json.dumps(to_document(agreement), ensure_ascii=False),
    )
    return version


async def audit(
    conn: asyncpg.Connection,
    agreement_id: uuid.UUID,
    version: int,
    event_id: uuid.UUID,
    event_type: str,
    actor: str,
    change: dict[str, Any],
) -> None:
    await conn.execute(
        """INSERT INTO agreement_history (agreement_id, version, event_id, event_type, actor, change)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb)""",
        agreement_id,
        version,
        event_id,
        event_type,
        actor,
        json.dumps(change, ensure_ascii=False),
    )


async def history(conn: asyncpg.Connection, agreement_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT version, event_id, event_type, actor, change::text, changed_at FROM agreement_history
           WHERE agreement_id = $1 ORDER BY id""",
        agreement_id,
    )
    return history_entries(rows)


async def refs(conn: asyncpg.Connection) -> dict[uuid.UUID, AgreementRef]:
    """Every agreement, as the measure rules check a measure's link against it."""
    rows = await conn.fetch("SELECT id, year, social_area_keys, document->>'title' AS title FROM agreements")
    return {r["id"]: AgreementRef(r["year"], tuple(r["social_area_keys"]), r["title"] or "") for r in rows}


async def linked_measures(conn: asyncpg.Connection, agreement_id: uuid.UUID) -> list[dict[str, Any]]:
    """The measures of all plans that point to the agreement (with the review, dropped ones marked)."""
    rows = await conn.fetch(
        """SELECT p.id AS plan_id, p.social_area_key, p.year, m->>'id' AS measure_id, m->'spec'->>'title' AS title,
                  m->>'review' AS review, m->>'outcome' AS outcome
           FROM plans p CROSS JOIN LATERAL jsonb_array_elements(p.document->'measures') WITH ORDINALITY AS x(m, i)
           WHERE m->'spec'->>'agreement_id' = $1
           ORDER BY p.year, p.social_area_key, x.i""",
        str(agreement_id),
    )
    return [
        {
            "plan_id": str(r["plan_id"]),
            "social_area_key": r["social_area_key"],
            "year": r["year"],
            "measure_id": r["measure_id"],
            "title": r["title"],
            "review": r["review"],
            "outcome": r["outcome"],
        }
        for r in rows
    ]


async def provider_name(conn: asyncpg.Connection, actor_id: uuid.UUID) -> str | None:
    name: str | None = await conn.fetchval("SELECT name FROM registry_actors WHERE id = $1", actor_id)
    return name


async def lock_demo_agreements(conn: asyncpg.Connection) -> None:
    """Serialises creating the demo agreements until the end of the transaction (instances may start at once)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", "planning:demo-agreements")
