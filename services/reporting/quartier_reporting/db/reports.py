"""SQL of the Gesamtbericht: its input read from the read models (``report_input``) and its published
versions (table ``annual_reports``, migration 050)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from quartier_reporting.db import controlling as controlling_db
from quartier_reporting.db import read_models
from quartier_reporting.domain.reports import (
    AreaInfo,
    CouncilNeedInfo,
    GoalInfo,
    HearingInfo,
    MeasureFacts,
    MeetingInfo,
    NeedInfo,
    OfferInfo,
    PlanInfo,
    ReportInput,
    Vocabulary,
)
from quartier_shared.db import advisory_key


@dataclass(frozen=True)
class PublishedReport:
    year: int
    version: int
    published_at: dt.datetime
    published_by: str
    figures_hash: str
    json_document: bytes
    csv_document: bytes
    pdf_document: bytes


async def lock_year(conn: asyncpg.Connection, year: int) -> None:
    """Serialises publishing of one year (inside the transaction), so that versions count 1, 2, 3 …"""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", advisory_key(f"reporting:annual-report:{year}"))


async def next_version(conn: asyncpg.Connection, year: int) -> int:
    value = await conn.fetchval("SELECT coalesce(max(version), 0) + 1 FROM annual_reports WHERE year = $1", year)
    return int(value)


async def insert(conn: asyncpg.Connection, report: PublishedReport) -> None:
    await conn.execute(
        """
        INSERT INTO annual_reports (year, version, published_at, published_by, figures_hash,
                                    json_document, csv_document, pdf_document)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        """,
        report.year,
        report.version,
        report.published_at,
        report.published_by,
        report.figures_hash,
        report.json_document,
        report.csv_document,
        report.pdf_document,
    )


async def get(conn: asyncpg.Connection, year: int, version: int | None = None) -> PublishedReport | None:
    """The given version of the year, or the latest when ``version`` is None."""
    row = await conn.fetchrow(
        """
        SELECT * FROM annual_reports
        WHERE year = $1 AND ($2::integer IS NULL OR version = $2)
        ORDER BY version DESC LIMIT 1
        """,
        year,
        version,
    )
    if row is None:
        return None
    return PublishedReport(
        year=row["year"],
        version=row["version"],
        published_at=row["published_at"],
        published_by=row["published_by"],
        figures_hash=row["figures_hash"],
        json_document=bytes(row["json_document"]),
        csv_document=bytes(row["csv_document"]),
        pdf_document=bytes(row["pdf_document"]),
    )


async def versions(conn: asyncpg.Connection, year: int | None = None) -> list[dict[str, Any]]:
    """[{year, version, published_at, published_by, figures_hash}], newest year first, versions ascending."""
    rows = await conn.fetch(
        """
        SELECT year, version, published_at, published_by, figures_hash FROM annual_reports
        WHERE $1::integer IS NULL OR year = $1
        ORDER BY year DESC, version
        """,
        year,
    )
    return [dict(r) for r in rows]


# ---------------------------------------------------------------- the report's input from the read models

# The registry's vocabulary names (VocabularyPublished.vocabulary) → the report's vocabulary fields.
VOCABULARY_NAMES = {
    "fields_of_action": ("fields_of_action", "handlungsfelder"),
    "cross_cutting_themes": ("cross_cutting_themes", "querschnittsthemen"),
    "strategic_goals": ("strategic_goals", "leitziele_2016", "leitziele"),
    "steering_goals": ("steering_goals", "steuerungsziele"),
}


async def report_input(conn: asyncpg.Connection, year: int, today: dt.date) -> ReportInput:
    """Everything the read models know, for ``compute_report(…)`` of ``year``: plans, needs and meetings of
    every year, offers and goals as they are now (``compute_report`` selects what belongs to the year).
    Removed measures are left out; needs known only from invitations' announcement (not taken in by
    planning) are left out. The caller holds one repeatable-read snapshot."""
    return ReportInput(
        year=year,
        areas=tuple(
            AreaInfo(key=a["key"], name=a["name"], district_keys=tuple(a["districts"]))
            for a in await read_models.areas(conn)
        ),
        vocabulary=_vocabulary(await read_models.vocabularies(conn)),
        district_names=tuple(await read_models.district_names(conn)),
        plans=await _plans(conn),
        needs=await _needs(conn, year),
        goals=await _goals(conn),
        meetings=await _conferences(conn),
        offers=await _offers(conn),
        agreements=await controlling_db.agreement_infos_of_year(conn, year),
        social_data=await controlling_db.social_data_infos_until(conn, year),
        today=today,
    )


def _strings(raw: Any) -> tuple[str, ...]:
    values = json.loads(raw) if isinstance(raw, str) else raw
    return tuple(str(v) for v in values or ())


def _uuids(raw: Any) -> tuple[uuid.UUID, ...]:
    return tuple(uuid.UUID(v) for v in _strings(raw))


def _vocabulary(vocabularies: dict[str, list[str]]) -> Vocabulary:
    def pick(field: str) -> tuple[str, ...]:
        for name in VOCABULARY_NAMES[field]:
            if name in vocabularies:
                return tuple(vocabularies[name])
        return ()

    return Vocabulary(
        fields_of_action=pick("fields_of_action"),
        cross_cutting_themes=pick("cross_cutting_themes"),
        strategic_goals=pick("strategic_goals"),
        steering_goals=pick("steering_goals"),
    )


async def _plans(conn: asyncpg.Connection) -> tuple[PlanInfo, ...]:
    """Every plan with its measures (not removed), its hearings and the council needs of its hearings."""
    plan_rows = await conn.fetch("SELECT * FROM plans ORDER BY year, social_area_key, drafted_at, plan_id")
    measures: dict[uuid.UUID, list[MeasureFacts]] = defaultdict(list)
    for r in await conn.fetch("SELECT * FROM plan_measures WHERE NOT removed ORDER BY plan_id, added_at, measure_id"):
        measures[r["plan_id"]].append(_measure(r))
    hearings: dict[uuid.UUID, list[HearingInfo]] = defaultdict(list)
    for r in await conn.fetch("SELECT * FROM plan_hearings ORDER BY plan_id, position, district_key"):
        hearings[r["plan_id"]].append(HearingInfo(district_key=r["district_key"], closed=r["closed"]))
    council: dict[uuid.UUID, list[CouncilNeedInfo]] = defaultdict(list)
    for r in await conn.fetch("SELECT * FROM council_needs ORDER BY plan_id, recorded_at, need_id"):
        council[r["plan_id"]].append(
            CouncilNeedInfo(
                need_id=r["need_id"],
                district_key=r["district_key"],
                text=r["text"],
                answer=r["answer"],
                measure_id=r["measure_id"],
            )
        )
    return tuple(
        PlanInfo(
            plan_id=r["plan_id"],
            social_area_key=r["social_area_key"],
            year=r["year"],
            state=r["state"],
            measures=tuple(measures.get(r["plan_id"], ())),
            hearings=tuple(hearings.get(r["plan_id"], ())),
            council_needs=tuple(council.get(r["plan_id"], ())),
            carried_from_plan_id=r["carried_from_plan_id"],
        )
        for r in plan_rows
    )


def _measure(r: asyncpg.Record) -> MeasureFacts:
    return MeasureFacts(
        measure_id=r["measure_id"],
        title=r["title"],
        field_of_action=r["field_of_action"],
        cross_cutting_themes=_strings(r["cross_cutting_themes"]),
        strategic_goals=_strings(r["strategic_goals"]),
        steering_goal_ids=_uuids(r["steering_goal_ids"]),
        target_groups=_strings(r["target_groups"]),
        residential_area_number=r["residential_area_number"],
        at_community_centre=r["at_community_centre"],
        starts_on=r["starts_on"],
        ends_on=r["ends_on"],
        offer_ids=_uuids(r["offer_ids"]),
        review_decision=r["review_decision"],
        outcome=r["outcome"],
        carried_from=r["carried_from"],
        agreement_id=r.get("agreement_id"),
    )


async def _needs(conn: asyncpg.Connection, year: int) -> tuple[NeedInfo, ...]:
    """The standalone needs (council needs belong to their plan's hearings)."""
    return tuple(
        NeedInfo(
            need_id=r["need_id"],
            social_area_key=r["social_area_key"],
            source=r["source"],
            field_of_action=r["field_of_action"],
            status=r["status"],
            raised_on=r["raised_on"] or _berlin_date(r["raised_at"], year),
            title=r["title"],
            plan_id=r["plan_id"] if r["status"] == "taken_into_plan" else None,
            measure_id=r["measure_id"] if r["status"] == "taken_into_plan" else None,
        )
        for r in await conn.fetch("SELECT * FROM needs WHERE source <> '' ORDER BY raised_at, need_id")
    )


def _berlin_date(raised_at: dt.datetime | None, year: int) -> dt.date:
    """The day a need was raised, for events written before ``raised_on`` travelled with them; a need with
    neither is placed on 1 January of a year before the report so that it is counted in no report."""
    if raised_at is None:
        return dt.date(year - 100, 1, 1)
    return raised_at.astimezone(ZoneInfo("Europe/Berlin")).date()


async def _goals(conn: asyncpg.Connection) -> tuple[GoalInfo, ...]:
    return tuple(
        GoalInfo(
            goal_id=r["goal_id"],
            title=r["title"],
            valid_from_year=r["valid_from_year"],
            valid_until_year=r["valid_until_year"],
            retired=r["retired"],
        )
        for r in await conn.fetch("SELECT * FROM steering_goals ORDER BY valid_from_year, title, goal_id")
    )


async def _conferences(conn: asyncpg.Connection) -> tuple[MeetingInfo, ...]:
    """The Stadtteilkonferenzen with a Sozialraum and a date."""
    rows = await conn.fetch(
        """SELECT * FROM meetings
           WHERE kind = 'neighbourhood_conference' AND social_area_key IS NOT NULL AND starts_at IS NOT NULL
           ORDER BY starts_at, meeting_id"""
    )
    return tuple(
        MeetingInfo(
            meeting_id=r["meeting_id"],
            social_area_key=r["social_area_key"],
            title=r["display_title"] or r["title"],
            starts_at=r["starts_at"],
            cancelled=r["cancelled"],
            attendance=(
                None if r["attendance_persons"] is None else r["attendance_persons"] + (r["attendance_guests"] or 0)
            ),
        )
        for r in rows
    )


async def _offers(conn: asyncpg.Connection) -> tuple[OfferInfo, ...]:
    return tuple(
        OfferInfo(
            offer_id=r["offer_id"],
            title=r["title"],
            field_of_action=r["field_of_action"],
            social_area_key=r["social_area_key"],
            withdrawn=r["withdrawn"],
        )
        for r in await conn.fetch("SELECT * FROM offers WHERE social_area_key <> '' ORDER BY title, offer_id")
    )
