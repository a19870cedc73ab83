"""Use cases of the Gesamtbericht: compute a draft from the read models, publish (freeze) a version, read
published versions and their documents.

Publishing renders JSON, CSV and PDF from one computation, then stores them as the next version of the
year together with ``AnnualReportPublished`` (outbox) in one transaction; a published version never changes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from quartier_reporting.db import reports as db
from quartier_reporting.domain.charts import report_charts
from quartier_reporting.domain.reports import (
    Report,
    ReportInput,
    compute_report,
    figures_hash,
    report_from_dict,
    social_data_csv,
)
from quartier_reporting.service.report_documents import (
    ReportMeta,
    chart_dict,
    document_dict,
    render_csv,
    render_json,
    render_pdf,
)
from quartier_reporting.settings import SOURCE
from quartier_shared import errors
from quartier_shared.events.reporting import AnnualReportPublished
from quartier_shared.outbox import enqueue

FORMATS = ("json", "csv", "pdf")
BERLIN = ZoneInfo("Europe/Berlin")
MEDIA_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


class ReportError(errors.DomainError):
    """A request about the Gesamtbericht is refused; ``field`` names the input, ``message`` says why (German)."""


class InvalidInput(ReportError, errors.InvalidInput):
    """Bad input, e.g. a year outside 2000–2100 (→ 422)."""


class NotFound(ReportError, errors.NotFound):
    """Nothing published for the year, an unknown version or format (→ 404)."""


class OutOfOrder(ReportError, errors.OutOfOrder):
    """Publishing before there is a plan for the year (→ 409)."""


@dataclass(frozen=True)
class ReportFile:
    content: bytes
    media_type: str
    filename: str


def check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise InvalidInput("year", f"{year} ist kein gültiges Berichtsjahr (2000 bis 2100).")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def compute(pool: asyncpg.Pool, year: int) -> Report:
    """The report of ``year`` as the read models stand now (one consistent snapshot)."""
    check_year(year)
    async with pool.acquire() as conn:
        data = await report_input(conn, year)
    return compute_report(data)


async def report_input(conn: asyncpg.Connection, year: int) -> ReportInput:
    """Everything the read models know, for ``compute_report(…)`` of ``year``; one repeatable-read snapshot."""
    today = dt.datetime.now(dt.UTC).astimezone(BERLIN).date()
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        return await db.report_input(conn, year, today)


def _with_charts(doc: dict[str, Any], report: Report) -> dict[str, Any]:
    doc["charts"] = [chart_dict(c) for c in report_charts(report)]
    return doc


async def draft(pool: asyncpg.Pool, year: int) -> dict[str, Any]:
    """The draft: computed now, with the charts (SVG + data table) for the pages."""
    report = await compute(pool, year)
    return _with_charts(document_dict(report, ReportMeta("draft", _now())), report)


async def _published(pool: asyncpg.Pool, year: int, version: int | None) -> db.PublishedReport:
    check_year(year)
    async with pool.acquire() as conn:
        found = await db.get(conn, year, version)
    if found is None:
        if version is None:
            raise NotFound("", f"Für {year} ist noch kein Gesamtbericht veröffentlicht.")
        raise NotFound("", f"Version {version} des Gesamtberichts {year} gibt es nicht.")
    return found


async def published(pool: asyncpg.Pool, year: int, version: int | None = None) -> dict[str, Any]:
    """A published version (latest when ``version`` is None) exactly as frozen, plus its charts."""
    found = await _published(pool, year, version)
    doc: dict[str, Any] = json.loads(found.json_document)
    return _with_charts(doc, report_from_dict(doc))


def _filename(year: int, version: int | None, fmt: str) -> str:
    return f"gesamtbericht-{year}-{'entwurf' if version is None else f'v{version}'}.{fmt}"


async def document(
    pool: asyncpg.Pool, year: int, fmt: str, *, draft: bool = False, version: int | None = None
) -> ReportFile:
    """The JSON, CSV or PDF of the draft (``draft``) or of a published version (latest by default)."""
    if fmt not in FORMATS:
        raise NotFound("", f"Format „{fmt}“ gibt es nicht (json, csv oder pdf).")
    if draft:
        report = await compute(pool, year)
        meta = ReportMeta("draft", _now())
        if fmt == "json":
            content = render_json(report, meta)
        elif fmt == "csv":
            content = render_csv(report)
        else:
            content = await asyncio.to_thread(render_pdf, report, meta)
        return ReportFile(content, MEDIA_TYPES[fmt], _filename(year, None, fmt))
    found = await _published(pool, year, version)
    content = {"json": found.json_document, "csv": found.csv_document, "pdf": found.pdf_document}[fmt]
    return ReportFile(content, MEDIA_TYPES[fmt], _filename(year, found.version, fmt))


async def social_data_document(
    pool: asyncpg.Pool, year: int, *, draft: bool = False, version: int | None = None
) -> ReportFile:
    """The social data of the draft (``draft``) or of a published version (latest by default) as CSV."""
    if draft:
        report = await compute(pool, year)
        name = f"sozialdaten-{year}-entwurf.csv"
    else:
        found = await _published(pool, year, version)
        report = report_from_dict(json.loads(found.json_document))
        name = f"sozialdaten-{year}-v{found.version}.csv"
    return ReportFile(social_data_csv(report).encode(), MEDIA_TYPES["csv"], name)


async def publish(pool: asyncpg.Pool, year: int, actor: str) -> dict[str, Any]:
    """Freezes the report of ``year`` as its next version and announces ``AnnualReportPublished``."""
    actor = actor.strip()
    if not actor:
        raise InvalidInput("X-Quartier-Actor", "Wer veröffentlicht, muss angegeben sein.")
    report = await compute(pool, year)
    if not report.city.plans:
        raise OutOfOrder(
            "",
            f"Für {year} gibt es noch keinen Jahresplan. Erst wenn Jahrespläne vorliegen, lässt sich der "
            "Gesamtbericht veröffentlichen.",
        )
    digest = figures_hash(report)
    csv_doc = render_csv(report)
    async with pool.acquire() as conn, conn.transaction():
        # the lock serialises publishing of the year, so versions count 1, 2, 3 … without gaps
        await db.lock_year(conn, year)
        version = await db.next_version(conn, year)
        published_at = _now()
        meta = ReportMeta("published", published_at, version, published_at)
        json_doc = render_json(report, meta)
        pdf_doc = await asyncio.to_thread(render_pdf, report, meta)
        await db.insert(
            conn, db.PublishedReport(year, version, published_at, actor, digest, json_doc, csv_doc, pdf_doc)
        )
        await enqueue(conn, AnnualReportPublished(year=year, version=version, figures_hash=digest), source=SOURCE)
    return {"year": year, "version": version, "published_at": published_at.isoformat(), "figures_hash": digest}


async def list_reports(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    """[{year, versions: [{version, published_at, published_by, figures_hash}]}], newest year first."""
    async with pool.acquire() as conn:
        rows = await db.versions(conn)
    years: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        years.setdefault(r["year"], []).append(
            {
                "version": r["version"],
                "published_at": r["published_at"].isoformat(),
                "published_by": r["published_by"],
                "figures_hash": r["figures_hash"],
            }
        )
    return [{"year": y, "versions": v} for y, v in years.items()]
