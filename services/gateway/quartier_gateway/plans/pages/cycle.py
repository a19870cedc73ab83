"""The steps of a plan's cycle: present, finalize, start; the council hearings with their needs and answers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from quartier_gateway.auth.domain import Principal
from quartier_gateway.clients.base import JSON, NotFound, Rejected
from quartier_gateway.clients.registry import SocialArea
from quartier_gateway.plans.pages.shared import STEPS, _plan_page, _readable_plan, _str
from quartier_gateway.plans.rules import (
    may_record_needs,
    runs_cycle,
)
from quartier_gateway.web.dependencies import Planning, Staff
from quartier_gateway.web.errors import Forbidden, uuid_or_404
from quartier_gateway.web.state import gateway_of

router = APIRouter(include_in_schema=False)


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
