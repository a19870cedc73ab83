"""Reporting's subscribers: the events of registry, planning and invitations into the read models.

Every handler runs in the consumer's transaction after the shared inbox claimed the event id (exactly one
effect per event). ``CONSUMERS`` lists the factories; the rebuild (``service.rebuild``) replays the same
handlers into shadow tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import asyncpg

from quartier_reporting.controlling_consumers import agreements_consumer, social_data_consumer
from quartier_reporting.db import read_models as rm
from quartier_reporting.db import territory as db
from quartier_reporting.domain import territory as domain
from quartier_reporting.service.distribution import distribute
from quartier_shared.consumer import EventConsumer
from quartier_shared.events import invitations as inv
from quartier_shared.events import offers as off
from quartier_shared.events import planning as pl
from quartier_shared.events.envelope import CloudEvent
from quartier_shared.events.territory import (
    CommunityCentreRenamed,
    DistrictRegistered,
    ResidentialAreaMoved,
    ResidentialAreaRegistered,
    SocialAreaRegistered,
    VocabularyPublished,
)
from quartier_shared.events.topics import (
    INVITATIONS_MEETINGS,
    PLANNING_GOALS,
    PLANNING_PLANS,
    REGISTRY_OFFERS,
    REGISTRY_TERRITORY,
)

BERLIN = ZoneInfo("Europe/Berlin")


async def on_district(conn: asyncpg.Connection, event: CloudEvent, p: DistrictRegistered) -> None:
    await db.upsert_district(conn, p.district_key, p.name, event.time)


async def on_social_area(conn: asyncpg.Connection, event: CloudEvent, p: SocialAreaRegistered) -> None:
    await db.upsert_social_area(conn, p.social_area_key, p.name, p.community_centre_name, event.time)


async def on_residential_area(conn: asyncpg.Connection, event: CloudEvent, p: ResidentialAreaRegistered) -> None:
    await db.upsert_residential_area(conn, p.number, p.name, p.district_key, p.social_area_key, event.time)


async def on_vocabulary(conn: asyncpg.Connection, event: CloudEvent, p: VocabularyPublished) -> None:
    await db.upsert_vocabulary(conn, p.vocabulary, p.terms, event.time)


async def on_centre_renamed(conn: asyncpg.Connection, event: CloudEvent, p: CommunityCentreRenamed) -> None:
    await db.set_community_centre(conn, p.social_area_key, p.new_name, event.time)
    await db.add_history(conn, event.id, event.type, p.subject(), domain.describe_rename(p), event.time)


async def on_residential_area_moved(conn: asyncpg.Connection, event: CloudEvent, p: ResidentialAreaMoved) -> None:
    await db.set_social_area_of(conn, p.number, p.to_social_area_key, event.time)
    await db.add_history(conn, event.id, event.type, p.subject(), domain.describe_move(p), event.time)


def territory_consumer() -> EventConsumer:
    return EventConsumer(
        name="reporting.territory",
        topic=REGISTRY_TERRITORY,
        handlers={
            DistrictRegistered: on_district,
            SocialAreaRegistered: on_social_area,
            ResidentialAreaRegistered: on_residential_area,
            VocabularyPublished: on_vocabulary,
            CommunityCentreRenamed: on_centre_renamed,
            ResidentialAreaMoved: on_residential_area_moved,
        },
    )


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


# ---------------------------------------------------------------- steering goals (planning)


async def on_goal(
    conn: asyncpg.Connection, event: CloudEvent, p: pl.GoalDefined | pl.GoalChanged | pl.GoalRetired
) -> None:
    await rm.upsert_goal(conn, p, isinstance(p, pl.GoalRetired), event.time)


def goals_consumer() -> EventConsumer:
    return EventConsumer(
        name="reporting.goals",
        topic=PLANNING_GOALS,
        handlers={pl.GoalDefined: on_goal, pl.GoalChanged: on_goal, pl.GoalRetired: on_goal},
    )


# ---------------------------------------------------------------- offers (registry)


async def on_offer(conn: asyncpg.Connection, event: CloudEvent, p: off.OfferRegistered | off.OfferChanged) -> None:
    await rm.upsert_offer(conn, p.offer_id, p.offer, event.time)


async def on_offer_withdrawn(conn: asyncpg.Connection, event: CloudEvent, p: off.OfferWithdrawn) -> None:
    await rm.withdraw_offer(conn, p.offer_id, p.merged_into, event.time)


def offers_consumer() -> EventConsumer:
    return EventConsumer(
        name="reporting.offers",
        topic=REGISTRY_OFFERS,
        handlers={off.OfferRegistered: on_offer, off.OfferChanged: on_offer, off.OfferWithdrawn: on_offer_withdrawn},
    )


# ---------------------------------------------------------------- meetings (invitations)


async def on_meeting_scheduled(conn: asyncpg.Connection, event: CloudEvent, p: inv.MeetingScheduled) -> None:
    await rm.upsert_meeting(
        conn,
        p.meeting_id,
        event.time,
        kind=p.kind,
        social_area_key=p.social_area_key,
        title=p.title,
        starts_at=p.starts_at,
        ends_at=p.ends_at,
        public=p.public,
    )


async def on_conference_scheduled(conn: asyncpg.Connection, event: CloudEvent, p: inv.ConferenceScheduled) -> None:
    await rm.upsert_meeting(
        conn,
        p.meeting_id,
        event.time,
        kind="neighbourhood_conference",
        social_area_key=p.social_area_key,
        display_title=p.display_title,
        starts_at=p.starts_at,
        ends_at=p.ends_at,
        public=p.public,
    )


async def on_meeting_rescheduled(conn: asyncpg.Connection, event: CloudEvent, p: inv.MeetingRescheduled) -> None:
    await rm.upsert_meeting(conn, p.meeting_id, event.time, starts_at=p.starts_at, ends_at=p.ends_at)


async def on_meeting_cancelled(conn: asyncpg.Connection, event: CloudEvent, p: inv.MeetingCancelled) -> None:
    await rm.upsert_meeting(conn, p.meeting_id, event.time, cancelled=True)


async def on_attendance(conn: asyncpg.Connection, event: CloudEvent, p: inv.AttendanceRecorded) -> None:
    await rm.upsert_meeting(
        conn, p.meeting_id, event.time, attendance_persons=len(p.person_ids), attendance_guests=p.guests
    )


async def on_conference_need(conn: asyncpg.Connection, event: CloudEvent, p: inv.NeedRaised) -> None:
    await rm.set_need_title(conn, p.need_id, p.social_area_key, p.text)


def meetings_consumer() -> EventConsumer:
    return EventConsumer(
        name="reporting.meetings",
        topic=INVITATIONS_MEETINGS,
        handlers={
            inv.MeetingScheduled: on_meeting_scheduled,
            inv.ConferenceScheduled: on_conference_scheduled,
            inv.MeetingRescheduled: on_meeting_rescheduled,
            inv.MeetingCancelled: on_meeting_cancelled,
            inv.AttendanceRecorded: on_attendance,
            inv.NeedRaised: on_conference_need,
        },
    )


CONSUMERS: tuple[Callable[[], EventConsumer], ...] = (
    territory_consumer,
    plans_consumer,
    goals_consumer,
    offers_consumer,
    meetings_consumer,
    agreements_consumer,
    social_data_consumer,
)


def consumers() -> list[EventConsumer]:
    return [make() for make in CONSUMERS]
