"""Scheduling a meeting (``/sitzungen/neu``) with the live htmx check against the calendar of the Rat and
the Bezirksvertretungen (``/sitzungen/konflikte``)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from quartier_gateway.auth.domain import Principal
from quartier_gateway.clients.base import JSON, Refused, Rejected, Unavailable
from quartier_gateway.meetings.pages.shared import (
    HELPERS,
    LABELS,
    _areas,
    _bodies,
    _list,
    _location,
    _place_errors,
    _refusal_field,
    _short,
    _str,
    _text_errors,
)
from quartier_gateway.meetings.rules import (
    AREA_KINDS,
    CITY_KINDS,
    KIND_NAMES,
    PURPOSE_NAMES,
    REASON_MAX,
    agenda_items,
    default_body_ids,
    may_override_conflict,
    may_schedule,
    parse_schedule,
    schedulable_area_keys,
    schedulable_kinds,
    selectable_bodies,
)
from quartier_gateway.web.dependencies import Invitations, Staff
from quartier_gateway.web.errors import Forbidden
from quartier_gateway.web.format import BERLIN_NAME
from quartier_gateway.web.templates import render

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


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
