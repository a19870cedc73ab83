"""HTTP routes of the social data: CSV import from the statistics office, series per Sozialraum, catalogue.

A refused import answers 422 (problem+json) with ``lines: [{"line": n, "message": "..."}]`` (German, one
entry per broken line); nothing of a refused file is stored.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel

from quartier_registry.domain.social_data import (
    INDICATORS,
    LEVEL_RESIDENTIAL_AREA,
    LEVEL_SOCIAL_AREA,
    StoredValue,
)
from quartier_registry.domain.territory import Territory
from quartier_registry.service import social_data as service
from quartier_shared.http import PROBLEM_RESPONSES, Actor, Pool, problem_responses

# 503: the territory is not loaded yet (a start that has not finished).
router = APIRouter(
    prefix="/api/v1/social-data", tags=["Sozialdaten"], responses={**PROBLEM_RESPONSES, **problem_responses(503)}
)

MAX_BODY_BYTES = 5 * 1024 * 1024


class IndicatorOut(BaseModel):
    key: str
    name: str
    unit: str
    kind: str
    description: str


class PointOut(BaseModel):
    year: int
    value: float
    source: str
    as_of: date


class SeriesOut(BaseModel):
    indicator: str
    name: str
    unit: str
    points: list[PointOut]


class ResidentialAreaSeriesOut(BaseModel):
    number: int
    name: str
    series: list[SeriesOut]


class SocialAreaDataOut(BaseModel):
    social_area_key: str
    social_area_name: str
    years: list[int]
    series: list[SeriesOut]
    residential_areas: list[ResidentialAreaSeriesOut]


class ImportOut(BaseModel):
    import_id: uuid.UUID | None
    rows: int
    created: int
    replaced: int
    unchanged: int
    announced: list[str]


def _series(values: Sequence[StoredValue]) -> list[SeriesOut]:
    by_indicator: dict[str, list[StoredValue]] = defaultdict(list)
    for v in values:
        by_indicator[v.indicator].append(v)
    return [
        SeriesOut(
            indicator=i.key,
            name=i.name,
            unit=i.unit,
            points=[
                PointOut(year=v.year, value=float(v.value), source=v.source, as_of=v.as_of)
                for v in sorted(by_indicator[i.key], key=lambda v: v.year)
            ],
        )
        for i in INDICATORS
        if by_indicator.get(i.key)
    ]


def _area_out(territory: Territory, key: str, values: Sequence[StoredValue]) -> SocialAreaDataOut:
    residential = []
    for area in territory.residential_areas_of(key):
        own = [v for v in values if v.level == LEVEL_RESIDENTIAL_AREA and v.area_key == str(area.number)]
        if own:
            residential.append(ResidentialAreaSeriesOut(number=area.number, name=area.name, series=_series(own)))
    return SocialAreaDataOut(
        social_area_key=key,
        social_area_name=territory.social_area(key).name,
        years=sorted({v.year for v in values}),
        series=_series([v for v in values if v.level == LEVEL_SOCIAL_AREA]),
        residential_areas=residential,
    )


@router.get("/indicators", response_model=list[IndicatorOut], summary="Katalog der Sozialdaten-Indikatoren")
async def list_indicators() -> list[IndicatorOut]:
    return [
        IndicatorOut(key=i.key, name=i.name, unit=i.unit, kind=i.kind, description=i.description) for i in INDICATORS
    ]


@router.get("", response_model=list[SocialAreaDataOut], summary="Sozialdaten je Sozialraum als Zeitreihen")
async def list_social_data(
    pool: Pool,
    social_area_key: Annotated[str | None, Query(max_length=64)] = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
) -> list[SocialAreaDataOut]:
    territory, areas = await service.series_of(pool, social_area_key or None, year)
    return [_area_out(territory, key, values) for key, values in areas]


@router.post(
    "/imports",
    response_model=ImportOut,
    status_code=201,
    summary="Sozialdaten aus einer CSV-Datei der Statistikstelle importieren",
    responses={422: {"description": "Fehlerhafte Zeilen (`lines: [{line, message}]`), nichts wurde übernommen"}},
)
async def import_social_data(request: Request, pool: Pool, actor: Actor) -> ImportOut:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise HTTPException(status_code=413, detail="Die Datei ist größer als 5 MB.")
    result = await service.import_csv(pool, body, actor)
    return ImportOut(
        import_id=result.import_id,
        rows=result.rows,
        created=result.created,
        replaced=result.replaced,
        unchanged=result.unchanged,
        announced=[f"{key}/{year}" for key, year in result.announced],
    )
