"""HTTP routes of meetings and of the political calendar (internal API, called by the gateway).

Refusals (problem+json): 404 unknown meeting; 409 a refused step (German ``detail`` saying what must happen
first; a date conflict of a Stadtteilkonferenz also lists ``conflicts``; a stale ``If-Match`` version); 422
wrong input (``errors`` names the field, German). Times: ISO 8601 with offset, or without offset and read in
``timezone`` (IANA name, default Europe/Berlin). The actor comes from ``X-Quartier-Actor``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from quartier_invitations.db.meetings import to_document
from quartier_invitations.domain import meetings as domain
from quartier_invitations.domain.meetings import (
    BERLIN,
    Location,
    Meeting,
    MeetingChanges,
    MeetingInput,
    MeetingKind,
)
from quartier_invitations.service import calendar as calendar_service
from quartier_invitations.service import meetings as service
from quartier_invitations.settings import settings_of
from quartier_shared.http import PROBLEM_RESPONSES, Actor, Ctx, IfMatch, Pool

router = APIRouter(prefix="/api/v1", tags=["Sitzungen"], responses=PROBLEM_RESPONSES)

Kind = Literal["coordination_round", "neighbourhood_conference", "steering_committee", "working_group", "joint"]
PurposeIn = Literal["prepares_annual_plan", "prepares_conference", "prepares_participation", "evaluation", "other"]
FormatIn = Literal["in_person", "online", "hybrid"]

# Generous caps against oversized bodies; the domain checks the real limits with German messages.
_TEXT_CAP = 200_000


class LocationIn(BaseModel):
    community_centre: bool = False
    address: str | None = Field(default=None, max_length=_TEXT_CAP)
    online_url: str | None = Field(default=None, max_length=_TEXT_CAP)

    def value(self) -> Location:
        return Location(self.community_centre, self.address, self.online_url)


class MeetingIn(BaseModel):
    kind: Kind
    body_ids: list[uuid.UUID] = Field(max_length=50)
    social_area_key: str | None = Field(default=None, max_length=64)
    title: str = Field(default="", max_length=_TEXT_CAP)
    local_title: str | None = Field(default=None, max_length=_TEXT_CAP)
    purposes: list[PurposeIn] = Field(default_factory=list, max_length=10)
    format: FormatIn = "in_person"
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str = Field(default=BERLIN, max_length=200)
    location: LocationIn = Field(default_factory=LocationIn)
    agenda: list[str] = Field(default_factory=list, max_length=500)
    description: str = Field(default="", max_length=_TEXT_CAP)
    public: bool = False
    override_reason: str | None = Field(default=None, max_length=_TEXT_CAP)


class ScheduleIn(BaseModel):
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str = Field(default=BERLIN, max_length=200)
    override_reason: str | None = Field(default=None, max_length=_TEXT_CAP)


class ChangeIn(BaseModel):
    title: str = Field(default="", max_length=_TEXT_CAP)
    local_title: str | None = Field(default=None, max_length=_TEXT_CAP)
    agenda: list[str] = Field(default_factory=list, max_length=500)
    description: str = Field(default="", max_length=_TEXT_CAP)
    location: LocationIn = Field(default_factory=LocationIn)
    format: FormatIn = "in_person"
    public: bool = False


class CancelIn(BaseModel):
    reason: str = Field(max_length=_TEXT_CAP)


class AttendanceIn(BaseModel):
    person_ids: list[uuid.UUID] = Field(default_factory=list, max_length=5000)
    guests: int = 0


class MinutesIn(BaseModel):
    text: str = Field(max_length=_TEXT_CAP)


class NeedIn(BaseModel):
    text: str = Field(max_length=_TEXT_CAP)
    field_of_action: str = Field(max_length=200)
    residential_area_number: int | None = None


def doc(meeting: Meeting, history: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out = to_document(meeting)
    if history is not None:
        out["history"] = history
    return out


# ---------------------------------------------------------------- meetings


@router.post("/meetings", status_code=201, summary="Sitzung planen")
async def schedule(body: MeetingIn, pool: Pool, actor: Actor) -> dict[str, Any]:
    starts_at, ends_at = domain.resolve_times(body.starts_at, body.ends_at, body.timezone)
    spec = MeetingInput(
        kind=MeetingKind(body.kind),
        body_ids=tuple(body.body_ids),
        social_area_key=body.social_area_key or None,
        title=body.title,
        local_title=body.local_title,
        purposes=tuple(body.purposes),
        format=body.format,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=body.timezone,
        location=body.location.value(),
        agenda=tuple(body.agenda),
        description=body.description,
        public=body.public,
        override_reason=body.override_reason,
    )
    meeting = await service.schedule(pool, spec, actor)
    return doc(meeting)


def _bound(value: dt.datetime | dt.date | None, field: str) -> dt.datetime | None:
    """A time (without offset: Europe/Berlin); a bare date is the start of that day for ``from`` and the
    end of that day for ``to`` (both ends included)."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value + dt.timedelta(days=1) if field == "to" else value, dt.time())
    return domain.resolve_time(value, BERLIN, field)


