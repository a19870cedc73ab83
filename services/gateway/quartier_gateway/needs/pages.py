"""The German pages of the needs (Bedarfe) raised outside a council hearing: the list (``/bedarfe``, filtered
by Sozialraum, status and source), a new need (``/bedarfe/neu``), one need with its history and the answers
of the area coordinator (``/bedarfe/{id}``), and its trace need → measure → mid-year review → evaluation
(``/bedarfe/{id}/spur``). Who may do what: ``needs/rules.py``.

Every action is a POST with the session's CSRF token (checked by the middleware) and reaches planning with
``X-Quartier-Actor: <username>``. Planning's German refusals (409 out of order, 422 wrong input) are shown.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from quartier_gateway.auth.domain import Principal
from quartier_gateway.clients.base import JSON, NotFound, Refused, Rejected
from quartier_gateway.clients.registry import SocialArea
from quartier_gateway.needs.rules import (
    FIELD_LABELS,
    SOURCE_NAMES,
    STATUS_NAMES,
    actions_for,
    allowed_sources,
    check_need_form,
    event_name,
    may_answer,
    may_raise_in,
    may_read_area,
    measure_choices,
    raisable_area_keys,
    readable_area_keys,
    source_name,
    split_choice,
    split_refusal,
    status_name,
    trace_steps,
)
from quartier_gateway.web.dependencies import Planning, Registry, Staff
from quartier_gateway.web.errors import Forbidden, uuid_or_404
from quartier_gateway.web.format import german_date, german_datetime
from quartier_gateway.web.state import gateway_of
from quartier_gateway.web.templates import render

router = APIRouter(include_in_schema=False)

NOTICES = {
    "erfasst": "Der Bedarf ist erfasst.",
    "take-into-plan": "Der Bedarf ist in den Plan aufgenommen.",
    "forward": "Der Bedarf ist weitergeleitet.",
    "decline": "Der Bedarf ist abgelehnt.",
    "reopen": "Der Bedarf ist wieder offen.",
}
# URL word → planning's command, and the form field the command needs.
COMMANDS: dict[str, tuple[str, str]] = {
    "aufnehmen": ("take-into-plan", "measure"),
    "weiterleiten": ("forward", "forwarded_to"),
    "ablehnen": ("decline", "decline_reason"),
    "wieder-oeffnen": ("reopen", "reopen_reason"),
}
MAX_LENGTHS = {"forwarded_to": 300, "decline_reason": 2000, "reopen_reason": 2000}
ACTION_LABELS = {
    "measure": "Maßnahme",
    "forwarded_to": "Weitergeleitet an",
    "decline_reason": "Begründung der Ablehnung",
    "reopen_reason": "Begründung für das Wiederöffnen",
}
MISSING = {
    "measure": "Bitte wählen Sie die Maßnahme, mit der der Bedarf aufgenommen wird.",
    "forwarded_to": "Bitte geben Sie an, an wen der Bedarf weitergeleitet wird.",
    "decline_reason": "Bitte begründen Sie die Ablehnung.",
    "reopen_reason": "Bitte begründen Sie, warum der Bedarf wieder geöffnet wird.",
}


def _str(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


async def _areas(request: Request) -> dict[str, SocialArea]:
    return {a.key: a for a in await gateway_of(request).registry.social_areas()}


def _districts(areas: dict[str, SocialArea]) -> dict[str, list[str]]:
    return {k: [d.key for d in a.districts] for k, a in areas.items()}


async def _actors(request: Request) -> list[tuple[str, str]]:
    """The registry's actors that are not withdrawn, as (id, name) sorted by name."""
    data = await gateway_of(request).registry.actors()
    actors = [(str(a["id"]), str(a["name"])) for a in data or [] if isinstance(a, dict) and not a.get("withdrawn")]
    return sorted(actors, key=lambda a: a[1])


async def _actor_names(request: Request) -> dict[str, str]:
    data = await gateway_of(request).registry.actors()
    return {str(a["id"]): str(a["name"]) for a in data or [] if isinstance(a, dict)}


# --- the list ------------------------------------------------------------------------------------------------


