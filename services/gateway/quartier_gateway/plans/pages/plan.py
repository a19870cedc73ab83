"""The German pages of the Jahresplan cycle: the list of plans (``/jahresplaene``) with their deadlines, one
plan with its measures (all fields), hearings, needs and answers, deadlines and history, the change and
removal of a measure, the mid-year review, the evaluation, the carry-over, the comparison of two versions
and the trace of a council need, with the actions the principal's role allows (``plans_rules.py``).

Every action is a POST with the session's CSRF token (checked by the middleware) and reaches planning with
``X-Quartier-Actor: <username>``. Planning's German refusals (409 a step out of order or a stale version,
422 wrong input) are shown on the page, next to the field where planning names one, with the input kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from quartier_gateway.agreements.rules import (
    agreement_label,
)
from quartier_gateway.auth.domain import Principal
from quartier_gateway.clients.base import JSON, NotFound, Refused, Rejected, Unavailable
from quartier_gateway.clients.planning import PlanningClient
from quartier_gateway.clients.registry import SocialArea
from quartier_gateway.plans.rules import (
    ANSWER_NAMES,
    FIELD_NAMES,
    MEASURE_LABELS,
    NEED_STATUS_NAMES,
    NEXT_STEPS,
    OUTCOMES,
    REVIEW_DECISIONS,
    REVIEW_NAMES,
    active_measures,
    answer_text,
    comparison_rows,
    deadline_view,
    display_value,
    event_name,
    field_label,
    fixed_actor,
    hearing_state,
    may_carry_over,
    may_change_measure,
    may_edit_measures,
    may_evaluate,
    may_read_plan,
    may_record_needs,
    may_review,
    measure_values,
    open_counts,
    parse_evaluation_form,
    parse_measure_form,
    parse_review_form,
    refusal_field,
    runs_cycle,
    state_name,
    versions_of,
    visible_area_keys,
)
from quartier_gateway.social_data.pages import social_data_panel
from quartier_gateway.web.dependencies import Planning, Staff
from quartier_gateway.web.errors import Forbidden, uuid_or_404
from quartier_gateway.web.format import german_date
from quartier_gateway.web.state import gateway_of
from quartier_gateway.web.templates import render

router = APIRouter(include_in_schema=False)

NOTICES = {
    "angelegt": "Der Jahresplan ist als Entwurf angelegt.",
    "massnahme": "Die Maßnahme ist gespeichert.",
    "geaendert": "Die Maßnahme ist geändert.",
    "entfernt": "Die Maßnahme ist entfernt.",
    "present": "Der Plan ist vorgelegt. Die Anhörungen der Bezirksvertretungen sind geöffnet.",
    "bedarf": "Der Bedarf ist erfasst.",
    "antwort": "Die Antwort ist gespeichert.",
    "geschlossen": "Die Anhörung ist geschlossen.",
    "finalize": "Der Plan ist final.",
    "start": "Die Umsetzung hat begonnen.",
    "bilanz": "Die Halbjahresbilanz ist gespeichert.",
    "auswertung": "Die Auswertung ist gespeichert.",
    "uebertragen": "Die offenen Maßnahmen sind in diesen Entwurf übertragen.",
}
STEPS = {step: label for steps in NEXT_STEPS.values() for step, label in steps.items()}
MAX_NEW_BLOCKS = 5
OFFERS_LIMIT = 200


def _str(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _lists(form: FormData) -> dict[str, list[str]]:
    """The submitted form as name → every value (checkboxes and multi-selects send several)."""
    return {key: [v for v in form.getlist(key) if isinstance(v, str)] for key in form.keys()}


def _next_year() -> int:
    return dt.date.today().year + 1


async def _areas(request: Request) -> dict[str, SocialArea]:
    return {a.key: a for a in await gateway_of(request).registry.social_areas()}


def _district_keys(area: SocialArea | None) -> list[str]:
    return [d.key for d in area.districts] if area else []


async def _readable_plan(
    request: Request, principal: Principal, plan_id: str
) -> tuple[Principal, JSON, SocialArea | None]:
    plan = await gateway_of(request).planning.plan(uuid_or_404(plan_id))
    area = (await _areas(request)).get(plan["social_area_key"])
    if not may_read_plan(principal, plan["social_area_key"], _district_keys(area)):
        raise Forbidden()
    return principal, plan, area


@router.get("/jahresplaene")
async def plans_list(request: Request, principal: Staff, planning: Planning) -> Response:
    raw_year = request.query_params.get("jahr", "")
    year = int(raw_year) if raw_year.isdigit() else _next_year()
    areas = await _areas(request)
    keys = visible_area_keys(principal, {k: _district_keys(a) for k, a in areas.items()})
    plans = {p["social_area_key"]: p for p in await planning.plans(year=year)}
    try:
        board = {str(d.get("social_area_key")): d for d in await planning.deadlines_board(year)}
    except Refused:
        board = {}
    rows = []
    for key in keys:
        plan = plans.get(key)
        hearings, needs = open_counts(plan) if plan else (0, 0)
        rows.append(
            {
                "area": areas[key],
                "plan": plan,
                "open_hearings": hearings,
                "open_needs": needs,
                "deadline": deadline_view(board.get(key)) if plan else None,
            }
        )
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
async def plan_create(request: Request, principal: Staff, planning: Planning) -> Response:
    form = await request.form()
    key = _str(form, "social_area_key")
    year_text = _str(form, "year")
    if not runs_cycle(principal, key) or not year_text.isdigit():
        raise Forbidden()
    try:
        plan = await planning.create(key, int(year_text), principal.username)
    except Rejected as refused:
        return RedirectResponse(f"/jahresplaene?jahr={year_text}&fehler={quote(refused.detail)}", status_code=303)
    return RedirectResponse(f"/jahresplaene/{plan['id']}?gespeichert=angelegt", status_code=303)


# --- what the measure forms and tables need ------------------------------------------------------------


@dataclass
class MeasureOptions:
    """The choices of the measure form and the names the measure table shows instead of ids."""

    fields: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    strategic_goals: list[str] = field(default_factory=list)
    goals: list[tuple[str, str]] = field(default_factory=list)  # planning's steering goals (id, title)
    actors: list[tuple[str, str]] = field(default_factory=list)  # active actors (id, name)
    offers: list[tuple[str, str]] = field(default_factory=list)  # the Sozialraum's offers (id, title)
    names: dict[str, str] = field(default_factory=dict)  # every id → its name (actors, offers, goals)
    actor_names: dict[str, str] = field(default_factory=dict)
    offer_names: dict[str, str] = field(default_factory=dict)
    goal_titles: dict[str, str] = field(default_factory=dict)


async def _options(request: Request, plan: JSON) -> MeasureOptions:
    registry = gateway_of(request).registry
    vocab = await registry.vocabularies()
    actors = await registry.actors()
    opts = MeasureOptions(
        fields=[str(f) for f in vocab.get("fields_of_action") or []],
        themes=[str(t) for t in vocab.get("cross_cutting_themes") or []],
        strategic_goals=[str(g) for g in vocab.get("strategic_goals") or []],
    )
    for a in actors or []:
        if isinstance(a, dict):
            opts.actor_names[str(a["id"])] = str(a["name"])
            if not a.get("withdrawn"):
                opts.actors.append((str(a["id"]), str(a["name"])))
    opts.actors.sort(key=lambda o: o[1])
    try:
        page = await gateway_of(request).registry.offers.list_offers(
            social_area_key=plan["social_area_key"], limit=OFFERS_LIMIT
        )
        items = [o for o in page.get("items") or [] if isinstance(o, dict)]
    except Refused:
        items = []
    for o in items:
        opts.offer_names[str(o["id"])] = str(o.get("title") or o["id"])
        if o.get("status", "active") == "active":
            opts.offers.append((str(o["id"]), str(o.get("title") or o["id"])))
    opts.offers.sort(key=lambda o: o[1])
    try:
        goals = await gateway_of(request).planning.steering_goals(year=int(plan["year"]))
    except (Refused, Unavailable):
        goals = []
    for g in goals:
        opts.goal_titles[str(g["id"])] = str(g.get("title") or g["id"])
        if not g.get("retired"):
            opts.goals.append((str(g["id"]), str(g.get("title") or g["id"])))
    opts.names = {**opts.actor_names, **opts.offer_names, **opts.goal_titles}
    return opts


def _measure_view(measure: JSON, plan: JSON, opts: MeasureOptions, principal: Principal) -> JSON:
    """One measure for the page: its fields with names instead of ids, and what the principal may do."""
    spec = measure.get("spec") or {}
    carried = bool(measure.get("carried_from"))
    return {
        "id": measure["id"],
        "spec": spec,
        "responsible": opts.actor_names.get(str(spec.get("responsible_actor_id")), "unbekannt"),
        "partners": [opts.actor_names.get(str(a), "unbekannt") for a in spec.get("partner_actor_ids") or []],
        "offers": [
            opts.offer_names.get(str(o), "Angebot (nicht im Verzeichnis des Sozialraums)")
            for o in spec.get("offer_ids") or []
        ],
        "steering_goals": [opts.goal_titles.get(str(g), "Steuerungsziel") for g in spec.get("steering_goal_ids") or []],
        "carried_from_year": int(plan["year"]) - 1 if carried else None,
        "review": REVIEW_NAMES.get(str(measure.get("review") or ""), None),
        "review_reason": measure.get("review_reason"),
        "outcome": OUTCOMES.get(str(measure.get("outcome") or ""), None),
        "indicators_reached": measure.get("indicators_reached") or [],
        "lessons": measure.get("lessons"),
        "may_change": may_change_measure(
            principal, plan["social_area_key"], plan["state"], spec.get("responsible_actor_id")
        ),
    }


async def _deadlines(request: Request, plan_id: str) -> Any:
    try:
        return deadline_view(await gateway_of(request).planning.plan_deadlines(plan_id))
    except Refused:
        return None


async def _plan_page(
    request: Request,
    principal: Principal,
    plan: JSON,
    area: SocialArea | None,
    *,
    refusal: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    measure_titles = {str(m["id"]): m["spec"]["title"] for m in plan.get("measures") or []}
    edit = may_edit_measures(principal, plan["social_area_key"], plan["state"])
    opts = await _options(request, plan) if plan.get("measures") or edit else MeasureOptions()
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
    own_actor = fixed_actor(principal, plan["social_area_key"])
    form_values = values or {"responsible_actor_id": own_actor or ""}
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
            "measures": [_measure_view(m, plan, opts, principal) for m in plan.get("measures") or []],
            "measure_titles": measure_titles,
            "runs": runs_cycle(principal, plan["social_area_key"]),
            "edit": edit,
            "opts": opts,
            "own_actor": own_actor,
            "own_actor_name": opts.actor_names.get(own_actor or "", "Ihre Organisation"),
            "answer_kinds": ANSWER_NAMES,
            "steps": NEXT_STEPS.get(plan["state"], {}),
            "may_review": may_review(principal, plan["social_area_key"], plan["state"]),
            "may_evaluate": may_evaluate(principal, plan["social_area_key"], plan["state"]),
            "may_carry_over": may_carry_over(principal, plan),
            "deadline": await _deadlines(request, plan["id"]),
            "social_data": await social_data_panel(request, plan["social_area_key"]),
            "versions": versions_of(plan),
            "de_date": german_date,
            "event_name": event_name,
            "refusal": refusal,
            "errors": errors or {},
            "labels": MEASURE_LABELS,
            "values": form_values,
            "notice": NOTICES.get(request.query_params.get("gespeichert", "")),
            # the target agreements (Zielvereinbarungen) of the area and year a new measure may point to
            "agreement_options": (
                await _agreement_choices(gateway_of(request).planning, plan["social_area_key"], int(plan["year"]))
                if edit
                else []
            ),
        },
        status_code=status_code,
    )


@router.get("/jahresplaene/{plan_id}")
async def plan_page(request: Request, principal: Staff, plan_id: str) -> Response:
    principal, plan, area = await _readable_plan(request, principal, plan_id)
    return await _plan_page(request, principal, plan, area)


async def _agreement_choices(planning: PlanningClient, social_area_key: str, year: int) -> list[tuple[str, str]]:
    """The agreements a measure of this Sozialraum's plan for the year may point to: (id, label)."""
    try:
        found = await planning.agreements(year=year, social_area_key=social_area_key)
    except (Refused, Unavailable):
        return []
    return [(str(a["id"]), agreement_label(a)) for a in found]


