"""What the meeting pages share: labels, form helpers, loading a meeting the user may read and rendering its
page, and carrying out an action with the invitations service (its refusals shown on the page).

Every action is a POST with the session's CSRF token (checked by the middleware) and reaches the
invitations service with ``X-Quartier-Actor: <username>``. Who may do what is decided in
``meetings/rules.py``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from quartier_gateway.auth.domain import Principal
from quartier_gateway.clients.base import JSON, Refused, Rejected, Unavailable
from quartier_gateway.clients.registry import SocialArea
from quartier_gateway.meetings.rules import (
    AGENDA_MAX_ITEMS,
    FORMAT_NAMES,
    KIND_NAMES,
    PURPOSE_NAMES,
    REASON_MAX,
    TEXT_MAX,
    TITLE_MAX,
    agenda_items,
    answer_counts,
    answer_name,
    conflict_text,
    delivery_kind_name,
    delivery_status_name,
    event_name,
    form_values,
    format_name,
    kind_name,
    location_text,
    may_manage_meeting,
    may_override_conflict,
    may_read_meeting,
    meeting_when,
    purpose_name,
    source_name,
    status_name,
)
from quartier_gateway.web.errors import Forbidden, uuid_or_404
from quartier_gateway.web.format import german_date, german_datetime
from quartier_gateway.web.state import gateway_of
from quartier_gateway.web.templates import render

log = logging.getLogger(__name__)


NOTICES = {
    "angelegt": "Die Sitzung ist angelegt. Prüfen Sie die Einladungsliste und versenden Sie die Einladungen.",
    "verschoben": "Der neue Termin ist gespeichert. Wer schon eingeladen war, erhält eine Änderung.",
    "geaendert": "Die Angaben sind gespeichert.",
    "abgesagt": "Die Sitzung ist abgesagt. Wer eingeladen war, erhält eine Absage.",
    "eingeladen": "Die Person steht jetzt auf der Einladungsliste.",
    "ausgeladen": "Die Person ist von der Einladungsliste genommen.",
    "versendet": "Die Einladungen werden versendet.",
    "anwesenheit": "Die Anwesenheit ist gespeichert.",
    "protokoll": "Das Protokoll ist gespeichert.",
    "bedarf": "Der Bedarf ist erfasst und an die Jahresplanung weitergegeben.",
}


LABELS = {
    "kind": "Art der Sitzung",
    "social_area_key": "Sozialraum",
    "body_ids": "Gremien",
    "title": "Titel",
    "local_title": "Örtlicher Titel",
    "purposes": "Zweck",
    "format": "Form",
    "date": "Datum",
    "start_time": "Beginn",
    "end_time": "Ende",
    "place": "Ort",
    "address": "Adresse",
    "online_url": "Link zur Online-Sitzung",
    "agenda": "Tagesordnung",
    "description": "Beschreibung",
    "override_reason": "Begründung für den Termin trotz Überschneidung",
    "reason": "Grund",
    "person_id": "Person",
    "text": "Text",
    "field_of_action": "Handlungsfeld",
    "residential_area_number": "Wohnbereich",
    "guests": "Gäste",
}


# The form fields of the meeting page (their ids carry a prefix per form).
PAGE_LABELS = {
    **{f"r-{k}": LABELS[k] for k in ("date", "start_time", "end_time", "override_reason")},
    **{f"c-{k}": LABELS[k] for k in ("title", "local_title", "format", "place", "address", "online_url", "agenda")},
    "c-description": LABELS["description"],
    "cancel-reason": "Grund der Absage",
    "add-person": "Person einladen",
    "add-reason": "Grund der Einladung",
    "rm-person": "Person ausladen",
    "rm-reason": "Grund für das Ausladen",
    "guests": "Gäste",
    "minutes": "Protokoll",
    "need-text": "Bedarf",
    "need-field": "Handlungsfeld",
    "need-ra": "Wohnbereich",
}


# Fields of the API (in a 422 "field: message") → the form field that shows the message.
API_FIELDS = {
    "starts_at": "date",
    "ends_at": "end_time",
    "timezone": "date",
    "location": "place",
    "location.address": "address",
    "location.online_url": "online_url",
    "address": "address",
    "online_url": "online_url",
    "body_ids": "body_ids",
}


def _str(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _list(form: FormData, name: str) -> list[str]:
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


async def _areas(request: Request) -> dict[str, SocialArea]:
    return {a.key: a for a in await gateway_of(request).registry.social_areas()}


def _district_keys(area: SocialArea | None) -> list[str]:
    return [d.key for d in area.districts] if area else []


def _short(area: SocialArea | None) -> str:
    if area is None:
        return ""
    return area.name.removeprefix("Sozialraum ").strip()


HELPERS: dict[str, Any] = {
    "kind_name": kind_name,
    "purpose_name": purpose_name,
    "format_name": format_name,
    "status_name": status_name,
    "answer_name": answer_name,
    "delivery_kind_name": delivery_kind_name,
    "delivery_status_name": delivery_status_name,
    "source_name": source_name,
    "event_name": event_name,
    "when": meeting_when,
    "de_datetime": german_datetime,
    "de_date": german_date,
    "conflict_text": conflict_text,
    "kinds": KIND_NAMES,
    "purposes": PURPOSE_NAMES,
    "formats": FORMAT_NAMES,
    "labels": LABELS,
    "title_max": TITLE_MAX,
    "text_max": TEXT_MAX,
    "reason_max": REASON_MAX,
}


async def _bodies(request: Request) -> list[JSON]:
    try:
        return await gateway_of(request).registry.people.bodies()
    except Refused:
        return []


def _location(values: dict[str, Any]) -> JSON:
    return {
        "community_centre": bool(values["community_centre"]),
        "address": values["address"] or None,
        "online_url": values["online_url"] or None,
    }


def _place_errors(values: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    fmt = values["format"]
    if fmt not in FORMAT_NAMES:
        errors["format"] = "Bitte wählen Sie Präsenz, online oder hybrid."
        return errors
    if fmt in ("in_person", "hybrid") and not values["community_centre"] and not values["address"]:
        errors["place"] = "Bitte wählen Sie das Stadtteilzentrum oder geben Sie eine Adresse an."
    if fmt in ("online", "hybrid") and not values["online_url"]:
        errors["online_url"] = "Bitte geben Sie den Link zur Online-Sitzung an."
    elif values["online_url"] and not values["online_url"].startswith(("https://", "http://")):
        errors["online_url"] = "Der Link muss mit https:// beginnen."
    return errors


def _text_errors(values: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if len(values["title"]) > TITLE_MAX:
        errors["title"] = f"Der Titel darf höchstens {TITLE_MAX} Zeichen lang sein."
    if len(values.get("local_title") or "") > TITLE_MAX:
        errors["local_title"] = f"Der örtliche Titel darf höchstens {TITLE_MAX} Zeichen lang sein."
    if len(values["description"]) > TEXT_MAX:
        errors["description"] = f"Die Beschreibung darf höchstens {TEXT_MAX} Zeichen lang sein."
    if len(agenda_items(values["agenda"])) > AGENDA_MAX_ITEMS:
        errors["agenda"] = f"Die Tagesordnung darf höchstens {AGENDA_MAX_ITEMS} Punkte haben."
    return errors


def _refusal_field(refused: Refused, known: set[str]) -> str | None:
    name = refused.field
    if name is None:
        return None
    name = API_FIELDS.get(name, name)
    return name if name in known else None


async def _readable_meeting(
    request: Request, principal: Principal, meeting_id: str
) -> tuple[Principal, JSON, SocialArea | None]:
    meeting = await gateway_of(request).invitations.meeting(uuid_or_404(meeting_id))
    key = meeting.get("social_area_key")
    area = (await _areas(request)).get(key) if key else None
    if not may_read_meeting(principal, key, _district_keys(area)):
        raise Forbidden()
    return principal, meeting, area


def _manage(principal: Principal, meeting: JSON) -> bool:
    return may_manage_meeting(principal, meeting.get("social_area_key"))


async def _optional(call: Any) -> Any:
    """A part of the page that may be missing while the service (or a part of it) is not reachable."""
    try:
        return await call
    except (Refused, Unavailable) as exc:
        log.info("part of the meeting page unavailable", extra={"error": repr(exc)})
        return None


async def _nothing() -> None:
    return None


def _invitee_rows(invitees: JSON | None) -> list[JSON]:
    return [r for r in (invitees or {}).get("final") or [] if isinstance(r, dict)]


async def _meeting_page(
    request: Request,
    principal: Principal,
    meeting: JSON,
    area: SocialArea | None,
    *,
    refusal: str | None = None,
    conflicts: list[JSON] | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    client = gateway_of(request).invitations
    manage = _manage(principal, meeting)
    meeting_id = str(meeting["id"])
    invitees, answers, deliveries = await asyncio.gather(
        _optional(client.invitees(meeting_id)),
        _optional(client.answers(meeting_id)),
        _optional(client.deliveries(meeting_id)) if manage else _nothing(),
    )
    final = _invitee_rows(invitees)
    names = {str(r["person_id"]): str(r.get("name") or "") for r in final if r.get("person_id")}
    for row in (invitees or {}).get("signatories") or []:
        if isinstance(row, dict) and row.get("person_id"):
            names.setdefault(str(row["person_id"]), str(row.get("name") or ""))
    persons: list[tuple[str, str]] = []
    fields: list[str] = []
    active = meeting.get("status") != "cancelled"
    if manage and active:
        people = await _optional(gateway_of(request).registry.people.persons())
        persons = sorted(
            (
                (str(p["id"]), f"{p.get('family_name', '')}, {p.get('given_name', '')}".strip(", "))
                for p in people or []
                if isinstance(p, dict) and p.get("id") and str(p["id"]) not in names
            ),
            key=lambda o: o[1].lower(),
        )
        vocab = await _optional(gateway_of(request).registry.vocabularies())
        fields = [str(f) for f in (vocab or {}).get("fields_of_action") or []]
    attendance = meeting.get("attendance") or {}
    attended = {str(p) for p in attendance.get("person_ids") or []}
    form = values or {}
    schedule_values = {**form_values(meeting.get("starts_at"), meeting.get("ends_at")), **form.get("schedule", {})}
    location = meeting.get("location") or {}
    return render(
        request,
        "meetings/meeting.html",
        {
            **HELPERS,
            "title": str(meeting.get("display_title") or meeting.get("title") or "Sitzung"),
            "meeting": meeting,
            "area": area,
            "area_name": area.name if area else "stadtweit",
            "place": location_text(location, area.community_centre.name if area else None),
            "manage": manage,
            "active": active,
            "invitees": invitees,
            "final": final,
            "names": names,
            "answers": answers,
            "answer_counts": answer_counts(answers or []),
            "deliveries": deliveries,
            "persons": persons,
            "final_people": [(str(r["person_id"]), str(r.get("name") or "")) for r in final if r.get("person_id")],
            "removable": [
                (str(r.get("person_id") or r.get("actor_id")), str(r.get("name") or ""))
                for r in final
                if r.get("person_id") or r.get("actor_id")
            ],
            "field_options": [(f, f) for f in fields],
            "ra_options": [(str(r.number), f"{r.number} – {r.name}") for r in area.residential_areas] if area else [],
            "attended": attended,
            "attendance_names": [names.get(p, "unbekannt") for p in sorted(attended)],
            "refusal": refusal,
            "conflicts": conflicts,
            "errors": errors or {},
            "values": form,
            "schedule_values": schedule_values,
            "may_override": may_override_conflict(principal, meeting.get("social_area_key")),
            "agenda_text": "\n".join(str(i) for i in meeting.get("agenda") or []),
            "notice": _notice(request),
            "labels": PAGE_LABELS,
        },
        status_code=status_code,
    )


def _notice(request: Request) -> str | None:
    key = request.query_params.get("gespeichert", "")
    queued = request.query_params.get("anzahl", "")
    if key == "versendet" and queued.isdigit():
        count = int(queued)
        if count == 0:
            return "Es sind keine neuen Einladungen zu versenden: alle auf der Liste sind schon eingeladen."
        return f"{count} {'Einladung wird' if count == 1 else 'Einladungen werden'} versendet."
    return NOTICES.get(key)


async def _managed(
    request: Request, principal: Principal, meeting_id: str
) -> tuple[Principal, JSON, SocialArea | None]:
    principal, meeting, area = await _readable_meeting(request, principal, meeting_id)
    if not _manage(principal, meeting):
        raise Forbidden()
    return principal, meeting, area


async def _act(
    request: Request,
    principal: Principal,
    meeting: JSON,
    area: SocialArea | None,
    call: Any,
    notice: str,
    anchor: str,
    *,
    values: dict[str, Any] | None = None,
    fields: dict[str, str] | None = None,
) -> Response:
    """Runs ``call``; a refusal is shown on the page (at its field if the service names one in ``fields``)."""
    try:
        await call
    except Rejected as refused:
        fresh = await gateway_of(request).invitations.meeting(str(meeting["id"]))
        field = (fields or {}).get(refused.field or "")
        if refused.status_code == 422 and field:
            return await _meeting_page(
                request, principal, fresh, area, errors={field: refused.message}, values=values, status_code=422
            )
        return await _meeting_page(
            request,
            principal,
            fresh,
            area,
            refusal=refused.detail,
            conflicts=refused.conflicts,
            values=values,
            status_code=refused.status_code,
        )
    return RedirectResponse(f"/sitzungen/{meeting['id']}?gespeichert={notice}#{anchor}", status_code=303)


def _version(form: FormData) -> int | None:
    text = _str(form, "version")
    return int(text) if text.isdigit() else None