@router.get("/bedarfe")
async def needs_list(request: Request, principal: Staff, planning: Planning) -> Response:
    areas = await _areas(request)
    readable = readable_area_keys(principal, _districts(areas))
    query = request.query_params
    area_key = query.get("sozialraum", "")
    status = query.get("status", "")
    source = query.get("herkunft", "")
    if area_key and area_key not in readable:
        raise Forbidden()
    needs = await planning.needs(
        social_area_key=area_key or None,
        status=status if status in STATUS_NAMES else None,
        source=source if source in SOURCE_NAMES else None,
    )
    allowed = set(readable)
    rows = [n for n in needs if n.get("social_area_key") in allowed]
    rows.sort(key=lambda n: (str(n.get("raised_on", "")), str(n.get("title", ""))), reverse=True)
    return render(
        request,
        "needs/list.html",
        {
            "title": "Bedarfe",
            "rows": rows,
            "area_options": [(k, areas[k].name) for k in readable],
            "area_names": {k: a.name for k, a in areas.items()},
            "filters": {"sozialraum": area_key, "status": status, "herkunft": source},
            "statuses": STATUS_NAMES,
            "sources": SOURCE_NAMES,
            "status_name": status_name,
            "source_name": source_name,
            "de_date": german_date,
            "may_raise": bool(raisable_area_keys(principal, _districts(areas))),
        },
    )


# --- a new need ----------------------------------------------------------------------------------------------


