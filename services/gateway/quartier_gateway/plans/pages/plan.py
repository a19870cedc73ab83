"""One annual plan (``/jahresplaene/{id}``) and its measures: add, change (with the plan's version) and remove."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from quartier_gateway.auth.domain import Principal
from quartier_gateway.clients.base import JSON, NotFound, Rejected
from quartier_gateway.clients.registry import SocialArea
from quartier_gateway.plans.measure_rules import (
    MEASURE_LABELS,
    measure_values,
    parse_measure_form,
)
from quartier_gateway.plans.pages.shared import _lists, _options, _plan_page, _readable_plan, _refused_input, _str
from quartier_gateway.plans.rules import (
    fixed_actor,
    may_change_measure,
    may_edit_measures,
)
from quartier_gateway.web.dependencies import Planning, Staff
from quartier_gateway.web.errors import Forbidden, uuid_or_404
from quartier_gateway.web.templates import render

router = APIRouter(include_in_schema=False)


@router.get("/jahresplaene/{plan_id}")
async def plan_page(request: Request, principal: Staff, plan_id: str) -> Response:
    principal, plan, area = await _readable_plan(request, principal, plan_id)
    return await _plan_page(request, principal, plan, area)


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
