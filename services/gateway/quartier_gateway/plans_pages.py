"""The German pages of the Jahresplan cycle: the list of plans (``/jahresplaene``) and one plan with its
measures, hearings, needs and answers, and the actions the principal's role allows (``plans_rules.py``).

Every action is a POST with the session's CSRF token (checked by the middleware) and reaches planning with
``X-Quartier-Actor: <username>``. Planning's German refusals (409 a step out of order, 422 wrong input) are
shown on the page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from quartier_gateway.domain import Principal
from quartier_gateway.planning_client import JSON, PlanningClient, PlanRefused
from quartier_gateway.plans_rules import (
    ANSWER_NAMES,
    NEXT_STEPS,
    answer_text,
    event_name,
    german_date,
    may_edit_measures,
    may_read_plan,
    may_record_needs,
    open_counts,
    runs_cycle,
    state_name,
    visible_area_keys,
)
from quartier_gateway.registry import RegistryError, SocialArea
from quartier_gateway.web import Forbidden, gateway_of, render, require_staff, uuid_or_404

router = APIRouter(include_in_schema=False)

NOTICES = {
    "angelegt": "Der Jahresplan ist als Entwurf angelegt.",
    "massnahme": "Die Maßnahme ist gespeichert.",
    "present": "Der Plan ist vorgelegt. Die Anhörungen der Bezirksvertretungen sind geöffnet.",
    "bedarf": "Der Bedarf ist erfasst.",
    "antwort": "Die Antwort ist gespeichert.",
    "geschlossen": "Die Anhörung ist geschlossen.",
    "finalize": "Der Plan ist final.",
    "start": "Die Umsetzung hat begonnen.",
}
STEPS = {step: label for steps in NEXT_STEPS.values() for step, label in steps.items()}
MEASURE_LABELS = {
    "title": "Titel",
    "description": "Beschreibung",
    "field_of_action": "Handlungsfeld",
    "responsible_actor_id": "Verantwortlich",
    "starts_on": "Beginn",
    "ends_on": "Ende",
    "place": "Ort",
}


def planning_of(request: Request) -> PlanningClient:
    client: PlanningClient | None = getattr(request.app.state, "planning_client", None)
    if client is None:
        settings = gateway_of(request).settings
        client = PlanningClient(settings.planning_url, settings.upstream_timeout_seconds)
        request.app.state.planning_client = client
    return client


def _str(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _next_year() -> int:
    return dt.date.today().year + 1


async def _areas(request: Request) -> dict[str, SocialArea]:
    return {a.key: a for a in await gateway_of(request).registry.social_areas()}


def _district_keys(area: SocialArea | None) -> list[str]:
    return [d.key for d in area.districts] if area else []


async def _readable_plan(request: Request, plan_id: str) -> tuple[Principal, JSON, SocialArea | None]:
    principal = require_staff(request)
    plan = await planning_of(request).plan(uuid_or_404(plan_id))
    area = (await _areas(request)).get(plan["social_area_key"])
    if not may_read_plan(principal, plan["social_area_key"], _district_keys(area)):
        raise Forbidden()
    return principal, plan, area


@router.get("/jahresplaene")
async def plans_list(request: Request) -> Response:
    principal = require_staff(request)
    raw_year = request.query_params.get("jahr", "")
    year = int(raw_year) if raw_year.isdigit() else _next_year()
    areas = await _areas(request)
    keys = visible_area_keys(principal, {k: _district_keys(a) for k, a in areas.items()})
    plans = {p["social_area_key"]: p for p in await planning_of(request).plans(year=year)}
    rows = []
    for key in keys:
        plan = plans.get(key)
        hearings, needs = open_counts(plan) if plan else (0, 0)
        rows.append({"area": areas[key], "plan": plan, "open_hearings": hearings, "open_needs": needs})
    return render(
        request,
        "plans/list.html",
        {
            "title": f"Jahrespläne {year}",
            "year": year,
            "rows": rows,
            "state_name": state_name,
            "may_create": lambda key: runs_cycle(principal, key),
            "error": request.query_params.get("fehler"),
        },
    )


@router.post("/jahresplaene")
async def plan_create(request: Request) -> Response:
    principal = require_staff(request)
    form = await request.form()
    key = _str(form, "social_area_key")
    year_text = _str(form, "year")
    if not runs_cycle(principal, key) or not year_text.isdigit():
        raise Forbidden()
    try:
        plan = await planning_of(request).create(key, int(year_text), principal.username)
    except PlanRefused as refused:
        return RedirectResponse(f"/jahresplaene?jahr={year_text}&fehler={quote(refused.detail)}", status_code=303)
    return RedirectResponse(f"/jahresplaene/{plan['id']}?gespeichert=angelegt", status_code=303)


async def _measure_options(request: Request) -> tuple[list[str], list[tuple[str, str]]]:
    registry = gateway_of(request).registry
    vocab = await registry.vocabularies()
    actors = await registry.request("GET", "/api/v1/actors")
    fields = [str(f) for f in vocab.get("fields_of_action") or []]
    options = [(str(a["id"]), str(a["name"])) for a in actors or [] if isinstance(a, dict) and not a.get("withdrawn")]
    return fields, sorted(options, key=lambda o: o[1])


async def _plan_page(
    request: Request,
    principal: Principal,
    plan: JSON,
    area: SocialArea | None,
    *,
    refusal: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    measure_titles = {str(m["id"]): m["spec"]["title"] for m in plan.get("measures") or []}
    actor_names: dict[str, str] = {}
    fields: list[str] = []
    edit = may_edit_measures(principal, plan["social_area_key"], plan["state"])
    if plan.get("measures") or edit:
        fields, actors = await _measure_options(request)
        actor_names = dict(actors)
    hearings = []
    for h in plan.get("hearings") or []:
        needs = [n for n in plan.get("needs") or [] if n.get("district_key") == h["district_key"]]
        hearings.append(
            {
                **h,
                "needs": [{**n, "answer_text": answer_text(n.get("answer"), measure_titles)} for n in needs],
                "may_record": may_record_needs(principal, h, plan["state"]),
            }
        )
    return render(
        request,
        "plans/plan.html",
        {
            "title": f"Jahresplan {plan['year']} – {area.name if area else plan['social_area_key']}",
            "plan": plan,
            "area": area,
            "area_name": area.name if area else plan["social_area_key"],
            "state": state_name(plan["state"]),
            "hearings": hearings,
            "measure_titles": measure_titles,
            "actor_names": actor_names,
            "runs": runs_cycle(principal, plan["social_area_key"]),
            "edit": edit,
            "fields": fields,
            "actors": sorted(actor_names.items(), key=lambda o: o[1]),
            "answer_kinds": ANSWER_NAMES,
            "steps": NEXT_STEPS.get(plan["state"], {}),
            "de_date": german_date,
            "event_name": event_name,
            "refusal": refusal,
            "errors": errors or {},
            "labels": MEASURE_LABELS,
            "values": values or {},
            "notice": NOTICES.get(request.query_params.get("gespeichert", "")),
        },
        status_code=status_code,
    )


@router.get("/jahresplaene/{plan_id}")
async def plan_page(request: Request, plan_id: str) -> Response:
    principal, plan, area = await _readable_plan(request, plan_id)
    return await _plan_page(request, principal, plan, area)


def _measure_form(form: FormData, year: int) -> tuple[dict[str, str], dict[str, str], JSON]:
    values = {k: _str(form, k) for k in MEASURE_LABELS}
    errors: dict[str, str] = {}
    if not values["title"]:
        errors["title"] = "Bitte geben Sie einen Titel an."
    if not values["field_of_action"]:
        errors["field_of_action"] = "Bitte wählen Sie ein Handlungsfeld."
    if not values["responsible_actor_id"]:
        errors["responsible_actor_id"] = "Bitte wählen Sie, wer verantwortlich ist."
    dates: dict[str, dt.date] = {}
    for key in ("starts_on", "ends_on"):
        try:
            dates[key] = dt.date.fromisoformat(values[key])
        except ValueError:
            errors[key] = f"Bitte geben Sie das Datum als TT.MM.JJJJ im Jahr {year} an."
    if len(dates) == 2 and dates["ends_on"] < dates["starts_on"]:
        errors["ends_on"] = "Das Ende darf nicht vor dem Beginn liegen."
    place = values["place"]
    payload: JSON = {
        "title": values["title"],
        "description": values["description"],
        "field_of_action": values["field_of_action"],
        "responsible_actor_id": values["responsible_actor_id"],
        "starts_on": values["starts_on"],
        "ends_on": values["ends_on"],
        "at_community_centre": place == "zentrum",
        "residential_area_number": int(place) if place.isdigit() else None,
    }
    return values, errors, payload


def _error_field(detail: str) -> str | None:
    field = detail.split(":", 1)[0].strip() if ":" in detail else ""
    if field in MEASURE_LABELS:
        return field
    if field in ("period", "starts_on", "ends_on"):
        return "starts_on"
    return None


@router.post("/jahresplaene/{plan_id}/massnahmen")
async def measure_add(request: Request, plan_id: str) -> Response:
    principal, plan, area = await _readable_plan(request, plan_id)
    if not runs_cycle(principal, plan["social_area_key"]):
        raise Forbidden()
    values, errors, payload = _measure_form(await request.form(), int(plan["year"]))
    if not errors:
        try:
            await planning_of(request).add_measure(plan["id"], payload, principal.username)
        except PlanRefused as refused:
            message = refused.detail.split(":", 1)[1].strip() if ":" in refused.detail else refused.detail
            field = _error_field(refused.detail)
            if refused.status_code == 409 or field is None:
                return await _plan_page(request, principal, plan, area, refusal=refused.detail, status_code=409)
            errors[field] = message
        else:
            return RedirectResponse(f"/jahresplaene/{plan['id']}?gespeichert=massnahme#massnahmen", status_code=303)
    return await _plan_page(request, principal, plan, area, errors=errors, values=values, status_code=422)


async def _act(
    request: Request, plan: JSON, principal: Principal, area: SocialArea | None, call: Any, notice: str
) -> Response:
    try:
        await call
    except PlanRefused as refused:
        fresh = await planning_of(request).plan(plan["id"])
        return await _plan_page(
            request, principal, fresh, area, refusal=refused.detail, status_code=refused.status_code
        )
    return RedirectResponse(f"/jahresplaene/{plan['id']}?gespeichert={notice}", status_code=303)


@router.post("/jahresplaene/{plan_id}/schritt/{step}")
async def plan_step(request: Request, plan_id: str, step: str) -> Response:
    principal, plan, area = await _readable_plan(request, plan_id)
    if step not in STEPS:
        raise RegistryError(404, "Nicht gefunden.")
    if not runs_cycle(principal, plan["social_area_key"]):
        raise Forbidden()
    return await _act(
        request, plan, principal, area, planning_of(request).step(plan["id"], step, principal.username), step
    )


@router.post("/jahresplaene/{plan_id}/anhoerungen/{district_key}/bedarfe")
async def need_record(request: Request, plan_id: str, district_key: str) -> Response:
    principal, plan, area = await _readable_plan(request, plan_id)
    hearing = next((h for h in plan.get("hearings") or [] if h["district_key"] == district_key), None)
    if hearing is None or not may_record_needs(principal, hearing, plan["state"]):
        raise Forbidden()
    text = _str(await request.form(), "text")
    if not text:
        return await _plan_page(
            request,
            principal,
            plan,
            area,
            errors={f"need-{district_key}": "Bitte beschreiben Sie den Bedarf."},
            status_code=422,
        )
    call = planning_of(request).record_needs(plan["id"], district_key, [{"text": text}], principal.username)
    return await _act(request, plan, principal, area, call, "bedarf")


@router.post("/jahresplaene/{plan_id}/bedarfe/{need_id}/antwort")
async def need_answer(request: Request, plan_id: str, need_id: str) -> Response:
    principal, plan, area = await _readable_plan(request, plan_id)
    if not runs_cycle(principal, plan["social_area_key"]):
        raise Forbidden()
    form = await request.form()
    kind = _str(form, "kind")
    answer: JSON = {"kind": kind}
    if kind == "taken_into_plan":
        answer["measure_id"] = _str(form, "measure_id") or None
    elif kind == "forwarded":
        answer["forwarded_to"] = _str(form, "detail") or None
    else:
        answer["reason"] = _str(form, "detail") or None
    call = planning_of(request).answer_need(plan["id"], uuid_or_404(need_id), answer, principal.username)
    return await _act(request, plan, principal, area, call, "antwort")


@router.post("/jahresplaene/{plan_id}/anhoerungen/{district_key}/schliessen")
async def hearing_close(request: Request, plan_id: str, district_key: str) -> Response:
    principal, plan, area = await _readable_plan(request, plan_id)
    if not runs_cycle(principal, plan["social_area_key"]):
        raise Forbidden()
    call = planning_of(request).close_hearing(plan["id"], district_key, principal.username)
    return await _act(request, plan, principal, area, call, "geschlossen")
