"""The German pages of reporting: the status board of the Sozialräume (``/lagebild``), the Gesamtbericht
(``/berichte``, ``/berichte/{jahr}`` with every figure linking to the entries it counts, the files
``/berichte/{jahr}.pdf|.csv|.json``, publishing by the steering committee), the mid-year reviews and
evaluations sent to the councils (``/auswertungen``) and the reporting part of the public page of a
Sozialraum (the published plan in brief and the published reports). Who sees what: ``reports/rules.py``.

Everything comes from the reporting service's internal API (``clients/reporting.py``); publishing is a POST
with the session's CSRF token (checked by the middleware) and reaches reporting with
``X-Quartier-Actor: <username>``.
"""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from quartier_gateway.clients.base import JSON, NotFound, Refused, Rejected, Unavailable
from quartier_gateway.clients.registry import SocialArea
from quartier_gateway.reports.report_rules import (
    PublicPlanView,
    public_plan_view,
    ref_kind_name,
    ref_url,
    report_view,
    split_report_name,
)
from quartier_gateway.reports.rules import (
    board_rows,
    current_year,
    distribution_filter,
    distribution_views,
    may_publish,
    may_view_draft,
    parse_year,
)
from quartier_gateway.web.dependencies import Reporting, Staff, require_staff
from quartier_gateway.web.errors import Forbidden, error_response
from quartier_gateway.web.format import german_date, german_datetime
from quartier_gateway.web.state import gateway_of, principal_of
from quartier_gateway.web.templates import render

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

NOTICES = {"veroeffentlicht": "Der Bericht ist veröffentlicht. Diese Fassung ist jetzt öffentlich."}


def _this_year() -> int:
    return current_year(dt.datetime.now(dt.UTC))


async def _names(request: Request) -> dict[str, str]:
    """Names of the Sozialräume and Stadtbezirke by key."""
    names: dict[str, str] = {}
    for area in await gateway_of(request).registry.social_areas():
        names[area.key] = area.name
        for district in area.districts:
            names[district.key] = district.name
    return names


# --- the status board ---------------------------------------------------------------------------------


@router.get("/lagebild")
async def board(request: Request, principal: Staff, reporting: Reporting) -> Response:
    year = parse_year(request.query_params.get("jahr"), _this_year())
    data = await reporting.board(year)
    rows = board_rows(principal, data)
    return render(
        request,
        "board/board.html",
        {"title": f"Lagebild {year}", "year": year, "rows": rows, "all_areas": len(data.get("areas") or [])},
    )


# --- evaluations sent to the councils -------------------------------------------------------------------


@router.get("/auswertungen")
async def evaluations(request: Request, principal: Staff, reporting: Reporting) -> Response:
    raw_year = request.query_params.get("jahr", "")
    year = parse_year(raw_year, 0) or None
    distributions = await reporting.distributions(distribution_filter(principal), year)
    views = distribution_views(principal, distributions, await _names(request))
    return render(
        request,
        "reports/evaluations.html",
        {"title": "Auswertungen", "year": year, "views": views, "district_key": distribution_filter(principal)},
    )


# --- the Gesamtbericht ----------------------------------------------------------------------------------


def _published_versions(reports: list[JSON], year: int) -> list[JSON]:
    for entry in reports:
        if int(entry.get("year") or 0) == year:
            versions = [v for v in entry.get("versions") or [] if isinstance(v, dict)]
            return sorted(versions, key=lambda v: int(v.get("version") or 0))
    return []


@router.get("/berichte")
async def reports_list(request: Request, reporting: Reporting) -> Response:
    principal = principal_of(request)
    wanted = request.query_params.get("jahr", "")
    if wanted and may_view_draft(principal):
        return RedirectResponse(f"/berichte/{parse_year(wanted, _this_year())}", status_code=303)
    reports = await reporting.reports()
    rows = []
    for entry in sorted(reports, key=lambda e: int(e.get("year") or 0), reverse=True):
        versions = [v for v in entry.get("versions") or [] if isinstance(v, dict)]
        if not versions:
            continue
        latest = max(versions, key=lambda v: int(v.get("version") or 0))
        rows.append(
            {
                "year": int(entry["year"]),
                "version": int(latest.get("version") or 0),
                "published_on": german_date(latest.get("published_at")),
                "count": len(versions),
            }
        )
    return render(
        request,
        "reports/list.html",
        {
            "title": "Gesamtberichte",
            "rows": rows,
            "staff": may_view_draft(principal),
            "draft_year": _this_year(),
        },
    )


