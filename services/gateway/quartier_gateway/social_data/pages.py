"""The German pages of the social data (Sozialdaten): the import for administrators (``/sozialdaten/import``),
the figures of a Sozialraum with their trend (``/sozialdaten``), and the panel shown next to each Jahresplan
and on the public page of a Sozialraum (``social_data_panel``, rendered by ``social_data/_panel.html``).

The figures are aggregated numbers of the statistics office (no personal data). The trend of each indicator
is a small inline SVG line (sparkline) with a text alternative saying the first and last value, and the
numbers themselves stand in a table next to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from quartier_gateway.auth.domain import Role
from quartier_gateway.clients.base import Refused, Unavailable
from quartier_gateway.clients.registry_social_data import SocialDataCalls
from quartier_gateway.web.dependencies import Admin, Registry, Staff
from quartier_gateway.web.format import german_date, german_number
from quartier_gateway.web.state import gateway_of
from quartier_gateway.web.templates import render

router = APIRouter(include_in_schema=False)

SPARK_WIDTH = 96
SPARK_HEIGHT = 28
SPARK_PAD = 3
UNAVAILABLE = "Die Sozialdaten sind gerade nicht erreichbar. Bitte versuchen Sie es später erneut."


def client_of(request: Request) -> SocialDataCalls:
    return gateway_of(request).registry.social_data


# ---------------------------------------------------------------- pure view helpers


def sparkline(values: Sequence[float], years: Sequence[int] | None = None) -> dict[str, Any] | None:
    """SVG polyline points for ``values`` (oldest first) in a SPARK_WIDTH × SPARK_HEIGHT box; None for < 2.

    With ``years`` the points stand at their year's place, so a gap of years shows as a longer line."""
    if len(values) < 2:
        return None
    low, high = min(values), max(values)
    span = high - low or 1.0
    places = list(years) if years is not None and len(years) == len(values) else list(range(len(values)))
    width = (places[-1] - places[0]) or 1
    points = []
    for place, v in zip(places, values, strict=True):
        x = SPARK_PAD + (place - places[0]) / width * (SPARK_WIDTH - 2 * SPARK_PAD)
        # equal values draw a flat line in the middle
        y = SPARK_HEIGHT / 2 if high == low else SPARK_PAD + (high - v) / span * (SPARK_HEIGHT - 2 * SPARK_PAD)
        points.append((round(x, 1), round(y, 1)))
    return {
        "width": SPARK_WIDTH,
        "height": SPARK_HEIGHT,
        "points": " ".join(f"{x},{y}" for x, y in points),
        "last": points[-1],
    }


def trend_word(first: float, last: float) -> str:
    if last > first:
        return "gestiegen"
    if last < first:
        return "gesunken"
    return "gleich geblieben"


def _rows(series: Sequence[Mapping[str, Any]], years: Sequence[int]) -> list[dict[str, Any]]:
    rows = []
    for s in series:
        by_year = {int(p["year"]): p for p in s.get("points") or []}
        ordered = [by_year[y] for y in years if y in by_year]
        values = [float(p["value"]) for p in ordered]
        unit = str(s.get("unit", ""))
        label = ""
        if len(ordered) >= 2:
            label = (
                f"Verlauf {s['name']}: von {german_number(values[0], unit)} ({ordered[0]['year']}) "
                f"auf {german_number(values[-1], unit)} ({ordered[-1]['year']}) {trend_word(values[0], values[-1])}"
            )
        rows.append(
            {
                "key": s.get("indicator"),
                "name": s.get("name"),
                "unit": unit,
                "cells": [german_number(float(by_year[y]["value"]), unit) if y in by_year else "–" for y in years],
                "spark": sparkline(values, [int(p["year"]) for p in ordered]),
                "trend": trend_word(values[0], values[-1]) if len(values) >= 2 else "",
                "label": label,
            }
        )
    return rows


