"""What the pages of the Jahresplan cycle share: loading a plan the user may read, the options of the measure
forms, and rendering the plan page with the actions the principal's role allows (``plans/rules.py``).

Every action is a POST with the session's CSRF token (checked by the middleware) and reaches planning with
``X-Quartier-Actor: <username>``. Planning's German refusals (409 a step out of order or a stale version,
422 wrong input) are shown on the page, next to the field where planning names one, with the input kept."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from quartier_gateway.agreements.rules import (
    agreement_label,
)
from quartier_gateway.auth.domain import Principal
from quartier_gateway.clients.base import JSON, Refused, Rejected, Unavailable
from quartier_gateway.clients.planning import PlanningClient
from quartier_gateway.clients.registry import SocialArea
from quartier_gateway.plans.measure_rules import (
    MEASURE_LABELS,
    OUTCOMES,
    REVIEW_NAMES,
    refusal_field,
)
from quartier_gateway.plans.rules import (
    ANSWER_NAMES,
    NEXT_STEPS,
    answer_text,
    deadline_view,
    event_name,
    fixed_actor,
    may_carry_over,
    may_change_measure,
    may_edit_measures,
    may_evaluate,
    may_read_plan,
    may_record_needs,
    may_review,
    runs_cycle,
    state_name,
    versions_of,
)
from quartier_gateway.social_data.pages import social_data_panel
from quartier_gateway.web.errors import Forbidden, uuid_or_404
from quartier_gateway.web.format import german_date
from quartier_gateway.web.state import gateway_of
from quartier_gateway.web.templates import render

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