@router.get("/berichte/{name}")
async def report_page(request: Request, reporting: Reporting, name: str) -> Response:
    parsed = split_report_name(name)
    if parsed is None:
        raise NotFound(404, "Diesen Bericht gibt es nicht.")
    year, kind = parsed
    principal = principal_of(request)
    staff = may_view_draft(principal)
    client = reporting
    if kind is not None:
        draft = request.query_params.get("entwurf") == "1"
        if draft and not staff:
            require_staff(request)
        wanted = request.query_params.get("version", "")
        try:
            file = await client.report_file(year, kind, draft=draft, version=int(wanted) if wanted.isdigit() else None)
        except NotFound:
            return _no_report(request, year)
        disposition = "inline" if kind == "pdf" else "attachment"
        suffix = "-entwurf" if draft else (f"-v{int(wanted)}" if wanted.isdigit() else "")
        return Response(
            file.content,
            media_type=file.media_type,
            headers={"Content-Disposition": f'{disposition}; filename="gesamtbericht-{year}{suffix}.{kind}"'},
        )

    versions = _published_versions(await client.reports(), year)
    raw_version = request.query_params.get("version", "")
    version: int | None = int(raw_version) if raw_version.isdigit() else None
    if version is None and not staff:
        if not versions:
            return _no_report(request, year)
        version = int(versions[-1]["version"])
    if version is not None and not any(int(v.get("version") or 0) == version for v in versions):
        return _no_report(request, year)
    try:
        report = await client.report(year, version)
    except NotFound:
        return _no_report(request, year)
    view = report_view(report, year=year, version=version)
    published = next((v for v in versions if int(v.get("version") or 0) == version), None)
    return render(
        request,
        "reports/report.html",
        {
            "title": f"Gesamtbericht {year}" + (" (Entwurf)" if version is None else ""),
            "year": year,
            "version": version,
            "published": {
                "version": version,
                "published_on": german_datetime(published.get("published_at")),
            }
            if published
            else None,
            "versions": [
                {"version": int(v.get("version") or 0), "published_on": german_date(v.get("published_at"))}
                for v in versions
            ],
            "view": view,
            "staff": staff,
            "ref_url": lambda ref: ref_url(ref, staff=staff, year=year),
            "may_publish": may_publish(principal) and version is None,
            "notice": NOTICES.get(request.query_params.get("gespeichert", "")),
            "error": request.query_params.get("fehler"),
        },
    )


def _no_report(request: Request, year: int) -> Response:
    return error_response(
        request, 404, f"Für das Jahr {year} ist noch kein Gesamtbericht veröffentlicht.", "Kein Bericht veröffentlicht"
    )


def _year_or_404(raw: str) -> int:
    parsed = split_report_name(raw)
    if parsed is None or parsed[1] is not None:
        raise NotFound(404, "Diesen Bericht gibt es nicht.")
    return parsed[0]


@router.get("/berichte/{raw_year}/eintraege")
async def figure_entries(request: Request, reporting: Reporting, raw_year: str) -> Response:
    """The entries one figure counts, each linked to where it is shown."""
    year = _year_or_404(raw_year)
    principal = principal_of(request)
    staff = may_view_draft(principal)
    query = request.query_params
    raw_version = query.get("version", "")
    version: int | None = int(raw_version) if raw_version.isdigit() else None
    client = reporting
    if version is None and not staff:
        versions = _published_versions(await client.reports(), year)
        if not versions:
            return _no_report(request, year)
        version = int(versions[-1]["version"])
    try:
        report = await client.report(year, version)
    except NotFound:
        return _no_report(request, year)
    view = report_view(report, year=year, version=version)
    figure = view.find(query.get("bereich", ""), query.get("dimension", ""), query.get("schluessel", ""))
    if figure is None:
        raise NotFound(404, "Diese Zahl gibt es im Bericht nicht.")
    entries = [
        {
            "kind": ref_kind_name(ref.get("kind")),
            "label": str(ref.get("label") or ref.get("id") or ""),
            "area": view.area_names.get(str(ref.get("social_area_key")), str(ref.get("social_area_key") or "")),
            "amount": ref.get("amount"),
            "url": ref_url(ref, staff=staff, year=year),
        }
        for ref in figure.refs
    ]
    return render(
        request,
        "reports/entries.html",
        {
            "title": f"{figure.section}: {figure.key_label} – {figure.scope_label}",
            "year": year,
            "version": version,
            "figure": figure,
            "entries": entries,
        },
    )


@router.post("/berichte/{raw_year}/veroeffentlichen")
async def publish(request: Request, principal: Staff, reporting: Reporting, raw_year: str) -> Response:
    year = _year_or_404(raw_year)
    if not may_publish(principal):
        raise Forbidden()
    try:
        published = await reporting.publish(year, principal.username)
    except Rejected as refused:
        return RedirectResponse(f"/berichte/{year}?fehler={quote(refused.detail)}", status_code=303)
    version = int(published.get("version") or 0)
    return RedirectResponse(f"/berichte/{year}?version={version}&gespeichert=veroeffentlicht", status_code=303)


# --- the public page of a Sozialraum ------------------------------------------------------------------


async def public_area_report(request: Request, area: SocialArea) -> PublicPlanView | None:
    """The reporting part of the public page of a Sozialraum (the published plan in brief of this year, or of
    the year in ``?jahr=``, and the published reports); None when reporting does not answer (the page works
    without it)."""
    year = parse_year(request.query_params.get("jahr"), 0) or None
    try:
        data = await gateway_of(request).reporting.public_social_area(area.key, year)
    except (Refused, Unavailable) as exc:
        log.info("public reporting unavailable", extra={"social_area": area.key, "error": repr(exc)})
        return None
    return public_plan_view(data)
