"""The list of annual plans (``/jahresplaene``) per Sozialraum with their state and deadlines; a new draft."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from quartier_gateway.clients.base import Refused, Rejected
from quartier_gateway.plans.pages.shared import _areas, _district_keys, _next_year, _str
from quartier_gateway.plans.rules import (
    deadline_view,
    open_counts,
    runs_cycle,
    state_name,
    visible_area_keys,
)
from quartier_gateway.web.dependencies import Planning, Staff
from quartier_gateway.web.errors import Forbidden
from quartier_gateway.web.templates import render

router = APIRouter(include_in_schema=False)


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
