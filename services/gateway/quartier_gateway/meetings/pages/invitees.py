"""The invitation list of a meeting: invite or remove a person by hand (with a reason), send the invitations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from quartier_gateway.auth.domain import Principal
from quartier_gateway.clients.base import JSON, Rejected
from quartier_gateway.meetings.pages.shared import _act, _managed, _meeting_page, _str
from quartier_gateway.meetings.rules import (
    REASON_MAX,
)
from quartier_gateway.web.dependencies import Invitations, Staff
from quartier_gateway.web.errors import uuid_or_404

router = APIRouter(include_in_schema=False)


@router.post("/sitzungen/{meeting_id}/eingeladene")
async def add_invitee(request: Request, principal: Staff, invitations: Invitations, meeting_id: str) -> Response:
    why = "Bitte geben Sie an, warum die Person eingeladen wird."
    return await _change_invitee(request, principal, invitations.add_invitee, meeting_id, "add", why, "eingeladen")


@router.post("/sitzungen/{meeting_id}/ausladen")
async def remove_invitee(request: Request, principal: Staff, invitations: Invitations, meeting_id: str) -> Response:
    why = "Bitte geben Sie an, warum die Person nicht eingeladen wird."
    return await _change_invitee(request, principal, invitations.remove_invitee, meeting_id, "rm", why, "ausgeladen")


async def _change_invitee(
    request: Request,
    principal: Principal,
    change: Callable[[str, str, str, str], Awaitable[JSON]],
    meeting_id: str,
    prefix: str,
    why: str,
    done: str,
) -> Response:
    """Invites or removes one person by hand: both need the person and a reason, whose form fields carry
    ``prefix`` (``add-person``, ``rm-reason`` …)."""
    principal, meeting, area = await _managed(request, principal, meeting_id)
    form = await request.form()
    person_id, reason = _str(form, "person_id"), _str(form, "reason")
    errors = {}
    if not person_id:
        errors[f"{prefix}-person"] = "Bitte wählen Sie die Person."
    if not reason:
        errors[f"{prefix}-reason"] = why
    elif len(reason) > REASON_MAX:
        errors[f"{prefix}-reason"] = f"Der Grund darf höchstens {REASON_MAX} Zeichen lang sein."
    if errors:
        return await _meeting_page(request, principal, meeting, area, errors=errors, status_code=422)
    call = change(str(meeting["id"]), uuid_or_404(person_id), reason, principal.username)
    fields = {"person_id": f"{prefix}-person", "reason": f"{prefix}-reason"}
    return await _act(request, principal, meeting, area, call, done, "einladungsliste", fields=fields)


@router.post("/sitzungen/{meeting_id}/versenden")
async def send(request: Request, principal: Staff, invitations: Invitations, meeting_id: str) -> Response:
    principal, meeting, area = await _managed(request, principal, meeting_id)
    try:
        result = await invitations.send(str(meeting["id"]), principal.username)
    except Rejected as refused:
        fresh = await invitations.meeting(str(meeting["id"]))
        return await _meeting_page(
            request, principal, fresh, area, refusal=refused.detail, status_code=refused.status_code
        )
    queued = result.get("queued")
    count = f"&anzahl={queued}" if isinstance(queued, int) and queued >= 0 else ""
    return RedirectResponse(f"/sitzungen/{meeting['id']}?gespeichert=versendet{count}#versand", status_code=303)
