"""SQL of the published versions of the Gesamtbericht (table ``annual_reports``, migration 050)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import asyncpg

from quartier_shared.db import advisory_key


@dataclass(frozen=True)
class PublishedReport:
    year: int
    version: int
    published_at: dt.datetime
    published_by: str
    figures_hash: str
    json_document: bytes
    csv_document: bytes
    pdf_document: bytes


async def lock_year(conn: asyncpg.Connection, year: int) -> None:
    """Serialises publishing of one year (inside the transaction), so that versions count 1, 2, 3 …"""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", advisory_key(f"reporting:annual-report:{year}"))


async def next_version(conn: asyncpg.Connection, year: int) -> int:
    value = await conn.fetchval("SELECT coalesce(max(version), 0) + 1 FROM annual_reports WHERE year = $1", year)
    return int(value)


async def insert(conn: asyncpg.Connection, report: PublishedReport) -> None:
    await conn.execute(
        """
        INSERT INTO annual_reports (year, version, published_at, published_by, figures_hash,
                                    json_document, csv_document, pdf_document)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        """,
        report.year,
        report.version,
        report.published_at,
        report.published_by,
        report.figures_hash,
        report.json_document,
        report.csv_document,
        report.pdf_document,
    )


async def get(conn: asyncpg.Connection, year: int, version: int | None = None) -> PublishedReport | None:
    """The given version of the year, or the latest when ``version`` is None."""
    row = await conn.fetchrow(
        """
        SELECT * FROM annual_reports
        WHERE year = $1 AND ($2::integer IS NULL OR version = $2)
        ORDER BY version DESC LIMIT 1
        """,
        year,
        version,
    )
    if row is None:
        return None
    return PublishedReport(
        year=row["year"],
        version=row["version"],
        published_at=row["published_at"],
        published_by=row["published_by"],
        figures_hash=row["figures_hash"],
        json_document=bytes(row["json_document"]),
        csv_document=bytes(row["csv_document"]),
        pdf_document=bytes(row["pdf_document"]),
    )


async def versions(conn: asyncpg.Connection, year: int | None = None) -> list[dict[str, Any]]:
    """[{year, version, published_at, published_by, figures_hash}], newest year first, versions ascending."""
    rows = await conn.fetch(
        """
        SELECT year, version, published_at, published_by, figures_hash FROM annual_reports
        WHERE $1::integer IS NULL OR year = $1
        ORDER BY year DESC, version
        """,
        year,
    )
    return [dict(r) for r in rows]
