"""Use cases of meetings: load (under the row lock), decide (domain), save the meeting with its events
(outbox) and history rows in one transaction.

A Stadtteilkonferenz is checked against the imported political calendar when it is planned or moved; a
collision is refused (``DateConflict``, naming the meeting) unless an override reason is given. The
Lenkungskreis' limit is checked under an advisory lock per calendar year, so two requests cannot both
plan the third meeting. After a reschedule, change or cancel, the invitees part of the service is told in
the same transaction (``service.invitees.on_meeting_changed``, when present) so that updates and
cancellations reach everyone already invited.
"""

from __future__ import annotations

import datetime as dt
import importlib
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import asyncpg

from quartier_invitations.db import meetings as db
from quartier_invitations.db import territory
from quartier_invitations.domain import conflicts as conflict_rules
from quartier_invitations.domain import meetings as domain
from quartier_invitations.domain.conflicts import Conflict
from quartier_invitations.domain.meetings import (
    AreaFacts,
    Meeting,
    MeetingChanges,
    MeetingInput,
    MeetingKind,
    NotFound,
    OutOfOrder,
    StaleVersion,
)
from quartier_invitations.service.calendar import conflicts_for
from quartier_invitations.settings import SOURCE
from quartier_shared.events.envelope import EventPayload
from quartier_shared.outbox import enqueue

FIELDS_OF_ACTION = "fields_of_action"


class DateConflict(OutOfOrder):
    """A Stadtteilkonferenz overlaps a concerned political meeting (→ 409 with ``conflicts``)."""

    def __init__(self, message: str, conflicts: Sequence[Conflict]) -> None:
        documents = [c.document() for c in conflicts]
        super().__init__("starts_at", message, extensions={"conflicts": documents})
        self.conflicts = documents


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def area_facts(conn: asyncpg.Connection, social_area_key: str | None) -> AreaFacts:
    fields = tuple(await territory.vocabulary(conn, FIELDS_OF_ACTION))
    if not social_area_key:
        return AreaFacts(known=False, fields_of_action=fields)
    area = await territory.social_area(conn, social_area_key)
    if area is None:
        return AreaFacts(known=False, fields_of_action=fields)
    return AreaFacts(
        known=True,
        community_centre_name=area["community_centre_name"],
        residential_area_numbers=frozenset(area["residential_area_numbers"]),
        fields_of_action=fields,
    )


async def _steering_year(conn: asyncpg.Connection, starts_at: dt.datetime) -> list[Meeting]:
    year = domain.berlin_year(starts_at)
    await db.lock_steering_year(conn, year)
    return await db.steering_meetings_in_year(conn, year)


async def _check_dates(conn: asyncpg.Connection, meeting: Meeting, override_reason: str | None) -> None:
    if meeting.kind != MeetingKind.NEIGHBOURHOOD_CONFERENCE or not meeting.social_area_key:
        return
    found = await conflicts_for(conn, meeting.social_area_key, meeting.starts_at, meeting.ends_at)
    if found and not (override_reason and override_reason.strip()):
        raise DateConflict(conflict_rules.message("Die Stadtteilkonferenz", found), found)


async def _notify_invitees(conn: asyncpg.Connection, meeting: Meeting, kind: str) -> None:
    """Tells the invitees part (if the service has it) that invited people need an update or a cancel."""
    try:
        invitees = importlib.import_module("quartier_invitations.service.invitees")
    except ImportError:
        return
    hook = getattr(invitees, "on_meeting_changed", None)
    if hook is not None:
        await hook(conn, meeting, kind)


async def _save(
    conn: asyncpg.Connection, meeting: Meeting, events: list[EventPayload], actor: str, *, new: bool = False
) -> Meeting:
    if new:
        meeting = replace(meeting, version=1)
        await db.insert(conn, meeting)
    else:
        previous = meeting.version
        meeting = replace(meeting, version=previous + 1)
        if not await db.update(conn, meeting, previous):
            raise StaleVersion("version", "Die Sitzung wurde gleichzeitig geändert. Bitte neu laden.")
    for payload in events:
        event = await enqueue(conn, payload, source=SOURCE)
        await db.audit(conn, meeting.id, meeting.version, event.id, event.type, actor, payload.model_dump(mode="json"))
    return meeting


async def _locked(conn: asyncpg.Connection, meeting_id: uuid.UUID, expected_version: int | None = None) -> Meeting:
    meeting = await db.load_meeting(conn, meeting_id, for_update=True)
    if meeting is None:
        raise NotFound("meeting_id", f"Die Sitzung {meeting_id} ist nicht bekannt.")
    domain.check_version(meeting, expected_version)
    return meeting


# ---------------------------------------------------------------- commands


async def schedule(pool: asyncpg.Pool, spec: MeetingInput, actor: str) -> Meeting:
    async with pool.acquire() as conn, conn.transaction():
        area = await area_facts(conn, spec.social_area_key)
        steering = await _steering_year(conn, spec.starts_at) if spec.kind == MeetingKind.STEERING_COMMITTEE else []
        meeting, events = domain.schedule(uuid.uuid4(), spec, area, steering, _now())
        await _check_dates(conn, meeting, spec.override_reason)
        return await _save(conn, meeting, events, actor, new=True)


