"""One meeting (``/sitzungen/{id}``): its page, a new date, changed details, the cancellation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from quartier_gateway.clients.base import JSON
from quartier_gateway.meetings.pages.shared import (
    _act,
    _location,
    _managed,
    _meeting_page,
    _place_errors,
    _readable_meeting,
    _str,
    _text_errors,
    _version,
)
from quartier_gateway.meetings.rules import (
    REASON_MAX,
    agenda_items,
    may_override_conflict,
    parse_schedule,
)
from quartier_gateway.web.dependencies import Invitations, Staff
from quartier_gateway.web.format import BERLIN_NAME

router = APIRouter(include_in_schema=False)


@router.get("/sitzungen/{meeting_id}")
async def meeting_page(request: Request, principal: Staff, meeting_id: str) -> Response:
    principal, meeting, area = await _readable_meeting(request, principal, meeting_id)
    return await _meeting_page(request, principal, meeting, area)


@router.post("/sitzungen/{meeting_id}/termin")
async def reschedule(request: Request, principal: Staff, invitations: Invitations, meeting_id: str) -> Response:
    principal, meeting, area = await _managed(request, principal, meeting_id)
    form = await request.form()
    schedule_values = {k: _str(form, k) for k in ("date", "start_time", "end_time", "override_reason")}
    starts_at, ends_at, time_errors = parse_schedule(
        schedule_values["date"], schedule_values["start_time"], schedule_values["end_time"]
    )
    values = {"schedule": schedule_values}
    if time_errors:
        errors = {f"r-{k}": v for k, v in time_errors.items()}
        return await _meeting_page(request, principal, meeting, area, errors=errors, values=values, status_code=422)
    body: JSON = {"starts_at": starts_at, "ends_at": ends_at, "timezone": BERLIN_NAME}
    if may_override_conflict(principal, meeting.get("social_area_key")) and schedule_values["override_reason"]:
        body["override_reason"] = schedule_values["override_reason"][:REASON_MAX]
    call = invitations.reschedule(str(meeting["id"]), body, principal.username, _version(form))
    fields = {"starts_at": "r-date", "ends_at": "r-end_time", "timezone": "r-date"}
    return await _act(request, principal, meeting, area, call, "verschoben", "termin", values=values, fields=fields)


@router.post("/sitzungen/{meeting_id}/aendern")
async def change(request: Request, principal: Staff, invitations: Invitations, meeting_id: str) -> Response:
    principal, meeting, area = await _managed(request, principal, meeting_id)
    form = await request.form()
    values: dict[str, Any] = {
        k: _str(form, k) for k in ("title", "local_title", "format", "address", "online_url", "agenda", "description")
    }
    values["community_centre"] = _str(form, "community_centre") == "1"
    values["public"] = _str(form, "public") == "1"
    errors = {}
    if not values["title"]:
        errors["title"] = "Bitte geben Sie einen Titel an."
    errors.update(_place_errors(values))
    errors.update(_text_errors(values))
    if errors:
        return await _meeting_page(
            request,
            principal,
            meeting,
            area,
            errors={f"c-{k}": v for k, v in errors.items()},
            values={"change": values},
            status_code=422,
        )
    body: JSON = {
        "title": values["title"],
        "local_title": values["local_title"] or None,
        "agenda": agenda_items(values["agenda"]),
        "description": values["description"],
        "location": _location(values),
        "format": values["format"],
        "public": values["public"],
    }
    call = invitations.change(str(meeting["id"]), body, principal.username, _version(form))
    fields = {k: f"c-{k}" for k in ("title", "local_title", "agenda", "description", "format")}
    fields.update({"location": "c-place", "location.address": "c-address", "location.online_url": "c-online_url"})
    return await _act(
        request, principal, meeting, area, call, "geaendert", "aendern", values={"change": values}, fields=fields
    )


@router.post("/sitzungen/{meeting_id}/absagen")
async def cancel(request: Request, principal: Staff, invitations: Invitations, meeting_id: str) -> Response:
    principal, meeting, area = await _managed(request, principal, meeting_id)
    reason = _str(await request.form(), "reason")
    if not reason or len(reason) > REASON_MAX:
        message = "Bitte geben Sie den Grund der Absage an." if not reason else "Der Grund ist zu lang."
        return await _meeting_page(
            request, principal, meeting, area, errors={"cancel-reason": message}, status_code=422
        )
    call = invitations.cancel(str(meeting["id"]), reason, principal.username)
    return await _act(request, principal, meeting, area, call, "abgesagt", "ueberblick")
