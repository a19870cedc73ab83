"""After a meeting: attendance, minutes and the residents' needs passed on to the annual planning."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from quartier_gateway.clients.base import JSON
from quartier_gateway.meetings.pages.shared import _act, _list, _managed, _meeting_page, _str
from quartier_gateway.meetings.rules import (
    TEXT_MAX,
)
from quartier_gateway.web.dependencies import Invitations, Staff
from quartier_gateway.web.errors import uuid_or_404

router = APIRouter(include_in_schema=False)


@router.post("/sitzungen/{meeting_id}/anwesenheit")
async def attendance(request: Request, principal: Staff, invitations: Invitations, meeting_id: str) -> Response:
    principal, meeting, area = await _managed(request, principal, meeting_id)
    form = await request.form()
    person_ids = [uuid_or_404(p) for p in _list(form, "person_ids")]
    guests_text = _str(form, "guests") or "0"
    if not guests_text.isdigit() or int(guests_text) > 10000:
        return await _meeting_page(
            request,
            principal,
            meeting,
            area,
            errors={"guests": "Bitte geben Sie die Zahl der Gäste als ganze Zahl an (0 oder mehr)."},
            status_code=422,
        )
    call = invitations.record_attendance(str(meeting["id"]), person_ids, int(guests_text), principal.username)
    fields = {"guests": "guests"}
    return await _act(request, principal, meeting, area, call, "anwesenheit", "anwesenheit", fields=fields)


@router.post("/sitzungen/{meeting_id}/protokoll")
async def minutes(request: Request, principal: Staff, invitations: Invitations, meeting_id: str) -> Response:
    principal, meeting, area = await _managed(request, principal, meeting_id)
    text = _str(await request.form(), "text")
    if len(text) > 50_000:
        return await _meeting_page(
            request,
            principal,
            meeting,
            area,
            errors={"minutes": "Das Protokoll darf höchstens 50.000 Zeichen lang sein."},
            status_code=422,
        )
    call = invitations.record_minutes(str(meeting["id"]), text, principal.username)
    return await _act(request, principal, meeting, area, call, "protokoll", "protokoll", fields={"text": "minutes"})


@router.post("/sitzungen/{meeting_id}/bedarfe")
async def raise_need(request: Request, principal: Staff, invitations: Invitations, meeting_id: str) -> Response:
    principal, meeting, area = await _managed(request, principal, meeting_id)
    form = await request.form()
    values = {k: _str(form, k) for k in ("text", "field_of_action", "residential_area_number")}
    errors = {}
    if not values["text"]:
        errors["need-text"] = "Bitte beschreiben Sie den Bedarf."
    elif len(values["text"]) > TEXT_MAX:
        errors["need-text"] = f"Der Bedarf darf höchstens {TEXT_MAX} Zeichen lang sein."
    if not values["field_of_action"]:
        errors["need-field"] = "Bitte wählen Sie ein Handlungsfeld."
    number = values["residential_area_number"]
    known = {str(r.number) for r in area.residential_areas} if area else set()
    if number and number not in known:
        errors["need-ra"] = "Bitte wählen Sie einen Wohnbereich dieses Sozialraums."
    if errors:
        return await _meeting_page(
            request, principal, meeting, area, errors=errors, values={"need": values}, status_code=422
        )
    body: JSON = {
        "text": values["text"],
        "field_of_action": values["field_of_action"],
        "residential_area_number": int(number) if number else None,
    }
    call = invitations.raise_need(str(meeting["id"]), body, principal.username)
    fields = {"text": "need-text", "field_of_action": "need-field", "residential_area_number": "need-ra"}
    return await _act(
        request, principal, meeting, area, call, "bedarf", "bedarfe", values={"need": values}, fields=fields
    )