def _refused_input(refused: Rejected, errors: dict[str, str], prefix: str = "") -> str | None:
    """A 422 naming a field of the form goes next to that field; anything else is the page's refusal."""
    if refused.status_code == 422:
        field_id, message = refusal_field(refused.field, refused.message, prefix)
        if field_id is not None:
            errors[field_id] = message
            return None
    return refused.detail


@router.post("/jahresplaene/{plan_id}/massnahmen")
async def measure_add(request: Request, principal: Staff, planning: Planning, plan_id: str) -> Response:
    principal, plan, area = await _readable_plan(request, principal, plan_id)
    if not may_edit_measures(principal, plan["social_area_key"], plan["state"]):
        raise Forbidden()
    own = fixed_actor(principal, plan["social_area_key"])
    form = await request.form()
    parsed = parse_measure_form(_lists(form), int(plan["year"]), actor_id=own)
    # optional: the target agreement (Zielvereinbarung) the measure fulfils; planning checks area and year
    parsed.payload["agreement_id"] = parsed.values["agreement_id"] = _str(form, "agreement_id") or None
    refusal: str | None = None
    status = 422
    if not parsed.errors:
        try:
            await planning.add_measure(plan["id"], parsed.payload, principal.username)
        except Rejected as refused:
            refusal = _refused_input(refused, parsed.errors)
            status = refused.status_code
        else:
            return RedirectResponse(f"/jahresplaene/{plan['id']}?gespeichert=massnahme#massnahmen", status_code=303)
    return await _plan_page(
        request, principal, plan, area, refusal=refusal, errors=parsed.errors, values=parsed.values, status_code=status
    )


