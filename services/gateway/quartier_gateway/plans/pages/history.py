"""A plan's history: two versions compared, and the trace of a council need into the plans."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from quartier_gateway.clients.base import JSON, Refused, Rejected
from quartier_gateway.plans.measure_rules import (
    FIELD_NAMES,
    OUTCOMES,
    REVIEW_NAMES,
)
from quartier_gateway.plans.pages.shared import MeasureOptions, _options, _readable_plan
from quartier_gateway.plans.rules import (
    ANSWER_NAMES,
    NEED_STATUS_NAMES,
    answer_text,
    comparison_rows,
    display_value,
    hearing_state,
    state_name,
    versions_of,
)
from quartier_gateway.web.dependencies import Planning, Staff
from quartier_gateway.web.errors import uuid_or_404
from quartier_gateway.web.templates import render

router = APIRouter(include_in_schema=False)


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
