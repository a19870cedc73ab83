"""Reporting's subscriber to planning's plans topic: the Jahrespläne with their measures, hearings, council
needs, reviews, evaluations and deadlines, and the standalone needs, into the read models (``db.read_models``).
A replayed distribution is recorded again, never announced again (``service.distribution``)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import asyncpg

from quartier_reporting.db import read_models as rm
from quartier_reporting.service.distribution import distribute
from quartier_shared.consumer import EventConsumer
from quartier_shared.events import planning as pl
from quartier_shared.events.envelope import CloudEvent
from quartier_shared.events.topics import PLANNING_PLANS

BERLIN = ZoneInfo("Europe/Berlin")


# ---------------------------------------------------------------- plans (planning)


async def _touch(
    conn: asyncpg.Connection, event: CloudEvent, p: pl._PlanEvent, state: str | None = None, **extra: object
) -> None:
    await rm.touch_plan(conn, p.plan_id, p.social_area_key, p.year, event.time, state=state, **extra)  # type: ignore[arg-type]


async def on_plan_drafted(conn: asyncpg.Connection, event: CloudEvent, p: pl.PlanDrafted) -> None:
    await _touch(conn, event, p, "draft", carried_from_plan_id=p.carried_from_plan_id, drafted=True)


async def on_measure(conn: asyncpg.Connection, event: CloudEvent, p: pl.MeasureAdded | pl.MeasureChanged) -> None:
    await rm.upsert_measure(conn, p.plan_id, p.social_area_key, p.year, p, event.time)
    await _touch(conn, event, p)


async def on_measure_removed(conn: asyncpg.Connection, event: CloudEvent, p: pl.MeasureRemoved) -> None:
    await rm.remove_measure(conn, p.measure_id, event.time)
    await _touch(conn, event, p)


async def on_plan_submitted(conn: asyncpg.Connection, event: CloudEvent, p: pl.PlanSubmitted) -> None:
    await rm.open_hearings(conn, p.plan_id, p.hearing_district_keys, event.time)
    await _touch(conn, event, p, "presented")


async def on_council_needs(conn: asyncpg.Connection, event: CloudEvent, p: pl.CouncilNeedsRecorded) -> None:
    texts = {n.need_id: n for n in p.needs}
    for need_id in p.need_ids:
        facts = texts.get(need_id)
        await rm.record_council_need(
            conn,
            need_id,
            p.plan_id,
            p.social_area_key,
            p.year,
            p.district_key,
            facts.text if facts else "",
            facts.field_of_action if facts else None,
            event.time,
        )
    await _touch(conn, event, p)


async def on_need_answered(conn: asyncpg.Connection, event: CloudEvent, p: pl.NeedAnswered) -> None:
    await rm.answer_council_need(conn, p.need_id, p.answer, p.measure_id, event.time)
    await _touch(conn, event, p)


async def on_hearing_closed(conn: asyncpg.Connection, event: CloudEvent, p: pl.HearingClosed) -> None:
    await rm.close_hearing(conn, p.plan_id, p.district_key, event.time)
    await _touch(conn, event, p)


async def on_plan_finalized(conn: asyncpg.Connection, event: CloudEvent, p: pl.PlanFinalized) -> None:
    await _touch(conn, event, p, "final")


async def on_plan_started(conn: asyncpg.Connection, event: CloudEvent, p: pl.PlanStarted) -> None:
    await _touch(conn, event, p, "in_progress")


async def on_mid_year_review(conn: asyncpg.Connection, event: CloudEvent, p: pl.MidYearReviewCompleted) -> None:
    for facts in p.measures:
        await rm.upsert_measure(
            conn, p.plan_id, p.social_area_key, p.year, facts, event.time, carried_from=facts.carried_from_measure_id
        )
    groups = {"continued": p.continued, "changed": p.changed, "dropped": p.dropped, "added": p.added}
    decisions = {m: decision for decision, ids in groups.items() for m in ids}
    await rm.set_review(conn, decisions, p.reasons, event.time)
    await _touch(conn, event, p, "mid_year_reviewed")
    await distribute(
        conn,
        plan_id=p.plan_id,
        social_area_key=p.social_area_key,
        year=p.year,
        kind="mid_year_review",
        groups=groups,
        district_keys=p.district_keys,
        reasons=p.reasons,
        at=event.time,
    )


async def on_plan_evaluated(conn: asyncpg.Connection, event: CloudEvent, p: pl.PlanEvaluated) -> None:
    groups = {"done": p.done, "partly": p.partly, "not_done": p.not_done}
    await rm.set_outcomes(conn, {m: outcome for outcome, ids in groups.items() for m in ids}, event.time)
    await _touch(conn, event, p, "evaluated")
    await distribute(
        conn,
        plan_id=p.plan_id,
        social_area_key=p.social_area_key,
        year=p.year,
        kind="evaluation",
        groups=groups,
        district_keys=[],
        reasons=None,
        at=event.time,
    )


async def on_carried_over(conn: asyncpg.Connection, event: CloudEvent, p: pl.MeasuresCarriedOver) -> None:
    for facts in p.measures:
        await rm.upsert_measure(
            conn, p.plan_id, p.social_area_key, p.year, facts, event.time, carried_from=facts.carried_from_measure_id
        )
    await _touch(conn, event, p, carried_from_plan_id=p.from_plan_id)


async def on_deadline(
    conn: asyncpg.Connection, event: CloudEvent, p: pl.DeadlineApproaching | pl.DeadlineMissed
) -> None:
    missed = isinstance(p, pl.DeadlineMissed)
    await rm.record_deadline(conn, p.plan_id, p.social_area_key, p.year, p.step, p.due_on, missed, event.time)


# ---------------------------------------------------------------- standalone needs (planning)


def _day(at: dt.datetime) -> dt.date:
    return at.astimezone(BERLIN).date()


async def on_need_raised(conn: asyncpg.Connection, event: CloudEvent, p: pl.NeedRaised) -> None:
    await rm.upsert_need(
        conn,
        p.need_id,
        p.social_area_key,
        event.time,
        source=p.source,
        field_of_action=p.field_of_action,
        residential_area_number=p.residential_area_number,
        raised_on=p.raised_on or _day(event.time),
        meeting_id=p.meeting_id,
        raised_at=event.time,
        status="open",
    )


async def on_need_taken(conn: asyncpg.Connection, event: CloudEvent, p: pl.NeedTakenIntoPlan) -> None:
    await rm.upsert_need(
        conn,
        p.need_id,
        p.social_area_key,
        event.time,
        status="taken_into_plan",
        plan_id=p.plan_id,
        measure_id=p.measure_id,
        forwarded_to_actor_id=None,
    )


async def on_need_forwarded(conn: asyncpg.Connection, event: CloudEvent, p: pl.NeedForwarded) -> None:
    await rm.upsert_need(
        conn,
        p.need_id,
        p.social_area_key,
        event.time,
        status="forwarded",
        plan_id=None,
        measure_id=None,
        forwarded_to_actor_id=p.forwarded_to_actor_id,
    )


async def on_need_declined(conn: asyncpg.Connection, event: CloudEvent, p: pl.NeedDeclined) -> None:
    await rm.upsert_need(
        conn, p.need_id, p.social_area_key, event.time, status="declined", plan_id=None, measure_id=None
    )


async def on_need_reopened(conn: asyncpg.Connection, event: CloudEvent, p: pl.NeedReopened) -> None:
    await rm.upsert_need(
        conn,
        p.need_id,
        p.social_area_key,
        event.time,
        status="open",
        plan_id=None,
        measure_id=None,
        forwarded_to_actor_id=None,
    )


def plans_consumer() -> EventConsumer:
    return EventConsumer(
        name="reporting.plans",
        topic=PLANNING_PLANS,
        handlers={
            pl.PlanDrafted: on_plan_drafted,
            pl.MeasureAdded: on_measure,
            pl.MeasureChanged: on_measure,
            pl.MeasureRemoved: on_measure_removed,
            pl.PlanSubmitted: on_plan_submitted,
            pl.CouncilNeedsRecorded: on_council_needs,
            pl.NeedAnswered: on_need_answered,
            pl.HearingClosed: on_hearing_closed,
            pl.PlanFinalized: on_plan_finalized,
            pl.PlanStarted: on_plan_started,
            pl.MidYearReviewCompleted: on_mid_year_review,
            pl.PlanEvaluated: on_plan_evaluated,
            pl.MeasuresCarriedOver: on_carried_over,
            pl.DeadlineApproaching: on_deadline,
            pl.DeadlineMissed: on_deadline,
            pl.NeedRaised: on_need_raised,
            pl.NeedTakenIntoPlan: on_need_taken,
            pl.NeedForwarded: on_need_forwarded,
            pl.NeedDeclined: on_need_declined,
            pl.NeedReopened: on_need_reopened,
        },
    )