@router.get("/meetings", summary="Sitzungen (ohne Verlauf)")
async def list_meetings(
    pool: Pool,
    social_area_key: Annotated[str | None, Query(max_length=64)] = None,
    kind: Annotated[Kind | None, Query()] = None,
    from_: Annotated[dt.datetime | dt.date | None, Query(alias="from")] = None,
    to: Annotated[dt.datetime | dt.date | None, Query()] = None,
    status: Annotated[Literal["scheduled", "cancelled"] | None, Query()] = None,
) -> list[dict[str, Any]]:
    meetings = await service.list_meetings(pool, social_area_key, kind, _bound(from_, "from"), _bound(to, "to"), status)
    return [doc(m) for m in meetings]


@router.get("/meetings/{meeting_id}", summary="Eine Sitzung mit Verlauf")
async def get_meeting(meeting_id: uuid.UUID, pool: Pool) -> dict[str, Any]:
    meeting, history = await service.get(pool, meeting_id)
    return doc(meeting, history)


@router.put("/meetings/{meeting_id}/schedule", summary="Sitzung verschieben")
async def reschedule(
    meeting_id: uuid.UUID,
    body: ScheduleIn,
    pool: Pool,
    actor: Actor,
    if_match: IfMatch,
) -> dict[str, Any]:
    starts_at, ends_at = domain.resolve_times(body.starts_at, body.ends_at, body.timezone)
    meeting = await service.reschedule(
        pool,
        meeting_id,
        starts_at,
        ends_at,
        body.timezone,
        body.override_reason,
        if_match,
        actor,
    )
    return doc(meeting)


@router.put("/meetings/{meeting_id}", summary="Sitzung ändern (Titel, Tagesordnung, Ort, Format, Beschreibung)")
async def change(
    meeting_id: uuid.UUID,
    body: ChangeIn,
    pool: Pool,
    actor: Actor,
    if_match: IfMatch,
) -> dict[str, Any]:
    changes = MeetingChanges(
        title=body.title,
        local_title=body.local_title,
        agenda=tuple(body.agenda),
        description=body.description,
        location=body.location.value(),
        format=body.format,
        public=body.public,
    )
    meeting = await service.change(pool, meeting_id, changes, if_match, actor)
    return doc(meeting)


@router.post("/meetings/{meeting_id}/cancel", summary="Sitzung absagen")
async def cancel(
    meeting_id: uuid.UUID,
    body: CancelIn,
    pool: Pool,
    actor: Actor,
    if_match: IfMatch,
) -> dict[str, Any]:
    meeting = await service.cancel(pool, meeting_id, body.reason, if_match, actor)
    return doc(meeting)


@router.post("/meetings/{meeting_id}/attendance", summary="Anwesenheit erfassen")
async def attendance(meeting_id: uuid.UUID, body: AttendanceIn, pool: Pool, actor: Actor) -> dict[str, Any]:
    meeting = await service.record_attendance(pool, meeting_id, body.person_ids, body.guests, actor)
    return doc(meeting)


@router.put("/meetings/{meeting_id}/minutes", summary="Protokoll erfassen")
async def minutes(meeting_id: uuid.UUID, body: MinutesIn, pool: Pool, actor: Actor) -> dict[str, Any]:
    meeting = await service.record_minutes(pool, meeting_id, body.text, actor)
    return doc(meeting)


@router.post("/meetings/{meeting_id}/needs", status_code=201, summary="Bedarf der Bewohner:innen erfassen")
async def raise_need(meeting_id: uuid.UUID, body: NeedIn, pool: Pool, actor: Actor) -> dict[str, Any]:
    meeting, need_id = await service.raise_need(
        pool,
        meeting_id,
        body.text,
        body.field_of_action,
        body.residential_area_number,
        actor,
    )
    out = doc(meeting)
    out["need_id"] = str(need_id)
    return out


# ---------------------------------------------------------------- political calendar and conflicts


@router.get("/conflicts", summary="Überschneidungen mit Sitzungen von Rat und Bezirksvertretungen")
async def conflicts(
    pool: Pool,
    social_area_key: Annotated[str, Query(max_length=64)],
    starts_at: Annotated[dt.datetime, Query()],
    ends_at: Annotated[dt.datetime, Query()],
    timezone: Annotated[str, Query(max_length=200)] = BERLIN,
) -> dict[str, Any]:
    start, end = domain.resolve_times(starts_at, ends_at, timezone)
    found = await service.check_conflicts(pool, social_area_key, start, end)
    return {"conflicts": [c.document() for c in found]}


@router.get("/political-calendar", summary="Eingelesene Sitzungen von Rat und Bezirksvertretungen")
async def political_calendar(
    pool: Pool,
    from_: Annotated[dt.datetime | dt.date | None, Query(alias="from")] = None,
    to: Annotated[dt.datetime | dt.date | None, Query()] = None,
) -> list[dict[str, Any]]:
    meetings = await calendar_service.political_meetings(pool, _bound(from_, "from"), _bound(to, "to"))
    return [calendar_service.document(m) for m in meetings]


@router.get("/political-calendar/sources", summary="Stand der Quellen des politischen Kalenders")
async def political_calendar_sources(pool: Pool) -> list[dict[str, Any]]:
    """Per source (oparl, ical): its address, the last attempt and success, the last error, the count."""
    return await calendar_service.sources(pool)


@router.post("/political-calendar/refresh", summary="Politischen Kalender jetzt neu einlesen")
async def refresh(ctx: Ctx) -> dict[str, Any]:
    results = await calendar_service.refresh(ctx.pool, calendar_service.CalendarConfig.of(settings_of(ctx)))
    return {"results": results, "sources": await calendar_service.sources(ctx.pool)}