def _sources(area: Mapping[str, Any]) -> list[str]:
    """ "Quelle, Stand TT.MM.JJJJ" of the newest year's figures (all sources, each once)."""
    newest: dict[str, str] = {}
    year = max(area.get("years") or [0])
    every = list(area.get("series") or []) + [
        s for r in area.get("residential_areas") or [] for s in r.get("series") or []
    ]
    for s in every:
        for p in s.get("points") or []:
            if p["year"] == year:
                newest.setdefault(str(p["source"]), str(p["as_of"]))
    return [f"{source}, Stand {german_date(as_of)}" for source, as_of in sorted(newest.items())]


def area_view(area: Mapping[str, Any], *, with_residential_areas: bool = True) -> dict[str, Any]:
    """What the panel shows of one Sozialraum: a row per indicator with values per year and its sparkline."""
    years = [int(y) for y in area.get("years") or []]
    view: dict[str, Any] = {
        "key": area.get("social_area_key"),
        "name": area.get("social_area_name"),
        "years": years,
        "rows": _rows(area.get("series") or [], years),
        "sources": _sources(area),
        "residential_areas": [],
    }
    if with_residential_areas:
        view["residential_areas"] = [
            {"number": r["number"], "name": r["name"], "rows": _rows(r.get("series") or [], years)}
            for r in area.get("residential_areas") or []
        ]
    return view


async def social_data_panel(
    request: Request, social_area_key: str, *, with_residential_areas: bool = False, public: bool = False
) -> dict[str, Any]:
    """The panel's context: ``{"area": view}``, ``{"empty": True}`` or ``{"unavailable": message}``."""
    base: dict[str, Any] = {"public": public}
    try:
        area = await client_of(request).area(social_area_key)
    except Unavailable:
        return {**base, "unavailable": UNAVAILABLE}
    except (Refused, ValueError):
        return {**base, "empty": True}
    view = area_view(area, with_residential_areas=with_residential_areas)
    if not view["rows"] and not view["residential_areas"]:
        return {**base, "empty": True}
    return {**base, "area": view}


# ---------------------------------------------------------------- pages


@router.get("/sozialdaten")
async def social_data_page(request: Request, principal: Staff, registry: Registry) -> Response:
    areas = await registry.social_areas()
    wanted = request.query_params.get("sozialraum", "")
    keys = [a.key for a in areas]
    if wanted not in keys:
        wanted = principal.social_area_key if principal.social_area_key in keys else (keys[0] if keys else "")
    panel = await social_data_panel(request, wanted, with_residential_areas=True) if wanted else {"empty": True}
    return render(
        request,
        "social_data/index.html",
        {
            "title": "Sozialdaten",
            "areas": areas,
            "selected": wanted,
            "social_data": panel,
            "may_import": principal.role is Role.ADMIN,
        },
    )


def _import_page(
    request: Request,
    *,
    lines: list[tuple[int, str]] | None = None,
    error: str | None = None,
    result: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "social_data/import.html",
        {
            "title": "Sozialdaten importieren",
            "lines": lines or [],
            "error": error,
            "result": result,
        },
        status_code=status_code,
    )


@router.get("/sozialdaten/import")
async def import_page(request: Request, _: Admin) -> Response:
    return _import_page(request)


@router.post("/sozialdaten/import")
async def import_submit(request: Request, principal: Admin) -> Response:
    form = await request.form()
    upload = form.get("datei")
    data = await upload.read() if isinstance(upload, UploadFile) else b""
    await form.close()
    if not data:
        return _import_page(request, error="Bitte wählen Sie eine CSV-Datei aus.", status_code=422)
    try:
        result = await client_of(request).import_csv(data, principal.username)
    except Unavailable:
        return _import_page(request, error=UNAVAILABLE, status_code=503)
    except Refused as refused:
        if refused.lines:
            return _import_page(request, lines=refused.lines, status_code=422)
        return _import_page(request, error=refused.detail, status_code=422)
    return _import_page(request, result=result)