async def reschedule(
    pool: asyncpg.Pool,
    meeting_id: uuid.UUID,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    timezone: str,
    override_reason: str | None,
    expected_version: int | None,
    actor: str,
) -> Meeting:
    async with pool.acquire() as conn, conn.transaction():
        meeting = await _locked(conn, meeting_id, expected_version)
        steering = await _steering_year(conn, starts_at) if meeting.kind == MeetingKind.STEERING_COMMITTEE else []
        moved, events = domain.reschedule(meeting, starts_at, ends_at, timezone, steering, override_reason, _now())
        await _check_dates(conn, moved, override_reason)
        saved = await _save(conn, moved, events, actor)
        await _notify_invitees(conn, saved, "update")
        return saved


async def change(
    pool: asyncpg.Pool, meeting_id: uuid.UUID, changes: MeetingChanges, expected_version: int | None, actor: str
) -> Meeting:
    async with pool.acquire() as conn, conn.transaction():
        meeting = await _locked(conn, meeting_id, expected_version)
        area = await area_facts(conn, meeting.social_area_key)
        changed, events = domain.change(meeting, changes, area, _now())
        if not events:
            return meeting
        saved = await _save(conn, changed, events, actor)
        await _notify_invitees(conn, saved, "update")
        return saved


async def cancel(
    pool: asyncpg.Pool, meeting_id: uuid.UUID, reason: str, expected_version: int | None, actor: str
) -> Meeting:
    async with pool.acquire() as conn, conn.transaction():
        meeting = await _locked(conn, meeting_id, expected_version)
        cancelled, events = domain.cancel(meeting, reason, _now())
        saved = await _save(conn, cancelled, events, actor)
        await _notify_invitees(conn, saved, "cancellation")
        return saved


async def record_attendance(
    pool: asyncpg.Pool, meeting_id: uuid.UUID, person_ids: Sequence[uuid.UUID], guests: int, actor: str
) -> Meeting:
    async with pool.acquire() as conn, conn.transaction():
        meeting = await _locked(conn, meeting_id)
        updated, events = domain.record_attendance(meeting, person_ids, guests, _now())
        return await _save(conn, updated, events, actor)


async def record_minutes(pool: asyncpg.Pool, meeting_id: uuid.UUID, text: str, actor: str) -> Meeting:
    async with pool.acquire() as conn, conn.transaction():
        meeting = await _locked(conn, meeting_id)
        updated, events = domain.record_minutes(meeting, text, _now())
        return await _save(conn, updated, events, actor)


async def raise_need(
    pool: asyncpg.Pool,
    meeting_id: uuid.UUID,
    text: str,
    field_of_action: str,
    residential_area_number: int | None,
    actor: str,
) -> tuple[Meeting, uuid.UUID]:
    async with pool.acquire() as conn, conn.transaction():
        meeting = await _locked(conn, meeting_id)
        area = await area_facts(conn, meeting.social_area_key)
        need_id = uuid.uuid4()
        updated, events = domain.raise_need(
            meeting, need_id, text, field_of_action, residential_area_number, area, _now()
        )
        return await _save(conn, updated, events, actor), need_id


# ---------------------------------------------------------------- reads


async def get(pool: asyncpg.Pool, meeting_id: uuid.UUID) -> tuple[Meeting, list[dict[str, Any]]]:
    async with pool.acquire() as conn:
        meeting = await db.load_meeting(conn, meeting_id)
        if meeting is None:
            raise NotFound("meeting_id", f"Die Sitzung {meeting_id} ist nicht bekannt.")
        return meeting, await db.history(conn, meeting_id)


async def list_meetings(
    pool: asyncpg.Pool,
    social_area_key: str | None,
    kind: str | None,
    starts_from: dt.datetime | None,
    starts_before: dt.datetime | None,
    status: str | None,
) -> list[Meeting]:
    async with pool.acquire() as conn:
        return await db.list_meetings(
            conn,
            social_area_key=social_area_key,
            kind=kind,
            starts_from=starts_from,
            starts_before=starts_before,
            status=status,
        )


async def check_conflicts(
    pool: asyncpg.Pool, social_area_key: str, starts_at: dt.datetime, ends_at: dt.datetime
) -> list[Conflict]:
    async with pool.acquire() as conn:
        return await conflicts_for(conn, social_area_key, starts_at, ends_at)


async def next_conference(pool: asyncpg.Pool, social_area_key: str) -> Meeting | None:
    async with pool.acquire() as conn:
        return await db.next_conference(conn, social_area_key, _now())


async def public_meetings(pool: asyncpg.Pool, social_area_key: str) -> tuple[dict[str, Any] | None, list[Meeting]]:
    """The area (None if unknown) and its public meetings (cancelled ones included, so calendars drop them)."""
    async with pool.acquire() as conn:
        area = await territory.social_area(conn, social_area_key)
        if area is None:
            return None, []
        return area, await db.list_meetings(conn, social_area_key=social_area_key, public_only=True)
