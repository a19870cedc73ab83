"""The mid-year review (Halbjahresbilanz), the evaluation (Auswertung) and the carry-over into next year's plan."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from quartier_gateway.auth.domain import Principal
from quartier_gateway.clients.base import JSON, Rejected
from quartier_gateway.clients.registry import SocialArea
from quartier_gateway.plans.measure_rules import (
    MEASURE_LABELS,
    OUTCOMES,
    REVIEW_DECISIONS,
    REVIEW_NAMES,
    active_measures,
    field_label,
    measure_values,
    parse_evaluation_form,
    parse_review_form,
)
from quartier_gateway.plans.pages.shared import MAX_NEW_BLOCKS, _lists, _options, _plan_page, _readable_plan, _str
from quartier_gateway.plans.rules import (
    may_evaluate,
    may_review,
    runs_cycle,
)
from quartier_gateway.web.dependencies import Planning, Staff
from quartier_gateway.web.errors import Forbidden
from quartier_gateway.web.format import german_date
from quartier_gateway.web.templates import render

router = APIRouter(include_in_schema=False)


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
