"""SQL of reporting's controlling read models: target agreements, activity reports and social data.

Upserts keyed by the aggregate; times written are the events' times (a replay builds the same rows).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from typing import Any

import asyncpg

from quartier_reporting.domain.controlling import ActivityReportInfo, AgreementInfo, SocialDataInfo, TargetInfo
from quartier_shared.events.agreements import ActivityReportSubmitted, AgreementChanged, AgreementConcluded
from quartier_shared.events.social_data import SocialDataImported


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


async def upsert_agreement(conn: asyncpg.Connection, p: AgreementConcluded | AgreementChanged, at: dt.datetime) -> None:
    await conn.execute(
        """INSERT INTO agreements (agreement_id, year, social_area_keys, provider_actor_id, field_of_action, title,
                                   targets, strategic_goals, steering_goal_ids, responsible_department,
                                   mid_year_report_due, year_end_report_due, version, updated_at)
           VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7::jsonb, $8::jsonb, $9::jsonb, $10, $11, $12, $13, $14)
           ON CONFLICT (agreement_id) DO UPDATE SET year = excluded.year,
               social_area_keys = excluded.social_area_keys, provider_actor_id = excluded.provider_actor_id,
               field_of_action = excluded.field_of_action, title = excluded.title, targets = excluded.targets,
               strategic_goals = excluded.strategic_goals, steering_goal_ids = excluded.steering_goal_ids,
               responsible_department = excluded.responsible_department,
               mid_year_report_due = excluded.mid_year_report_due,
               year_end_report_due = excluded.year_end_report_due, version = excluded.version,
               updated_at = excluded.updated_at""",
        p.agreement_id,
        p.year,
        _dump(p.social_area_keys),
        p.provider_actor_id,
        p.field_of_action,
        p.title,
        _dump([t.model_dump(mode="json") for t in p.targets]),
        _dump(p.strategic_goals),
        _dump([str(g) for g in p.steering_goal_ids]),
        p.responsible_department,
        p.mid_year_report_due,
        p.year_end_report_due,
        p.version,
        at,
    )


async def record_report(conn: asyncpg.Connection, p: ActivityReportSubmitted, at: dt.datetime) -> None:
    """The latest report of a period replaces the earlier one."""
    await conn.execute(
        """INSERT INTO agreement_reports (agreement_id, period, delivered_on, due_on, late, reached, narrative,
                                          submitted_at)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)
           ON CONFLICT (agreement_id, period) DO UPDATE SET delivered_on = excluded.delivered_on,
               due_on = excluded.due_on, late = excluded.late, reached = excluded.reached,
               narrative = excluded.narrative, submitted_at = excluded.submitted_at""",
        p.agreement_id,
        p.period,
        p.delivered_on,
        p.due_on,
        p.late,
        _dump([v.model_dump(mode="json") for v in p.values]),
        p.narrative,
        at,
    )


async def replace_social_data(conn: asyncpg.Connection, p: SocialDataImported, at: dt.datetime) -> None:
    """A full snapshot of one Sozialraum and year: its rows (area and Wohnbereiche) are replaced."""
    await conn.execute("DELETE FROM social_data WHERE social_area_key = $1 AND year = $2", p.social_area_key, p.year)
    rows: list[tuple[Any, ...]] = []
    for v in p.values:
        rows.append((p.social_area_key, p.year, 0, v.indicator, v.value, v.unit, v.source, v.as_of, p.import_id, at))
    for area in p.residential_areas:
        for v in area.values:
            rows.append(
                (
                    p.social_area_key,
                    p.year,
                    area.number,
                    v.indicator,
                    v.value,
                    v.unit,
                    v.source,
                    v.as_of,
                    p.import_id,
                    at,
                )
            )
    if rows:
        await conn.executemany(
            """INSERT INTO social_data (social_area_key, year, residential_area_number, indicator, value, unit, source,
                                        as_of, import_id, imported_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
               ON CONFLICT (social_area_key, year, residential_area_number, indicator) DO UPDATE SET
                   value = excluded.value, unit = excluded.unit, source = excluded.source, as_of = excluded.as_of,
                   import_id = excluded.import_id, imported_at = excluded.imported_at""",
            rows,
        )


async def agreements(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM agreements ORDER BY year, title, agreement_id")


async def agreements_of_year(conn: asyncpg.Connection, year: int) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM agreements WHERE year = $1 ORDER BY title, agreement_id", year)


async def reports_of(conn: asyncpg.Connection, agreement_ids: list[uuid.UUID]) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM agreement_reports WHERE agreement_id = ANY($1::uuid[]) ORDER BY agreement_id, period",
        agreement_ids,
    )


async def social_data_until(conn: asyncpg.Connection, year: int) -> list[asyncpg.Record]:
    """The Sozialräume's own figures (not the Wohnbereiche's) of every year up to ``year``."""
    return await conn.fetch(
        """SELECT * FROM social_data WHERE residential_area_number = 0 AND year <= $1
           ORDER BY social_area_key, indicator, year""",
        year,
    )


async def agreement_infos_of_year(conn: asyncpg.Connection, year: int) -> tuple[AgreementInfo, ...]:
    """The year's target agreements with their activity reports, as the rules of ``domain.controlling`` read them."""
    rows = await agreements_of_year(conn, year)
    return agreement_infos(rows, await reports_of(conn, [r["agreement_id"] for r in rows]))


def agreement_infos(rows: list[asyncpg.Record], report_rows: list[asyncpg.Record]) -> tuple[AgreementInfo, ...]:
    reports: dict[uuid.UUID, list[ActivityReportInfo]] = defaultdict(list)
    for r in report_rows:
        reports[r["agreement_id"]].append(
            ActivityReportInfo(
                period=r["period"],
                delivered_on=r["delivered_on"],
                due_on=r["due_on"],
                late=r["late"],
                values=tuple((uuid.UUID(str(v["target_id"])), float(v["value"])) for v in json.loads(r["reached"])),
            )
        )
    return tuple(
        AgreementInfo(
            agreement_id=r["agreement_id"],
            year=r["year"],
            social_area_keys=_strings(r["social_area_keys"]),
            provider_actor_id=r["provider_actor_id"],
            field_of_action=r["field_of_action"],
            title=r["title"],
            responsible_department=r["responsible_department"],
            targets=tuple(
                TargetInfo(uuid.UUID(str(t["target_id"])), t["indicator"], float(t["target_value"]), t["unit"])
                for t in json.loads(r["targets"])
            ),
            mid_year_report_due=r["mid_year_report_due"],
            year_end_report_due=r["year_end_report_due"],
            reports=tuple(reports.get(r["agreement_id"], ())),
        )
        for r in rows
    )


async def social_data_infos_until(conn: asyncpg.Connection, year: int) -> tuple[SocialDataInfo, ...]:
    return tuple(
        SocialDataInfo(
            social_area_key=r["social_area_key"],
            year=r["year"],
            indicator=r["indicator"],
            value=r["value"],
            unit=r["unit"],
            source=r["source"],
            as_of=r["as_of"],
        )
        for r in await social_data_until(conn, year)
    )


def _strings(raw: Any) -> tuple[str, ...]:
    values = json.loads(raw) if isinstance(raw, str) else raw
    return tuple(str(v) for v in values or ())
