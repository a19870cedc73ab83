"""HTTP routes of the Gesamtbericht (internal API, called by the gateway).

``GET /api/v1/reports/{year}``: the draft computed now (``?version=n``: a published version), as JSON with
every figure, the entries it counts and the charts. ``GET /api/v1/reports/{year}.json|.csv|.pdf``: the
latest published document (``?version=n`` a given one, ``?draft=true`` the draft). ``POST
/api/v1/reports/{year}/publish`` (``X-Quartier-Actor``) freezes the next version and announces
``AnnualReportPublished``. ``GET /api/v1/reports/{year}/social-data.csv`` (same parameters): the report's
social data (indicators per Sozialraum over the years) as open-data CSV. ``GET /api/v1/reports``: the
published versions per year. Errors: 404 nothing published / unknown version, 409 no plan for the year yet,
422 bad input (German ``detail`` "field: …").
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response

from quartier_reporting.service import reports as service
from quartier_shared.runtime import ServiceContext

router = APIRouter(prefix="/api/v1/reports", tags=["Gesamtbericht"])


def _ctx(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.ctx
    return ctx


def _error(exc: service.ReportError) -> HTTPException:
    return HTTPException(status_code=exc.status, detail=exc.detail)


def _year(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise HTTPException(status_code=422, detail=f"year: „{raw}“ ist keine Jahreszahl.") from None


@router.get("", summary="Veröffentlichte Gesamtberichte mit ihren Versionen")
async def list_reports(request: Request) -> list[dict[str, Any]]:
    return await service.list_reports(_ctx(request).pool)


async def _file(request: Request, year: str, fmt: str, draft: bool, version: int | None) -> Response:
    try:
        found = await service.document(_ctx(request).pool, _year(year), fmt, draft=draft, version=version)
    except service.ReportError as exc:
        raise _error(exc) from None
    disposition = "attachment" if fmt == "csv" else "inline"
    return Response(
        content=found.content,
        media_type=found.media_type,
        headers={"Content-Disposition": f'{disposition}; filename="{found.filename}"'},
    )


Draft = Annotated[bool, Query(description="den Entwurf (jetzt berechnet) statt der veröffentlichten Fassung")]
Version = Annotated[int | None, Query(ge=1, description="eine bestimmte veröffentlichte Version")]


@router.get("/{year}.json", summary="Gesamtbericht als JSON (offene Daten)")
async def report_json(year: str, request: Request, draft: Draft = False, version: Version = None) -> Response:
    return await _file(request, year, "json", draft, version)


@router.get("/{year}.csv", summary="Gesamtbericht als CSV (offene Daten, eine Zeile je Zahl)")
async def report_csv(year: str, request: Request, draft: Draft = False, version: Version = None) -> Response:
    return await _file(request, year, "csv", draft, version)


@router.get("/{year}.pdf", summary="Gesamtbericht als PDF")
async def report_pdf(year: str, request: Request, draft: Draft = False, version: Version = None) -> Response:
    return await _file(request, year, "pdf", draft, version)


@router.get("/{year}/social-data.csv", summary="Sozialdaten des Gesamtberichts als CSV (offene Daten)")
async def report_social_data_csv(
    year: str, request: Request, draft: Draft = False, version: Version = None
) -> Response:
    try:
        content = await service.social_data_document(_ctx(request).pool, _year(year), draft=draft, version=version)
    except service.ReportError as exc:
        raise _error(exc) from None
    return Response(
        content=content.content,
        media_type=content.media_type,
        headers={"Content-Disposition": f'attachment; filename="{content.filename}"'},
    )


@router.get("/{year}", summary="Gesamtbericht eines Jahres: Entwurf (jetzt berechnet) oder eine Version")
async def get_report(year: str, request: Request, version: Version = None) -> dict[str, Any]:
    try:
        if version is None:
            return await service.draft(_ctx(request).pool, _year(year))
        return await service.published(_ctx(request).pool, _year(year), version)
    except service.ReportError as exc:
        raise _error(exc) from None


@router.post("/{year}/publish", status_code=201, summary="Gesamtbericht veröffentlichen (neue Version)")
async def publish(
    year: str,
    request: Request,
    x_quartier_actor: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    try:
        return await service.publish(_ctx(request).pool, _year(year), x_quartier_actor or "")
    except service.ReportError as exc:
        raise _error(exc) from None
