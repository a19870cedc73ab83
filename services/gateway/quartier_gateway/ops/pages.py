"""The operations page (/betrieb, administrators only): is every service up and ready, do events flow,
where do they pile up, what was dead-lettered; with small charts of the last hour.

Health and readiness come from each service's own /health and /ready; the figures and charts come from
Prometheus (setting ``prometheus_url``): instant queries for now, range queries over the last hour for the
charts, drawn as inline SVG (no script, CSP-clean). Without Prometheus the page still shows health and
readiness and says why the figures are missing.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from quartier_gateway.ops.rules import CHART_HEIGHT, CHART_WIDTH, duration, number
from quartier_gateway.web.dependencies import Admin, Operations
from quartier_gateway.web.templates import render

router = APIRouter(include_in_schema=False)


@router.get("/betrieb", response_class=HTMLResponse)
async def operations(request: Request, _: Admin, ops: Operations) -> Response:
    now = dt.datetime.now(dt.UTC)
    overview = await ops.overview(now)
    return render(
        request,
        "ops/index.html",
        {
            "title": "Betrieb",
            "now": now,
            "overview": overview,
            "number": number,
            "duration": duration,
            "chart_width": CHART_WIDTH,
            "chart_height": CHART_HEIGHT,
        },
    )
