"""HTTP routes of the social data: CSV import from the statistics office, series per Sozialraum, catalogue.

Import errors answer 422 with ``{"detail": [{"line": n, "message": "..."}]}`` (German, one entry per
broken line); nothing of a refused file is stored.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Request
from pydantic import BaseModel

from quartier_registry.domain.social_data import (
    INDICATORS,
    LEVEL_RESIDENTIAL_AREA,
    LEVEL_SOCIAL_AREA,
    SocialDataRejected,
    StoredValue,
)
from quartier_registry.domain.territory import Territory, TerritoryError, UnknownEntry
from quartier_registry.service import social_data as service
from quartier_shared.runtime import ServiceContext

router = APIRouter(prefix="/api/v1/social-data", tags=["Sozialdaten"])

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


class LineErrorOut(BaseModel):
    line: int
    message: str


def _ctx(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.ctx
    return ctx


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
    request: Request,
    social_area_key: Annotated[str | None, Query(max_length=64)] = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
) -> list[SocialAreaDataOut]:
    try:
        territory, areas = await service.series_of(_ctx(request).pool, social_area_key or None, year)
    except UnknownEntry as exc:
        raise HTTPException(status_code=404, detail=exc.message) from exc
    except TerritoryError as exc:
        raise HTTPException(status_code=503, detail=exc.message) from exc
    return [_area_out(territory, key, values) for key, values in areas]


@router.post(
    "/imports",
    response_model=ImportOut,
    status_code=201,
    summary="Sozialdaten aus einer CSV-Datei der Statistikstelle importieren",
    responses={422: {"description": "Fehlerhafte Zeilen: [{line, message}], nichts wurde übernommen"}},
)
async def import_social_data(request: Request, x_quartier_actor: Annotated[str, Header()] = "api") -> ImportOut:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise HTTPException(status_code=413, detail="Die Datei ist größer als 5 MB.")
    try:
        result = await service.import_csv(_ctx(request).pool, body, x_quartier_actor)
    except SocialDataRejected as exc:
        raise HTTPException(
            status_code=422, detail=[LineErrorOut(line=e.line, message=e.message).model_dump() for e in exc.errors]
        ) from exc
    except TerritoryError as exc:
        raise HTTPException(status_code=503, detail=exc.message) from exc
    return ImportOut(
        import_id=result.import_id,
        rows=result.rows,
        created=result.created,
        replaced=result.replaced,
        unchanged=result.unchanged,
        announced=[f"{key}/{year}" for key, year in result.announced],
    )