# --- change and remove one measure ---------------------------------------------------------------------


async def _changeable_measure(
    request: Request, principal: Principal, plan_id: str, measure_id: str
) -> tuple[Principal, JSON, SocialArea | None, JSON]:
    principal, plan, area = await _readable_plan(request, principal, plan_id)
    mid = uuid_or_404(measure_id)
    measure = next((m for m in plan.get("measures") or [] if str(m["id"]) == mid), None)
    if measure is None:
        raise NotFound(404, "Diese Maßnahme gibt es in diesem Plan nicht.")
    responsible = (measure.get("spec") or {}).get("responsible_actor_id")
    if not may_change_measure(principal, plan["social_area_key"], plan["state"], responsible):
        raise Forbidden()
    return principal, plan, area, measure


async def _measure_page(
    request: Request,
    principal: Principal,
    plan: JSON,
    area: SocialArea | None,
    measure: JSON,
    *,
    version: int,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    opts = await _options(request, plan)
    own = fixed_actor(principal, plan["social_area_key"])
    return render(
        request,
        "plans/measure.html",
        {
            "title": f"Maßnahme ändern – {measure['spec']['title']}",
            "plan": plan,
            "area": area,
            "area_name": area.name if area else plan["social_area_key"],
            "measure": measure,
            "version": version,
            "values": values,
            "errors": errors or {},
            "refusal": refusal,
            "labels": MEASURE_LABELS,
            "opts": opts,
            "own_actor": own,
            "own_actor_name": opts.actor_names.get(own or "", "Ihre Organisation"),
        },
        status_code=status_code,
    )


def _version(form: FormData, plan: JSON) -> int:
    text = _str(form, "version")
    return int(text) if text.isdigit() else int(plan.get("version") or 0)


@router.get("/jahresplaene/{plan_id}/massnahmen/{measure_id}")
async def measure_edit_page(request: Request, principal: Staff, plan_id: str, measure_id: str) -> Response:
    principal, plan, area, measure = await _changeable_measure(request, principal, plan_id, measure_id)
    values = measure_values(measure.get("spec") or {})
    return await _measure_page(
        request, principal, plan, area, measure, version=int(plan.get("version") or 0), values=values
    )


@router.post("/jahresplaene/{plan_id}/massnahmen/{measure_id}")
async def measure_change(
    request: Request, principal: Staff, planning: Planning, plan_id: str, measure_id: str
) -> Response:
    principal, plan, area, measure = await _changeable_measure(request, principal, plan_id, measure_id)
    form = await request.form()
    version = _version(form, plan)
    own = fixed_actor(principal, plan["social_area_key"])
    parsed = parse_measure_form(_lists(form), int(plan["year"]), actor_id=own)
    # the change form has no agreement select: the measure keeps the target agreement it points to
    parsed.payload["agreement_id"] = (measure.get("spec") or {}).get("agreement_id")
    refusal: str | None = None
    status = 422
    if not parsed.errors:
        try:
            await planning.change_measure(plan["id"], str(measure["id"]), parsed.payload, version, principal.username)
        except Rejected as refused:
            refusal = _refused_input(refused, parsed.errors)
            status = refused.status_code
        else:
            return RedirectResponse(f"/jahresplaene/{plan['id']}?gespeichert=geaendert#massnahmen", status_code=303)
    return await _measure_page(
        request,
        principal,
        plan,
        area,
        measure,
        version=version,
        values=parsed.values,
        errors=parsed.errors,
        refusal=refusal,
        status_code=status,
    )


@router.get("/jahresplaene/{plan_id}/massnahmen/{measure_id}/entfernen")
async def measure_remove_page(request: Request, principal: Staff, plan_id: str, measure_id: str) -> Response:
    _, plan, area, measure = await _changeable_measure(request, principal, plan_id, measure_id)
    return _remove_page(request, plan, area, measure, int(plan.get("version") or 0))


def _remove_page(
    request: Request,
    plan: JSON,
    area: SocialArea | None,
    measure: JSON,
    version: int,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "plans/remove.html",
        {
            "title": f"Maßnahme entfernen – {measure['spec']['title']}",
            "plan": plan,
            "area_name": area.name if area else plan["social_area_key"],
            "measure": measure,
            "version": version,
            "refusal": refusal,
        },
        status_code=status_code,
    )


@router.post("/jahresplaene/{plan_id}/massnahmen/{measure_id}/entfernen")
async def measure_remove(
    request: Request, principal: Staff, planning: Planning, plan_id: str, measure_id: str
) -> Response:
    principal, plan, area, measure = await _changeable_measure(request, principal, plan_id, measure_id)
    version = _version(await request.form(), plan)
    try:
        await planning.remove_measure(plan["id"], str(measure["id"]), version, principal.username)
    except Rejected as refused:
        return _remove_page(request, plan, area, measure, version, refused.detail, refused.status_code)
    return RedirectResponse(f"/jahresplaene/{plan['id']}?gespeichert=entfernt#massnahmen", status_code=303)


# --- the steps of the cycle ------------------------------------------------------------------------------


async def _act(
    request: Request, plan: JSON, principal: Principal, area: SocialArea | None, call: Any, notice: str
) -> Response:
    try:
        await call
    except Rejected as refused:
        fresh = await gateway_of(request).planning.plan(plan["id"])
        return await _plan_page(
            request, principal, fresh, area, refusal=refused.detail, status_code=refused.status_code
        )
    return RedirectResponse(f"/jahresplaene/{plan['id']}?gespeichert={notice}", status_code=303)


@router.post("/jahresplaene/{plan_id}/schritt/{step}")
async def plan_step(request: Request, principal: Staff, planning: Planning, plan_id: str, step: str) -> Response:
    principal, plan, area = await _readable_plan(request, principal, plan_id)
    if step not in STEPS:
        raise NotFound(404, "Nicht gefunden.")
    if not runs_cycle(principal, plan["social_area_key"]):
        raise Forbidden()
    return await _act(request, plan, principal, area, planning.step(plan["id"], step, principal.username), step)


@router.post("/jahresplaene/{plan_id}/anhoerungen/{district_key}/bedarfe")
async def need_record(
    request: Request, principal: Staff, planning: Planning, plan_id: str, district_key: str
) -> Response:
    principal, plan, area = await _readable_plan(request, principal, plan_id)
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
    call = planning.record_needs(plan["id"], district_key, [{"text": text}], principal.username)
    return await _act(request, plan, principal, area, call, "bedarf")


@router.post("/jahresplaene/{plan_id}/bedarfe/{need_id}/antwort")
async def need_answer(request: Request, principal: Staff, planning: Planning, plan_id: str, need_id: str) -> Response:
    principal, plan, area = await _readable_plan(request, principal, plan_id)
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
    call = planning.answer_need(plan["id"], uuid_or_404(need_id), answer, principal.username)
    return await _act(request, plan, principal, area, call, "antwort")


@router.post("/jahresplaene/{plan_id}/anhoerungen/{district_key}/schliessen")
async def hearing_close(
    request: Request, principal: Staff, planning: Planning, plan_id: str, district_key: str
) -> Response:
    principal, plan, area = await _readable_plan(request, principal, plan_id)
    if not runs_cycle(principal, plan["social_area_key"]):
        raise Forbidden()
    call = planning.close_hearing(plan["id"], district_key, principal.username)
    return await _act(request, plan, principal, area, call, "geschlossen")


# --- mid-year review, evaluation, carry-over -----------------------------------------------------------


def _prefix_labels(plan: JSON, measures: Sequence[Mapping[str, Any]], new_blocks: int = 0) -> dict[str, str]:
    labels = {f"m{i}-": f"„{m['spec']['title']}“" for i, m in enumerate(measures, start=1)}
    labels.update({f"neu{i}-": f"Neue Maßnahme {i}" for i in range(1, new_blocks + 1)})
    return labels


async def _review_page(
    request: Request,
    plan: JSON,
    area: SocialArea | None,
    *,
    values: dict[str, Any],
    new_blocks: int,
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    measures = list(plan.get("measures") or [])
    errors = errors or {}
    return render(
        request,
        "plans/review.html",
        {
            "title": f"Halbjahresbilanz {plan['year']} – {area.name if area else plan['social_area_key']}",
            "plan": plan,
            "area": area,
            "area_name": area.name if area else plan["social_area_key"],
            "measures": measures,
            "values": values,
            "new_blocks": new_blocks,
            "max_new_blocks": MAX_NEW_BLOCKS,
            "errors": errors,
            "error_labels": {k: field_label(k, _prefix_labels(plan, measures, new_blocks)) for k in errors},
            "refusal": refusal,
            "decisions": REVIEW_DECISIONS,
            "labels": MEASURE_LABELS,
            "opts": await _options(request, plan),
            "own_actor": None,
            "de_date": german_date,
        },
        status_code=status_code,
    )


async def _reviewable(
    request: Request, principal: Principal, plan_id: str
) -> tuple[Principal, JSON, SocialArea | None]:
    principal, plan, area = await _readable_plan(request, principal, plan_id)
    if not may_review(principal, plan["social_area_key"], plan["state"]):
        raise Forbidden()
    return principal, plan, area


@router.get("/jahresplaene/{plan_id}/halbjahresbilanz")
async def review_page(request: Request, principal: Staff, plan_id: str) -> Response:
    _, plan, area = await _reviewable(request, principal, plan_id)
    values = {f"m{i}-measure": measure_values(m["spec"]) for i, m in enumerate(plan.get("measures") or [], start=1)}
    return await _review_page(request, plan, area, values=values, new_blocks=1)


@router.post("/jahresplaene/{plan_id}/halbjahresbilanz")
async def review_submit(request: Request, principal: Staff, planning: Planning, plan_id: str) -> Response:
    principal, plan, area = await _reviewable(request, principal, plan_id)
    form = await request.form()
    blocks_text = _str(form, "neue")
    new_blocks = min(int(blocks_text), MAX_NEW_BLOCKS) if blocks_text.isdigit() else 1
    parsed = parse_review_form(_lists(form), list(plan.get("measures") or []), int(plan["year"]), new_blocks)
    if _str(form, "aktion") == "weitere":
        blocks = min(new_blocks + 1, MAX_NEW_BLOCKS)
        return await _review_page(request, plan, area, values=parsed.values, new_blocks=blocks)
    refusal: str | None = None
    status = 422
    if not parsed.errors:
        try:
            await planning.mid_year_review(plan["id"], parsed.entries, principal.username)
        except Rejected as refused:
            refusal, status = refused.detail, refused.status_code
        else:
            return RedirectResponse(f"/jahresplaene/{plan['id']}?gespeichert=bilanz#massnahmen", status_code=303)
    return await _review_page(
        request,
        plan,
        area,
        values=parsed.values,
        new_blocks=new_blocks,
        errors=parsed.errors,
        refusal=refusal,
        status_code=status,
    )


async def _evaluation_page(
    request: Request,
    plan: JSON,
    area: SocialArea | None,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    measures = active_measures(plan)
    errors = errors or {}
    return render(
        request,
        "plans/evaluation.html",
        {
            "title": f"Auswertung {plan['year']} – {area.name if area else plan['social_area_key']}",
            "plan": plan,
            "area_name": area.name if area else plan["social_area_key"],
            "measures": measures,
            "values": values,
            "errors": errors,
            "error_labels": {k: field_label(k, _prefix_labels(plan, measures)) for k in errors},
            "refusal": refusal,
            "outcomes": OUTCOMES,
            "review_names": REVIEW_NAMES,
        },
        status_code=status_code,
    )


async def _evaluable(request: Request, principal: Principal, plan_id: str) -> tuple[Principal, JSON, SocialArea | None]:
    principal, plan, area = await _readable_plan(request, principal, plan_id)
    if not may_evaluate(principal, plan["social_area_key"], plan["state"]):
        raise Forbidden()
    return principal, plan, area


@router.get("/jahresplaene/{plan_id}/auswertung")
async def evaluation_page(request: Request, principal: Staff, plan_id: str) -> Response:
    _, plan, area = await _evaluable(request, principal, plan_id)
    return await _evaluation_page(request, plan, area, values={})


@router.post("/jahresplaene/{plan_id}/auswertung")
async def evaluation_submit(request: Request, principal: Staff, planning: Planning, plan_id: str) -> Response:
    principal, plan, area = await _evaluable(request, principal, plan_id)
    parsed = parse_evaluation_form(_lists(await request.form()), active_measures(plan))
    refusal: str | None = None
    status = 422
    if not parsed.errors:
        try:
            await planning.evaluate(plan["id"], parsed.entries, principal.username)
        except Rejected as refused:
            refusal, status = refused.detail, refused.status_code
        else:
            return RedirectResponse(f"/jahresplaene/{plan['id']}?gespeichert=auswertung#massnahmen", status_code=303)
    return await _evaluation_page(
        request, plan, area, values=parsed.values, errors=parsed.errors, refusal=refusal, status_code=status
    )


@router.post("/jahresplaene/{plan_id}/uebertragen")
async def carry_over(request: Request, principal: Staff, planning: Planning, plan_id: str) -> Response:
    principal, plan, area = await _readable_plan(request, principal, plan_id)
    if not runs_cycle(principal, plan["social_area_key"]):
        raise Forbidden()
    try:
        result = await planning.carry_over(plan["id"], principal.username)
    except Rejected as refused:
        fresh = await planning.plan(plan["id"])
        return await _plan_page(
            request, principal, fresh, area, refusal=refused.detail, status_code=refused.status_code
        )
    next_plan = result.get("next_plan") or {}
    return RedirectResponse(f"/jahresplaene/{next_plan['id']}?gespeichert=uebertragen#massnahmen", status_code=303)


# --- history: comparison of two versions; the trace of a council need ---------------------------------


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


@router.get("/jahresplaene/{plan_id}/vergleich")
async def compare_page(request: Request, principal: Staff, planning: Planning, plan_id: str) -> Response:
    _, plan, area = await _readable_plan(request, principal, plan_id)
    versions = versions_of(plan)
    version_from = _int(request.query_params.get("von"))
    version_to = _int(request.query_params.get("bis"))
    if version_from is None and len(versions) >= 2:
        version_from = versions[-2]
    if version_to is None and versions:
        version_to = versions[-1]
    compare: JSON | None = None
    refusal: str | None = None
    status = 200
    if version_from is not None and version_to is not None:
        try:
            compare = await planning.compare(plan["id"], version_from, version_to)
        except Rejected as refused:
            refusal, status = refused.detail, refused.status_code
        except Refused as missing:
            refusal, status = "Diese Versionen gibt es nicht: " + missing.detail, 404
    opts = await _options(request, plan) if compare else MeasureOptions()
    return render(
        request,
        "plans/compare.html",
        {
            "title": f"Versionen vergleichen – Jahresplan {plan['year']}",
            "plan": plan,
            "area_name": area.name if area else plan["social_area_key"],
            "versions": versions,
            "version_from": version_from,
            "version_to": version_to,
            "compare": compare,
            "changed": comparison_rows(compare, opts.names) if compare else [],
            "hearing_state": hearing_state,
            "district_names": {
                **{d.key: d.name for d in (area.districts if area else [])},
                **{h["district_key"]: h["district_name"] for h in plan.get("hearings") or []},
            },
            "state_name": state_name,
            "answer_names": ANSWER_NAMES,
            "refusal": refusal,
        },
        status_code=status,
    )


@router.get("/jahresplaene/{plan_id}/bedarfe/{need_id}/spur")
async def need_trace_page(
    request: Request, principal: Staff, planning: Planning, plan_id: str, need_id: str
) -> Response:
    _, plan, area = await _readable_plan(request, principal, plan_id)
    trace = await planning.council_need_trace(plan["id"], uuid_or_404(need_id))
    need = next((n for n in plan.get("needs") or [] if str(n["id"]) == str(uuid_or_404(need_id))), None)
    where = trace.get("where") or {}
    measure = None
    if where.get("measure_id"):
        measure = next((m for m in plan.get("measures") or [] if str(m["id"]) == str(where["measure_id"])), None)
    hearing = next(
        (h for h in plan.get("hearings") or [] if need and h["district_key"] == need.get("district_key")), None
    )
    evaluation = trace.get("evaluation") or None
    return render(
        request,
        "plans/trace.html",
        {
            "title": "Spur eines Bedarfs",
            "plan": plan,
            "area_name": area.name if area else plan["social_area_key"],
            "trace": trace,
            "need": trace.get("need") or {},
            "hearing": hearing,
            "status": NEED_STATUS_NAMES.get(str((trace.get("need") or {}).get("status")), "offen"),
            "answer": answer_text(
                need.get("answer") if need else None,
                {str(m["id"]): m["spec"]["title"] for m in plan.get("measures") or []},
            ),
            "where": where,
            "measure": measure,
            "measure_state": state_name(str(trace.get("measure_state") or "")) if trace.get("measure_state") else None,
            "review": REVIEW_NAMES.get(str(trace.get("measure_review") or ""), None),
            "review_reason": measure.get("review_reason") if measure else None,
            "evaluation": evaluation,
            "outcome": OUTCOMES.get(str(evaluation.get("outcome")), None) if evaluation else None,
            "display_value": display_value,
            "field_names": FIELD_NAMES,
        },
    )
