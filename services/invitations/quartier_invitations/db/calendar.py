"""SQL of the imported political calendar (``political_meetings``) and the state of its sources.

A successful import replaces one source's meetings in the caller's transaction; a failed one only records
the failure, so the last good data stays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import asyncpg

from quartier_invitations.domain.conflicts import DEFAULT_DURATION, PoliticalMeeting


def _meeting(row: asyncpg.Record) -> PoliticalMeeting:
    return PoliticalMeeting(
        source="ical" if row["source"] == "ical" else "oparl",
        external_id=row["external_id"],
        name=row["name"],
        organization=row["organization"],
        classification=row["classification"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        cancelled=row["cancelled"],
        url=row["url"],
        candidates=tuple(row["candidates"]),
    )


async def replace_source(
    conn: asyncpg.Connection, source: str, url: str, meetings: Sequence[PoliticalMeeting], at: dt.datetime
) -> None:
    """The source's meetings become exactly ``meetings`` (call inside a transaction)."""
    await conn.execute("DELETE FROM political_meetings WHERE source = $1", source)
    unique = {m.external_id: m for m in meetings}
    await conn.executemany(
        """INSERT INTO political_meetings (source, external_id, name, organization, classification, candidates,
                starts_at, ends_at, cancelled, url, imported_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)""",
        [
            (
                source,
                m.external_id,
                m.name,
                m.organization,
                m.classification,
                list(m.candidates),
                m.starts_at,
                m.ends_at,
                m.cancelled,
                m.url,
                at,
            )
            for m in unique.values()
        ],
    )
    await conn.execute(
        """INSERT INTO political_calendar_sources (source, url, last_attempt_at, last_success_at, last_error,
               meeting_count)
           VALUES ($1, $2, $3, $3, NULL, $4)
           ON CONFLICT (source) DO UPDATE SET url = excluded.url, last_attempt_at = excluded.last_attempt_at,
               last_success_at = excluded.last_success_at, last_error = NULL, meeting_count = excluded.meeting_count""",
        source,
        url,
        at,
        len(unique),
    )


async def record_failure(conn: asyncpg.Connection, source: str, url: str, error: str, at: dt.datetime) -> None:
    await conn.execute(
        """INSERT INTO political_calendar_sources (source, url, last_attempt_at, last_error)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (source) DO UPDATE SET url = excluded.url, last_attempt_at = excluded.last_attempt_at,
               last_error = excluded.last_error""",
        source,
        url,
        at,
        error[:2000],
    )


async def sources(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT source, url, last_attempt_at, last_success_at, last_error, meeting_count
           FROM political_calendar_sources ORDER BY source"""
    )
    return [
        {
            **dict(r),
            "last_attempt_at": r["last_attempt_at"].isoformat() if r["last_attempt_at"] else None,
            "last_success_at": r["last_success_at"].isoformat() if r["last_success_at"] else None,
        }
        for r in rows
    ]


async def meetings_between(
    conn: asyncpg.Connection, starts_from: dt.datetime | None, starts_before: dt.datetime | None
) -> list[PoliticalMeeting]:
    """Imported meetings that may touch [from, to): their (possibly assumed) end after ``from`` and their
    start before ``to``."""
    rows = await conn.fetch(
        """SELECT source, external_id, name, organization, classification, candidates, starts_at, ends_at,
                  cancelled, url
            FROM political_meetings
            WHERE ($1::timestamptz IS NULL OR coalesce(ends_at, starts_at + $3::interval) > $1
                                            OR starts_at + $3::interval > $1)
              AND ($2::timestamptz IS NULL OR starts_at < $2)
            ORDER BY starts_at, source, external_id""",
        starts_from,
        starts_before,
        DEFAULT_DURATION,
    )
    return [_meeting(r) for r in rows]
