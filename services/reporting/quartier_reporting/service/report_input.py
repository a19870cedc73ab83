"""Loads reporting's read models into the Gesamtbericht's ``ReportInput`` (domain/report.py).

Passes everything the read models know (plans, needs and meetings of every year; offers and goals as they
are now); ``compute_report`` selects what belongs to the year. Removed measures are left out; needs known
only from invitations' announcement (not taken in by planning) are left out.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from quartier_reporting.db import controlling as controlling_db
from quartier_reporting.db import read_models as db
from quartier_reporting.domain.controlling import ActivityReportInfo, AgreementInfo, SocialDataInfo, TargetInfo
from quartier_reporting.domain.report import (
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

# The registry's vocabulary names (VocabularyPublished.vocabulary) → the report's vocabulary fields.
VOCABULARY_NAMES = {
    "fields_of_action": ("fields_of_action", "handlungsfelder"),
    "cross_cutting_themes": ("cross_cutting_themes", "querschnittsthemen"),
    "strategic_goals": ("strategic_goals", "leitziele_2016", "leitziele"),
    "steering_goals": ("steering_goals", "steuerungsziele"),
}


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


async def report_input(conn: asyncpg.Connection, year: int) -> ReportInput:
    """Everything the read models know, for ``compute_report(…)`` of ``year``; one repeatable-read snapshot."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        areas = await db.areas(conn)
        district_names = await db.district_names(conn)
        vocabularies = await db.vocabularies(conn)
        plan_rows = await conn.fetch("SELECT * FROM plans ORDER BY year, social_area_key, drafted_at, plan_id")
        measure_rows = await conn.fetch(
            "SELECT * FROM plan_measures WHERE NOT removed ORDER BY plan_id, added_at, measure_id"
        )
        hearing_rows = await conn.fetch("SELECT * FROM plan_hearings ORDER BY plan_id, position, district_key")
        council_rows = await conn.fetch("SELECT * FROM council_needs ORDER BY plan_id, recorded_at, need_id")
        need_rows = await conn.fetch("SELECT * FROM needs WHERE source <> '' ORDER BY raised_at, need_id")
        goal_rows = await conn.fetch("SELECT * FROM steering_goals ORDER BY valid_from_year, title, goal_id")
        meeting_rows = await conn.fetch(
            """SELECT * FROM meetings
               WHERE kind = 'neighbourhood_conference' AND social_area_key IS NOT NULL AND starts_at IS NOT NULL
               ORDER BY starts_at, meeting_id"""
        )
        offer_rows = await conn.fetch("SELECT * FROM offers WHERE social_area_key <> '' ORDER BY title, offer_id")
        agreement_rows = await controlling_db.agreements_of_year(conn, year)
        report_rows = await controlling_db.reports_of(conn, [r["agreement_id"] for r in agreement_rows])
        social_rows = await controlling_db.social_data_until(conn, year)

    measures: dict[uuid.UUID, list[MeasureFacts]] = defaultdict(list)
    for r in measure_rows:
        measures[r["plan_id"]].append(_measure(r))
    hearings: dict[uuid.UUID, list[HearingInfo]] = defaultdict(list)
    for r in hearing_rows:
        hearings[r["plan_id"]].append(HearingInfo(district_key=r["district_key"], closed=r["closed"]))
    council: dict[uuid.UUID, list[CouncilNeedInfo]] = defaultdict(list)
    for r in council_rows:
        council[r["plan_id"]].append(
            CouncilNeedInfo(
                need_id=r["need_id"],
                district_key=r["district_key"],
                text=r["text"],
                answer=r["answer"],
                measure_id=r["measure_id"],
            )
        )
    plans = tuple(
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
    needs = tuple(
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
        for r in need_rows
    )
    goals = tuple(
        GoalInfo(
            goal_id=r["goal_id"],
            title=r["title"],
            valid_from_year=r["valid_from_year"],
            valid_until_year=r["valid_until_year"],
            retired=r["retired"],
        )
        for r in goal_rows
    )
    meetings = tuple(
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
        for r in meeting_rows
    )
    offers = tuple(
        OfferInfo(
            offer_id=r["offer_id"],
            title=r["title"],
            field_of_action=r["field_of_action"],
            social_area_key=r["social_area_key"],
            withdrawn=r["withdrawn"],
        )
        for r in offer_rows
    )
    return ReportInput(
        year=year,
        areas=tuple(AreaInfo(key=a["key"], name=a["name"], district_keys=tuple(a["districts"])) for a in areas),
        vocabulary=_vocabulary(vocabularies),
        district_names=tuple(district_names),
        plans=plans,
        needs=needs,
        goals=goals,
        meetings=meetings,
        offers=offers,
        agreements=agreement_infos(agreement_rows, report_rows),
        social_data=tuple(
            SocialDataInfo(
                social_area_key=r["social_area_key"],
                year=r["year"],
                indicator=r["indicator"],
                value=r["value"],
                unit=r["unit"],
                source=r["source"],
                as_of=r["as_of"],
            )
            for r in social_rows
        ),
        today=dt.datetime.now(dt.UTC).astimezone(ZoneInfo("Europe/Berlin")).date(),
    )


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


def _berlin_date(raised_at: dt.datetime | None, year: int) -> dt.date:
    """The day a need was raised, for events written before ``raised_on`` travelled with them; a need with
    neither is placed on 1 January of a year before the report so that it is counted in no report."""
    if raised_at is None:
        return dt.date(year - 100, 1, 1)
    return raised_at.astimezone(ZoneInfo("Europe/Berlin")).date()
