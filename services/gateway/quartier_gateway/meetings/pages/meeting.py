"""The German pages of meetings (``/sitzungen``): the list, scheduling with the live conflict check against
the political bodies' calendar, and one meeting with its invitation list (with the reason for every
invitee), sending, answers, sent mails, attendance, minutes and the residents' needs. Who may do what is
decided in ``meetings_rules.py``.

Every action is a POST with the session's CSRF token (checked by the middleware) and reaches the
invitations service with ``X-Quartier-Actor: <username>``. Its German refusals (409 a step out of order or
a date conflict naming the colliding meeting, 422 wrong input) are shown on the page.

Public: the next Stadtteilkonferenz of a Sozialraum (for its public page) and the iCalendar feed
``/ical/{sozialraum}.ics``, passed through from the invitations service.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from quartier_gateway.auth.domain import Principal
from quartier_gateway.clients.base import JSON, Refused, Rejected, Unavailable
from quartier_gateway.clients.registry import SocialArea
from quartier_gateway.meetings.rules import (
    AGENDA_MAX_ITEMS,
    AREA_KINDS,
    BERLIN_NAME,
    CITY_KINDS,
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
    default_body_ids,
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
    may_schedule,
    meeting_when,
    parse_schedule,
    purpose_name,
    readable,
    schedulable_area_keys,
    schedulable_kinds,
    selectable_bodies,
    source_name,
    status_name,
    visible_area_keys,
)
from quartier_gateway.web.dependencies import Invitations, Staff
from quartier_gateway.web.errors import Forbidden, uuid_or_404
from quartier_gateway.web.format import german_date, german_datetime
from quartier_gateway.web.state import gateway_of
from quartier_gateway.web.templates import render

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)
public_router = APIRouter(include_in_schema=False)

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


# --- list ----------------------------------------------------------------------------------------------


@router.get("/sitzungen")
async def meetings_list(request: Request, principal: Staff, invitations: Invitations) -> Response:
    q = request.query_params
    areas = await _areas(request)
    district_map = {k: _district_keys(a) for k, a in areas.items()}
    area_keys = visible_area_keys(principal, district_map)
    area_key = q.get("sozialraum", "")
    if area_key and area_key not in area_keys:
        area_key = ""
    kind = q.get("art", "") if q.get("art", "") in KIND_NAMES else ""
    today = dt.date.today().isoformat()
    date_from = q.get("von", today) if "von" in q else today
    date_to = q.get("bis", "")
    problems: dict[str, str] = {}
    for name, value in (("von", date_from), ("bis", date_to)):
        if value:
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                problems[name] = "Bitte geben Sie das Datum als TT.MM.JJJJ an."
    meetings: list[Any] = []
    if not problems:
        found = await invitations.meetings(
            social_area_key=area_key or None,
            kind=kind or None,
            date_from=date_from or None,
            date_to=date_to or None,
        )
        meetings = sorted(readable(principal, found, district_map), key=lambda m: str(m.get("starts_at") or ""))
    return render(
        request,
        "meetings/list.html",
        {
            **HELPERS,
            "title": "Sitzungen",
            "meetings": meetings,
            "areas": areas,
            "area_options": [(k, areas[k].name) for k in area_keys],
            "filters": {"sozialraum": area_key, "art": kind, "von": date_from, "bis": date_to},
            "problems": problems,
            "may_schedule": bool(schedulable_kinds(principal)),
        },
    )


# --- schedule ------------------------------------------------------------------------------------------


async def _bodies(request: Request) -> list[JSON]:
    try:
        return await gateway_of(request).registry.people.bodies()
    except Refused:
        return []


def _defaults(principal: Principal, request: Request, area_keys: list[str]) -> dict[str, Any]:
    kinds = schedulable_kinds(principal)
    kind = request.query_params.get("art", "")
    kind = kind if kind in kinds else (kinds[0] if kinds else "")
    area = request.query_params.get("sozialraum", "") or principal.social_area_key or ""
    return {
        "kind": kind,
        "social_area_key": area if area in area_keys else "",
        "body_ids": [],
        "title": "",
        "local_title": "",
        "purposes": [],
        "format": "in_person",
        "date": "",
        "start_time": "",
        "end_time": "",
        "community_centre": True,
        "address": "",
        "online_url": "",
        "agenda": "",
        "description": "",
        "public": kind == "neighbourhood_conference",
        "override_reason": "",
    }


async def _schedule_page(
    request: Request,
    principal: Principal,
    values: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
    conflicts: list[JSON] | None = None,
    status_code: int = 200,
) -> Response:
    areas = await _areas(request)
    area_keys = schedulable_area_keys(principal, areas)
    bodies = selectable_bodies(principal, await _bodies(request), area_keys)
    return render(
        request,
        "meetings/new.html",
        {
            **HELPERS,
            "title": "Sitzung planen",
            "values": values,
            "errors": errors or {},
            "refusal": refusal,
            "conflicts": conflicts,
            "kind_pairs": [(k, KIND_NAMES[k]) for k in schedulable_kinds(principal)],
            "areas": areas,
            "area_options": [(k, areas[k].name) for k in area_keys],
            "body_options": [(str(b["id"]), str(b.get("display_name") or b.get("name"))) for b in bodies],
            "may_override": may_override_conflict(principal, values.get("social_area_key") or None),
            "area_kinds": AREA_KINDS,
        },
        status_code=status_code,
    )


@router.get("/sitzungen/neu")
async def schedule_form(request: Request, principal: Staff) -> Response:
    if not schedulable_kinds(principal):
        raise Forbidden()
    areas = await _areas(request)
    values = _defaults(principal, request, schedulable_area_keys(principal, areas))
    return await _schedule_page(request, principal, values)


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


@router.post("/sitzungen")
async def schedule(request: Request, principal: Staff, invitations: Invitations) -> Response:
    if not schedulable_kinds(principal):
        raise Forbidden()
    form = await request.form()
    values: dict[str, Any] = {
        k: _str(form, k)
        for k in (
            "kind",
            "social_area_key",
            "title",
            "local_title",
            "format",
            "date",
            "start_time",
            "end_time",
            "address",
            "online_url",
            "agenda",
            "description",
            "override_reason",
        )
    }
    values["body_ids"] = _list(form, "body_ids")
    values["purposes"] = [p for p in _list(form, "purposes") if p in PURPOSE_NAMES]
    values["community_centre"] = _str(form, "community_centre") == "1"
    values["public"] = _str(form, "public") == "1"
    kind = values["kind"]
    if kind in CITY_KINDS:
        values["social_area_key"] = ""
    area_key = values["social_area_key"] or None
    errors: dict[str, str] = {}
    if kind not in schedulable_kinds(principal):
        errors["kind"] = "Bitte wählen Sie die Art der Sitzung."
    elif kind in AREA_KINDS and not area_key:
        errors["social_area_key"] = "Bitte wählen Sie den Sozialraum."
    elif not may_schedule(principal, kind, area_key):
        raise Forbidden()
    areas = await _areas(request)
    area = areas.get(area_key) if area_key else None
    if area_key and area is None:
        errors["social_area_key"] = "Diesen Sozialraum gibt es nicht."
    if not values["title"] and kind == "neighbourhood_conference" and area is not None:
        values["title"] = f"Stadtteilkonferenz {_short(area)}"
    if not values["title"]:
        errors["title"] = "Bitte geben Sie einen Titel an."
    starts_at, ends_at, time_errors = parse_schedule(values["date"], values["start_time"], values["end_time"])
    errors.update(time_errors)
    errors.update(_place_errors(values))
    errors.update(_text_errors(values))
    override = may_override_conflict(principal, area_key)
    if override and len(values["override_reason"]) > REASON_MAX:
        errors["override_reason"] = f"Die Begründung darf höchstens {REASON_MAX} Zeichen lang sein."
    bodies = selectable_bodies(principal, await _bodies(request), schedulable_area_keys(principal, areas))
    allowed_ids = {str(b["id"]) for b in bodies}
    body_ids = [b for b in values["body_ids"] if b in allowed_ids]
    if not body_ids and kind != "joint":
        body_ids = default_body_ids(kind, area_key, bodies)
    if kind == "joint" and len(body_ids) < 2:
        errors["body_ids"] = "Für eine gemeinsame Sitzung wählen Sie bitte mindestens zwei Gremien."
    elif not body_ids and "kind" not in errors and "social_area_key" not in errors:
        errors["body_ids"] = "Bitte wählen Sie das Gremium, das sich trifft."
    if errors:
        return await _schedule_page(request, principal, values, errors=errors, status_code=422)
    payload: JSON = {
        "kind": kind,
        "body_ids": body_ids,
        "social_area_key": area_key,
        "title": values["title"],
        "local_title": values["local_title"] or None,
        "purposes": values["purposes"],
        "format": values["format"],
        "starts_at": starts_at,
        "ends_at": ends_at,
        "timezone": BERLIN_NAME,
        "location": _location(values),
        "agenda": agenda_items(values["agenda"]),
        "description": values["description"],
        "public": values["public"],
        "override_reason": (values["override_reason"] or None) if override else None,
    }
    try:
        meeting = await invitations.schedule(payload, principal.username)
    except Rejected as refused:
        field = _refusal_field(refused, set(LABELS))
        if refused.status_code == 422 and field is not None:
            return await _schedule_page(request, principal, values, errors={field: refused.message}, status_code=422)
        return await _schedule_page(
            request,
            principal,
            values,
            refusal=refused.detail,
            conflicts=refused.conflicts,
            status_code=refused.status_code,
        )
    log.info("meeting scheduled", extra={"meeting": meeting.get("id"), "by": principal.username})
    return RedirectResponse(f"/sitzungen/{meeting['id']}?gespeichert=angelegt", status_code=303)


# --- the live conflict check (htmx fragment) -----------------------------------------------------------


@router.get("/sitzungen/konflikte")
async def conflict_check(request: Request, principal: Staff, invitations: Invitations) -> Response:
    """The political meetings that collide with the chosen date and time, as an HTML fragment."""
    q = request.query_params
    area_key = q.get("social_area_key", "")
    kind = q.get("kind", "")
    context: dict[str, Any] = {
        **HELPERS,
        "state": "incomplete",
        "conflicts": [],
        "kind": kind,
        "may_override": may_override_conflict(principal, area_key or None),
    }
    starts_at, ends_at, errors = parse_schedule(q.get("date", ""), q.get("start_time", ""), q.get("end_time", ""))
    if kind in CITY_KINDS:
        context["state"] = "city"
    elif not area_key:
        context["state"] = "incomplete"
    elif errors:
        context["state"] = "invalid" if q.get("date") and q.get("start_time") and q.get("end_time") else "incomplete"
        context["message"] = next(iter(errors.values()))
    else:
        try:
            context["conflicts"] = await invitations.conflicts(area_key, starts_at, ends_at, BERLIN_NAME)
            context["state"] = "checked"
        except (Refused, Unavailable) as exc:
            log.info("conflict check not possible", extra={"error": repr(exc)})
            context["state"] = "unavailable"
    return render(request, "meetings/_conflicts.html", context)


# --- one meeting ---------------------------------------------------------------------------------------


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


@router.get("/sitzungen/{meeting_id}")
async def meeting_page(request: Request, principal: Staff, meeting_id: str) -> Response:
    principal, meeting, area = await _readable_meeting(request, principal, meeting_id)
    return await _meeting_page(request, principal, meeting, area)


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


@router.post("/sitzungen/{meeting_id}/eingeladene")
async def add_invitee(request: Request, principal: Staff, invitations: Invitations, meeting_id: str) -> Response:
    principal, meeting, area = await _managed(request, principal, meeting_id)
    form = await request.form()
    person_id, reason = _str(form, "person_id"), _str(form, "reason")
    errors = {}
    if not person_id:
        errors["add-person"] = "Bitte wählen Sie die Person."
    if not reason:
        errors["add-reason"] = "Bitte geben Sie an, warum die Person eingeladen wird."
    elif len(reason) > REASON_MAX:
        errors["add-reason"] = f"Der Grund darf höchstens {REASON_MAX} Zeichen lang sein."
    if errors:
        return await _meeting_page(request, principal, meeting, area, errors=errors, status_code=422)
    call = invitations.add_invitee(str(meeting["id"]), uuid_or_404(person_id), reason, principal.username)
    fields = {"person_id": "add-person", "reason": "add-reason"}
    return await _act(request, principal, meeting, area, call, "eingeladen", "einladungsliste", fields=fields)


@router.post("/sitzungen/{meeting_id}/ausladen")
async def remove_invitee(request: Request, principal: Staff, invitations: Invitations, meeting_id: str) -> Response:
    principal, meeting, area = await _managed(request, principal, meeting_id)
    form = await request.form()
    person_id, reason = _str(form, "person_id"), _str(form, "reason")
    errors = {}
    if not person_id:
        errors["rm-person"] = "Bitte wählen Sie die Person."
    if not reason:
        errors["rm-reason"] = "Bitte geben Sie an, warum die Person nicht eingeladen wird."
    elif len(reason) > REASON_MAX:
        errors["rm-reason"] = f"Der Grund darf höchstens {REASON_MAX} Zeichen lang sein."
    if errors:
        return await _meeting_page(request, principal, meeting, area, errors=errors, status_code=422)
    call = invitations.remove_invitee(str(meeting["id"]), uuid_or_404(person_id), reason, principal.username)
    fields = {"person_id": "rm-person", "reason": "rm-reason"}
    return await _act(request, principal, meeting, area, call, "ausgeladen", "einladungsliste", fields=fields)


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


# --- public --------------------------------------------------------------------------------------------


async def next_conference(request: Request, area: SocialArea) -> JSON | None:
    """The next public Stadtteilkonferenz of a Sozialraum for its public page, prepared for display; None
    when there is none or the invitations service does not answer (the page works without it)."""
    try:
        meeting = await gateway_of(request).invitations.next_conference(area.key)
    except (Refused, Unavailable) as exc:
        log.info("next conference unavailable", extra={"social_area": area.key, "error": repr(exc)})
        return None
    if meeting is None:
        return None
    return {
        "title": str(meeting.get("display_title") or meeting.get("title") or "Stadtteilkonferenz"),
        "when": meeting_when(meeting.get("starts_at"), meeting.get("ends_at")),
        "place": location_text(meeting.get("location"), area.community_centre.name),
        "online_url": (meeting.get("location") or {}).get("online_url"),
        "agenda": [str(i) for i in meeting.get("agenda") or []],
        "description": str(meeting.get("description") or ""),
    }


@public_router.get("/ical/{key}.ics")
async def ical_feed(request: Request, invitations: Invitations, key: str) -> Response:
    """The public iCalendar feed of a Sozialraum's public meetings, from the invitations service."""
    text = "text/plain; charset=utf-8"
    unavailable = "Der Kalender ist gerade nicht erreichbar. Bitte versuchen Sie es später erneut."
    try:
        upstream = await invitations.ical(key)
    except Unavailable:
        return Response(unavailable, status_code=503, media_type=text)
    if upstream.status_code >= 500:
        return Response(unavailable, status_code=503, media_type=text)
    if upstream.status_code != 200:
        return Response("Diesen Kalender gibt es nicht.", status_code=404, media_type=text)
    return Response(
        upstream.content,
        media_type=upstream.headers.get("content-type", "text/calendar; charset=utf-8"),
        headers={
            "Content-Disposition": f'inline; filename="{key}.ics"' if key.replace("-", "").isalnum() else "inline",
            "Access-Control-Allow-Origin": "*",
        },
    )
