"""HTTP routes of the Gesamtbericht (internal API, called by the gateway).

``GET /api/v1/reports/{year}``: the draft computed now (``?version=n``: a published version), as JSON with
every figure, the entries it counts and the charts. ``GET /api/v1/reports/{year}.json|.csv|.pdf``: the
latest published document (``?version=n`` a given one, ``?draft=true`` the draft). ``POST
/api/v1/reports/{year}/publish`` (``X-Quartier-Actor``) freezes the next version and announces
``AnnualReportPublished``. ``GET /api/v1/reports/{year}/social-data.csv`` (same parameters): the report's
social data (indicators per Sozialraum over the years) as open-data CSV. ``GET /api/v1/reports``: the
published versions per year. Refusals (problem+json): 404 nothing published / unknown version, 409 no plan
for the year yet, 422 bad input (``errors`` names the field, German).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response

from quartier_reporting.service import reports as service
from quartier_reporting.service.reports import InvalidInput
from quartier_shared.http import PROBLEM_RESPONSES, Pool

router = APIRouter(prefix="/api/v1/reports", tags=["Gesamtbericht"], responses=PROBLEM_RESPONSES)


def _year(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput("year", f"„{raw}“ ist keine Jahreszahl.") from None


@router.get("", summary="Veröffentlichte Gesamtberichte mit ihren Versionen")
async def list_reports(pool: Pool) -> list[dict[str, Any]]:
    return await service.list_reports(pool)


async def _file(pool: Pool, year: str, fmt: str, draft: bool, version: int | None) -> Response:
    found = await service.document(pool, _year(year), fmt, draft=draft, version=version)
    disposition = "attachment" if fmt == "csv" else "inline"
    return Response(
        content=found.content,
        media_type=found.media_type,
        headers={"Content-Disposition": f'{disposition}; filename="{found.filename}"'},
    )


Draft = Annotated[bool, Query(description="den Entwurf (jetzt berechnet) statt der veröffentlichten Fassung")]
Version = Annotated[int | None, Query(ge=1, description="eine bestimmte veröffentlichte Version")]


@router.get("/{year}.json", summary="Gesamtbericht als JSON (offene Daten)")
async def report_json(year: str, pool: Pool, draft: Draft = False, version: Version = None) -> Response:
    return await _file(pool, year, "json", draft, version)


@router.get("/{year}.csv", summary="Gesamtbericht als CSV (offene Daten, eine Zeile je Zahl)")
async def report_csv(year: str, pool: Pool, draft: Draft = False, version: Version = None) -> Response:
    return await _file(pool, year, "csv", draft, version)


@router.get("/{year}.pdf", summary="Gesamtbericht als PDF")
async def report_pdf(year: str, pool: Pool, draft: Draft = False, version: Version = None) -> Response:
    return await _file(pool, year, "pdf", draft, version)


@router.get("/{year}/social-data.csv", summary="Sozialdaten des Gesamtberichts als CSV (offene Daten)")
async def report_social_data_csv(year: str, pool: Pool, draft: Draft = False, version: Version = None) -> Response:
    content = await service.social_data_document(pool, _year(year), draft=draft, version=version)
    return Response(
        content=content.content,
        media_type=content.media_type,
        headers={"Content-Disposition": f'attachment; filename="{content.filename}"'},
    )


@router.get("/{year}", summary="Gesamtbericht eines Jahres: Entwurf (jetzt berechnet) oder eine Version")
async def get_report(year: str, pool: Pool, version: Version = None) -> dict[str, Any]:
    if version is None:
        return await service.draft(pool, _year(year))
    return await service.published(pool, _year(year), version)


@router.post("/{year}/publish", status_code=201, summary="Gesamtbericht veröffentlichen (neue Version)")
async def publish(
    year: str,
    pool: Pool,
    # Not the shared ``Actor`` (which defaults to "api"): a publication names who published it, or is refused.
    x_quartier_actor: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    return await service.publish(pool, _year(year), x_quartier_actor or "")
