"""Reporting's subscriber to the invitations service's meetings: Stadtteilkonferenzen and other meetings with
their attendance, and the needs raised at a conference."""

from __future__ import annotations

import asyncpg

from quartier_reporting.db import read_models as rm
from quartier_shared.consumer import EventConsumer
from quartier_shared.events import invitations as inv
from quartier_shared.events.envelope import CloudEvent
from quartier_shared.events.topics import INVITATIONS_MEETINGS

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
