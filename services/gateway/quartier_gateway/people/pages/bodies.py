"""The bodies (Gremien, ``/gremien``) with their members: start and end a membership, the local title of a
Stadtteilkonferenz."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quartier_gateway.auth.domain import Principal
from quartier_gateway.clients.base import JSON, Gone, NotFound, Rejected
from quartier_gateway.people.pages.shared import (
    FORM_ERROR,
    MEMBERSHIP_FIELDS,
    MEMBERSHIP_LABELS,
    _area_names,
    _district_names,
    _notice,
    _page,
    _save,
    _split_memberships,
    _str,
    client_of,
    person_name,
    today,
)
from quartier_gateway.people.rules import (
    BODY_KINDS,
    MEMBERSHIP_ROLES,
    DateInvalid,
    can_manage_body,
    field_errors,
    parse_date,
    role_label,
)
from quartier_gateway.web.dependencies import Registry, Staff
from quartier_gateway.web.errors import NOT_FOUND_MESSAGE, Forbidden, uuid_or_404
from quartier_gateway.web.state import gateway_of

router = APIRouter(include_in_schema=False)


def body_context_name(body: JSON, area_names: dict[str, str], district_names: dict[str, str]) -> str:
    if body.get("social_area_key"):
        return str(area_names.get(body["social_area_key"], body["social_area_key"]))
    if body.get("district_key"):
        return f"Stadtbezirk {district_names.get(body['district_key'], body['district_key'])}"
    return "ganze Stadt"


def _current_members(body: JSON, day: dt.date) -> list[JSON]:
    current, _ = _split_memberships(list(body.get("members") or []), day)
    return current


@router.get("/gremien", response_class=HTMLResponse)
async def body_list(request: Request, _: Staff, registry: Registry) -> Response:
    bodies = await client_of(request).bodies()
    areas = await registry.social_areas()
    area_names, district_names = _area_names(areas), _district_names(areas)
    day = today()
    groups = []
    for kind, heading in BODY_KINDS.items():
        rows = []
        for b in sorted((b for b in bodies if b.get("kind") == kind), key=lambda b: str(b.get("display_name"))):
            members = [m for m in _current_members(b, day) if m.get("active")]
            chair = next((m for m in members if m.get("role") == "chair"), None)
            rows.append(
                {
                    "body": b,
                    "where": body_context_name(b, area_names, district_names),
                    "count": len(members),
                    "chair": person_name(chair) if chair else None,
                    "chair_label": role_label("chair", bool(chair and chair.get("is_district_mayor"))),
                }
            )
        if rows:
            groups.append({"kind": kind, "heading": heading, "rows": rows})
    return _page(request, "people/bodies.html", {"title": "Gremien", "groups": groups, "total": len(bodies)})


async def _body_context(
    request: Request,
    principal: Principal,
    body_id: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    end_errors: dict[str, str] | None = None,
    end_values: dict[str, str] | None = None,
    title_value: str | None = None,
    title_error: str | None = None,
) -> dict[str, Any]:
    client = client_of(request)
    body = await client.body(body_id)
    areas = await gateway_of(request).registry.social_areas()
    area_names, district_names = _area_names(areas), _district_names(areas)
    day = today()
    current, past = _split_memberships(list(body.get("members") or []), day)
    can_manage = can_manage_body(principal, str(body.get("kind")), body.get("social_area_key"))
    persons = await client.persons() if can_manage else []
    summary_errors = dict(errors or {})
    summary_labels = dict(MEMBERSHIP_LABELS, local_title="Örtlicher Titel")
    for mid, message in (end_errors or {}).items():
        if message:
            summary_errors[f"ende-{mid}"] = message
            summary_labels[f"ende-{mid}"] = "Ende der Mitgliedschaft"
    if title_error:
        summary_errors["local_title"] = title_error
    return {
        "summary_errors": summary_errors,
        "summary_labels": summary_labels,
        "persons_options": [
            (p["id"], f"{p.get('family_name')}, {p.get('given_name')}")
            for p in sorted(persons, key=lambda p: (str(p.get("family_name")), str(p.get("given_name"))))
        ],
        "title": body.get("display_name") or body.get("name"),
        "body": body,
        "kind_label": BODY_KINDS.get(str(body.get("kind")), ""),
        "where": body_context_name(body, area_names, district_names),
        "area_names": area_names,
        "current": current,
        "past": past,
        "can_manage": can_manage,
        "is_conference": body.get("kind") == "neighbourhood_conference",
        "is_district_council": body.get("kind") == "district_council",
        "person_name": person_name,
        "roles": MEMBERSHIP_ROLES,
        "labels": MEMBERSHIP_LABELS,
        "values": values or {"person_id": "", "role": "member", "starts_on": day.isoformat(), "ends_on": ""},
        "errors": errors or {},
        "end_errors": end_errors or {},
        "end_values": end_values or {},
        "today_iso": day.isoformat(),
        "title_value": (body.get("local_title") or "") if title_value is None else title_value,
        "title_error": title_error,
        "notice": _notice(request),
    }


@router.get("/gremien/{body_id}", response_class=HTMLResponse)
async def body_detail(request: Request, principal: Staff, body_id: str) -> Response:
    context = await _body_context(request, principal, uuid_or_404(body_id))
    return _page(request, "people/body.html", context)


async def _require_manager(request: Request, principal: Principal, body_id: str) -> tuple[Principal, JSON]:
    body = await client_of(request).body(body_id)
    if not can_manage_body(principal, str(body.get("kind")), body.get("social_area_key")):
        raise Forbidden()
    return principal, body


def _date_field(values: dict[str, str], key: str, errors: dict[str, str], required: bool) -> str | None:
    try:
        parsed = parse_date(values[key])
    except DateInvalid as exc:
        errors[key] = str(exc)
        return None
    if parsed is None:
        if required:
            errors[key] = "Bitte geben Sie ein Datum an (TT.MM.JJJJ)."
        return None
    return parsed.isoformat()


@router.post("/gremien/{body_id}/mitgliedschaften", response_class=HTMLResponse)
async def membership_start(request: Request, principal: Staff, body_id: str) -> Response:
    body_id = uuid_or_404(body_id)
    principal, _ = await _require_manager(request, principal, body_id)
    form = await request.form()
    values = {k: _str(form, k) for k in MEMBERSHIP_FIELDS}
    errors: dict[str, str] = {}
    try:
        uuid.UUID(values["person_id"])
    except ValueError:
        errors["person_id"] = "Bitte wählen Sie eine Person aus."
    if values["role"] not in MEMBERSHIP_ROLES:
        errors["role"] = "Bitte wählen Sie eine Rolle."
    starts_on = _date_field(values, "starts_on", errors, required=True)
    ends_on = _date_field(values, "ends_on", errors, required=False)
    if not errors:
        payload = {"person_id": values["person_id"], "role": values["role"], "starts_on": starts_on, "ends_on": ends_on}
        try:
            await client_of(request).start_membership(body_id, payload, principal.username)
        except Rejected as refused:
            if refused.status_code != 422:
                raise
            errors = field_errors(refused.errors, refused.detail, MEMBERSHIP_FIELDS, FORM_ERROR)
        except Gone as gone:
            errors = {"person_id": gone.detail}
        else:
            return RedirectResponse(f"/gremien/{body_id}?gespeichert=mitgliedschaft#mitglieder", status_code=303)
    context = await _body_context(request, principal, body_id, values=values, errors=errors)
    return _page(request, "people/body.html", context, status_code=422)


@router.post("/gremien/{body_id}/mitgliedschaften/{membership_id}/beenden", response_class=HTMLResponse)
async def membership_end(request: Request, principal: Staff, body_id: str, membership_id: str) -> Response:
    body_id = uuid_or_404(body_id)
    membership_id = uuid_or_404(membership_id)
    principal, body = await _require_manager(request, principal, body_id)
    if not any(m.get("membership_id") == membership_id for m in body.get("members") or []):
        raise NotFound(404, NOT_FOUND_MESSAGE)
    form = await request.form()
    raw = {"ends_on": _str(form, "ends_on")}
    errors: dict[str, str] = {}
    ends_on = _date_field(raw, "ends_on", errors, required=True)
    if ends_on is not None:
        _, refused = await _save(
            client_of(request).end_membership(membership_id, ends_on, principal.username),
            {"ends_on": "ends_on"},
            "ends_on",
        )
        if refused is None:
            return RedirectResponse(f"/gremien/{body_id}?gespeichert=beendet#mitglieder", status_code=303)
        errors = refused
    context = await _body_context(
        request,
        principal,
        body_id,
        end_errors={membership_id: errors.get("ends_on") or next(iter(errors.values()), "")},
        end_values={membership_id: raw["ends_on"]},
    )
    return _page(request, "people/body.html", context, status_code=422)


@router.post("/gremien/{body_id}/ortstitel", response_class=HTMLResponse)
async def body_local_title(request: Request, principal: Staff, body_id: str) -> Response:
    body_id = uuid_or_404(body_id)
    principal, body = await _require_manager(request, principal, body_id)
    if body.get("kind") != "neighbourhood_conference":
        raise Forbidden()
    form = await request.form()
    title = " ".join(_str(form, "local_title").split())
    _, refused = await _save(
        client_of(request).set_local_title(body_id, title or None, principal.username),
        {"local_title": "local_title"},
        "local_title",
    )
    if refused is not None:
        context = await _body_context(
            request,
            principal,
            body_id,
            title_value=title,
            title_error=next(iter(refused.values()), "Ungültige Angabe."),
        )
        return _page(request, "people/body.html", context, status_code=422)
    return RedirectResponse(f"/gremien/{body_id}?gespeichert=titel#ortstitel", status_code=303)
