"""The list of meetings (``/sitzungen``) with filters by Sozialraum, kind and period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from quartier_gateway.meetings.pages.shared import HELPERS, _areas, _district_keys
from quartier_gateway.meetings.rules import (
    KIND_NAMES,
    readable,
    schedulable_kinds,
    visible_area_keys,
)
from quartier_gateway.web.dependencies import Invitations, Staff
from quartier_gateway.web.templates import render

router = APIRouter(include_in_schema=False)


@router.get("/sitzungen")
async def meetings_list(request: Request, principal: Staff, invitations: Invitations) -> Response:
    q = request.query_params
    areas = await _areas(request)
    district_map = {k: _district_keys(a) for k, a in areas.items()}
    area_keys = visible_area_keys(principal, district_map)
    area_key = q.get("sozialraum", "")
    if area_key and area_key not in area_keys:
        area_key = ""
    kind = q.get("art", "") if q.get("art", "") in KIND_NAMES else ""
    today = dt.date.today().isoformat()
    date_from = q.get("von", today) if "von" in q else today
    date_to = q.get("bis", "")
    problems: dict[str, str] = {}
    for name, value in (("von", date_from), ("bis", date_to)):
        if value:
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                problems[name] = "Bitte geben Sie das Datum als TT.MM.JJJJ an."
    meetings: list[Any] = []
    if not problems:
        found = await invitations.meetings(
            social_area_key=area_key or None,
            kind=kind or None,
            date_from=date_from or None,
            date_to=date_to or None,
        )
        meetings = sorted(readable(principal, found, district_map), key=lambda m: str(m.get("starts_at") or ""))
    return render(
        request,
        "meetings/list.html",
        {
            **HELPERS,
            "title": "Sitzungen",
            "meetings": meetings,
            "areas": areas,
            "area_options": [(k, areas[k].name) for k in area_keys],
            "filters": {"sozialraum": area_key, "art": kind, "von": date_from, "bis": date_to},
            "problems": problems,
            "may_schedule": bool(schedulable_kinds(principal)),
        },
    )