async def _new_page(
    request: Request,
    principal: Principal,
    areas: dict[str, SocialArea],
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    keys = raisable_area_keys(principal, _districts(areas))
    vocab = await gateway_of(request).registry.vocabularies()
    values = values or {}
    if not values.get("social_area_key") and len(keys) == 1:
        values["social_area_key"] = keys[0]
    return render(
        request,
        "needs/new.html",
        {
            "title": "Bedarf erfassen",
            "areas": [areas[k] for k in keys],
            "area_options": [(k, areas[k].name) for k in keys],
            "fields": [str(f) for f in vocab.get("fields_of_action") or []],
            "sources": {s: SOURCE_NAMES[s] for s in allowed_sources(principal)},
            "actors": await _actors(request),
            "values": values,
            "errors": errors or {},
            "labels": FIELD_LABELS,
            "refusal": refusal,
            "today": dt.date.today().isoformat(),
        },
        status_code=status_code,
    )


def _may_raise_somewhere(principal: Principal, areas: dict[str, SocialArea]) -> None:
    if not raisable_area_keys(principal, _districts(areas)):
        raise Forbidden()


@router.get("/bedarfe/neu")
async def need_new(request: Request, principal: Staff) -> Response:
    areas = await _areas(request)
    _may_raise_somewhere(principal, areas)
    return await _new_page(
        request, principal, areas, values={"social_area_key": request.query_params.get("sozialraum", "")}
    )


@router.post("/bedarfe/neu")
async def need_create(request: Request, principal: Staff, registry: Registry, planning: Planning) -> Response:
    areas = await _areas(request)
    _may_raise_somewhere(principal, areas)
    form = await request.form()
    values = {k: _str(form, k) for k in FIELD_LABELS}
    key = values["social_area_key"]
    if key in areas and not may_raise_in(principal, key, _districts(areas)[key]):
        raise Forbidden()
    vocab = await registry.vocabularies()
    checked = check_need_form(
        values,
        principal,
        _districts(areas),
        {k: [r.number for r in a.residential_areas] for k, a in areas.items()},
        [str(f) for f in vocab.get("fields_of_action") or []],
        [a[0] for a in await _actors(request)],
        dt.date.today(),
    )
    errors = dict(checked.errors)
    if not errors:
        try:
            need = await planning.raise_need(checked.payload, principal.username)
        except Rejected as refused:
            field, message = split_refusal(refused.field, refused.message)
            if refused.status_code == 422 and field is not None:
                errors[field] = message
            else:
                return await _new_page(
                    request, principal, areas, values=checked.values, refusal=refused.detail, status_code=409
                )
        else:
            return RedirectResponse(f"/bedarfe/{need['id']}?gespeichert=erfasst", status_code=303)
    return await _new_page(request, principal, areas, values=checked.values, errors=errors, status_code=422)


# --- one need ------------------------------------------------------------------------------------------------


async def _readable_need(
    request: Request, principal: Principal, need_id: str
) -> tuple[Principal, JSON, SocialArea | None]:
    need = await gateway_of(request).planning.need(uuid_or_404(need_id))
    area = (await _areas(request)).get(str(need.get("social_area_key")))
    if not may_read_area(principal, str(need.get("social_area_key")), [d.key for d in area.districts] if area else []):
        raise Forbidden()
    return principal, need, area


async def _measure_choices(request: Request, social_area_key: str) -> list[tuple[str, str]]:
    planning = gateway_of(request).planning
    plans = [p for p in await planning.plans(social_area_key=social_area_key) if p.get("state") != "evaluated"]
    return measure_choices([await planning.plan(str(p["id"])) for p in plans])


def _area_name(need: JSON, area: SocialArea | None) -> str:
    return area.name if area else str(need.get("social_area_key", ""))


def _residential_names(area: SocialArea | None) -> dict[int, str]:
    return {r.number: r.name for r in area.residential_areas} if area else {}


async def _need_page(
    request: Request,
    principal: Principal,
    need: JSON,
    area: SocialArea | None,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    actions = actions_for(principal, need)
    names = await _actor_names(request)
    choices = await _measure_choices(request, str(need["social_area_key"])) if "take-into-plan" in actions else []
    measure_title = ""
    if need.get("plan_id") and need.get("measure_id"):
        try:
            plan = await gateway_of(request).planning.plan(str(need["plan_id"]))
        except Refused:
            plan = {}
        measure = next((m for m in plan.get("measures") or [] if str(m.get("id")) == str(need["measure_id"])), None)
        measure_title = (measure or {}).get("spec", {}).get("title", "") if measure else ""
        measure_title = f"Jahresplan {plan.get('year', '')} – {measure_title}" if measure_title else ""
    return render(
        request,
        "needs/need.html",
        {
            "title": f"Bedarf: {need.get('title', '')}",
            "need": need,
            "area_name": _area_name(need, area),
            "residential_names": _residential_names(area),
            "status": status_name(str(need.get("status", ""))),
            "source": source_name(str(need.get("source", ""))),
            "raised_by": names.get(str(need.get("raised_by")), str(need.get("raised_by", ""))),
            "forwarded_to": names.get(str(need.get("forwarded_to")), str(need.get("forwarded_to") or "")),
            "measure_title": measure_title,
            "history": need.get("history") or [],
            "actions": actions,
            "choices": choices,
            "errors": errors or {},
            "values": values or {},
            "labels": ACTION_LABELS,
            "refusal": refusal,
            "notice": NOTICES.get(request.query_params.get("gespeichert", "")),
            "de_date": german_date,
            "when": german_datetime,
            "event_name": event_name,
        },
        status_code=status_code,
    )


@router.get("/bedarfe/{need_id}")
async def need_page(request: Request, principal: Staff, need_id: str) -> Response:
    principal, need, area = await _readable_need(request, principal, need_id)
    return await _need_page(request, principal, need, area)


@router.post("/bedarfe/{need_id}/{action}")
async def need_command(request: Request, principal: Staff, planning: Planning, need_id: str, action: str) -> Response:
    if action not in COMMANDS:
        raise NotFound(404, "Nicht gefunden.")
    principal, need, area = await _readable_need(request, principal, need_id)
    command, field = COMMANDS[action]
    if not may_answer(principal, str(need.get("social_area_key", ""))):
        raise Forbidden()
    value = _str(await request.form(), field)
    if not value:
        return await _need_page(request, principal, need, area, errors={field: MISSING[field]}, status_code=422)
    limit = MAX_LENGTHS.get(field)
    if limit is not None and len(value) > limit:
        too_long = {field: f"Der Text ist zu lang (höchstens {limit} Zeichen)."}
        return await _need_page(request, principal, need, area, errors=too_long, values={field: value}, status_code=422)
    body: JSON
    if command == "take-into-plan":
        choice = split_choice(value)
        if choice is None:
            return await _need_page(request, principal, need, area, errors={field: MISSING[field]}, status_code=422)
        body = {"plan_id": choice[0], "measure_id": choice[1]}
    elif command == "forward":
        body = {"forwarded_to": value}
    else:
        body = {"reason": value}
    try:
        await planning.need_command(str(need["id"]), command, body, principal.username)
    except Rejected as refused:
        fresh = await planning.need(str(need["id"]))
        name, message = split_refusal(
            refused.field, refused.message, ("plan_id", "measure_id", "forwarded_to", "reason")
        )
        if refused.status_code == 422 and name is not None:
            return await _need_page(
                request, principal, fresh, area, errors={field: message}, values={field: value}, status_code=422
            )
        return await _need_page(
            request, principal, fresh, area, refusal=refused.detail, values={field: value}, status_code=409
        )
    return RedirectResponse(f"/bedarfe/{need['id']}?gespeichert={command}", status_code=303)


@router.get("/bedarfe/{need_id}/spur")
async def need_trace(request: Request, principal: Staff, planning: Planning, need_id: str) -> Response:
    _, need, area = await _readable_need(request, principal, need_id)
    trace = await planning.need_trace(str(need["id"]))
    plan_id = (trace.get("where") or {}).get("plan_id")
    plan: JSON | None = None
    if plan_id:
        try:
            plan = await planning.plan(str(plan_id))
        except Refused:
            plan = None
    steps = trace_steps(
        trace,
        need.get("history") or [],
        plan,
        area_name=_area_name(need, area),
        residential_names=_residential_names(area),
        actor_names=await _actor_names(request),
    )
    return render(
        request,
        "needs/trace.html",
        {
            "title": f"Spur des Bedarfs: {need.get('title', '')}",
            "need": need,
            "steps": steps,
            "status": status_name(str(need.get("status", ""))),
        },
    )
