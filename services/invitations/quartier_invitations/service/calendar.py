"""The political calendar: import from the council information system (OParl 1.1) and an iCalendar feed,
and the date conflict check of a Sozialraum.

Import: ``System`` (``oparl_system_url``) → its ``body`` list → each Body's ``organization`` list (names
and classifications) and ``meeting`` list, every list followed page by page along ``links.next``; and
the iCalendar feed (``political_ical_url``). Each source is fetched with a timeout per request and one for
the whole import, outside any transaction; only a complete, parsed result replaces that source's rows (in
one transaction). A failure (down, slow, garbage) keeps the last good data, is logged, counted in the
metric ``quartier_political_calendar_imports_total{source, outcome}`` and recorded in
``political_calendar_sources``. The API reads only the imported rows, so a slow or down source never
blocks it; the background task (``run_periodically``) refreshes every ``interval`` seconds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
from prometheus_client import Counter, Gauge

from quartier_invitations.db import calendar as db
from quartier_invitations.db import territory
from quartier_invitations.domain import conflicts as rules
from quartier_invitations.domain.calendar import (
    ical_meetings,
    oparl_meeting,
    oparl_organization,
)
from quartier_invitations.domain.conflicts import Conflict, PoliticalMeeting
from quartier_invitations.domain.meetings import InvalidInput
from quartier_invitations.settings import InvitationsSettings
from quartier_shared.metrics import REGISTRY

log = logging.getLogger(__name__)

IMPORTS = Counter(
    "quartier_political_calendar_imports_total",
    "Imports of the political calendar by source and outcome (ok, error).",
    ["source", "outcome"],
    registry=REGISTRY,
)
LAST_SUCCESS = Gauge(
    "quartier_political_calendar_last_success_timestamp_seconds",
    "Time of the last successful import of a political calendar source.",
    ["source"],
    registry=REGISTRY,
)

MAX_PAGES = 500
MAX_BYTES = 20_000_000


@dataclass(frozen=True)
class CalendarConfig:
    oparl_system_url: str = ""
    ical_url: str = ""
    request_timeout_seconds: float = 10.0
    import_timeout_seconds: float = 120.0

    @classmethod
    def of(cls, settings: InvitationsSettings) -> CalendarConfig:
        return cls(
            oparl_system_url=settings.oparl_system_url,
            ical_url=settings.political_ical_url,
            request_timeout_seconds=settings.political_calendar_timeout_seconds,
            import_timeout_seconds=settings.political_calendar_import_timeout_seconds,
        )


class SourceError(Exception):
    """The source answered with something unusable."""


async def _get(client: httpx.AsyncClient, url: str) -> httpx.Response:
    response = await client.get(url)
    if response.status_code != 200:
        raise SourceError(f"{url}: HTTP {response.status_code}")
    if len(response.content) > MAX_BYTES:
        raise SourceError(f"{url}: Antwort zu groß")
    return response


async def _json(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    response = await _get(client, url)
    try:
        body = response.json()
    except ValueError:
        raise SourceError(f"{url}: kein JSON") from None
    if not isinstance(body, dict):
        raise SourceError(f"{url}: kein JSON-Objekt")
    return body


async def _walk(client: httpx.AsyncClient, url: str) -> list[Any]:
    """Every item of an OParl external list, page by page along ``links.next`` (loops and runaway paging
    are cut off)."""
    items: list[Any] = []
    seen: set[str] = set()
    next_url: str | None = url
    while next_url and next_url not in seen and len(seen) < MAX_PAGES:
        seen.add(next_url)
        page = await _json(client, next_url)
        data = page.get("data")
        if not isinstance(data, list):
            raise SourceError(f"{next_url}: keine OParl-Liste (data fehlt)")
        items.extend(data)
        links = page.get("links")
        candidate = links.get("next") if isinstance(links, dict) else None
        next_url = candidate if isinstance(candidate, str) else None
    return items


async def fetch_oparl(client: httpx.AsyncClient, system_url: str) -> list[PoliticalMeeting]:
    system = await _json(client, system_url)
    body_list = system.get("body")
    if not isinstance(body_list, str):
        raise SourceError(f"{system_url}: System ohne body-Liste")
    meetings: list[PoliticalMeeting] = []
    for body in await _walk(client, body_list):
        if not isinstance(body, dict):
            continue
        organizations: dict[str, tuple[str, str | None]] = {}
        if isinstance(body.get("organization"), str):
            for obj in await _walk(client, body["organization"]):
                named = oparl_organization(obj)
                if named is not None:
                    organizations[named[0]] = named[1]
        if isinstance(body.get("meeting"), str):
            for obj in await _walk(client, body["meeting"]):
                meeting = oparl_meeting(obj, organizations)
                if meeting is not None:
                    meetings.append(meeting)
    return meetings


async def fetch_ical(client: httpx.AsyncClient, url: str) -> list[PoliticalMeeting]:
    return ical_meetings((await _get(client, url)).content)


_lock = asyncio.Lock()


async def _import_source(
    pool: asyncpg.Pool,
    source: str,
    url: str,
    fetch: Callable[[httpx.AsyncClient, str], Awaitable[list[PoliticalMeeting]]],
    config: CalendarConfig,
) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    try:
        async with httpx.AsyncClient(
            timeout=config.request_timeout_seconds, follow_redirects=True, headers={"Accept": "application/json"}
        ) as client:
            meetings = await asyncio.wait_for(fetch(client, url), config.import_timeout_seconds)
    except Exception as exc:  # down, slow, garbage: keep the last good data
        error = f"{type(exc).__name__}: {exc}"[:2000] if str(exc) else type(exc).__name__
        log.warning("political calendar import failed; keeping the last data", extra={"source": source, "error": error})
        IMPORTS.labels(source, "error").inc()
        async with pool.acquire() as conn:
            await db.record_failure(conn, source, url, error, now)
        return {"source": source, "ok": False, "error": error, "count": None}
    async with pool.acquire() as conn, conn.transaction():
        await db.replace_source(conn, source, url, meetings, now)
    IMPORTS.labels(source, "ok").inc()
    LAST_SUCCESS.labels(source).set(now.timestamp())
    log.info("political calendar imported", extra={"source": source, "count": len(meetings)})
    return {"source": source, "ok": True, "error": None, "count": len(meetings)}


async def refresh(pool: asyncpg.Pool, config: CalendarConfig) -> list[dict[str, Any]]:
    """Imports every configured source once; one at a time per process."""
    async with _lock:
        results = []
        if config.oparl_system_url:
            results.append(await _import_source(pool, "oparl", config.oparl_system_url, fetch_oparl, config))
        if config.ical_url:
            results.append(await _import_source(pool, "ical", config.ical_url, fetch_ical, config))
        return results


async def run_periodically(pool: asyncpg.Pool, config: CalendarConfig, interval: float) -> None:
    while True:
        try:
            await refresh(pool, config)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("political calendar refresh failed")
        await asyncio.sleep(interval)


async def sources(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    async with pool.acquire() as conn:
        return await db.sources(conn)


async def political_meetings(
    pool: asyncpg.Pool, starts_from: dt.datetime | None, starts_before: dt.datetime | None
) -> list[PoliticalMeeting]:
    async with pool.acquire() as conn:
        return await db.meetings_between(conn, starts_from, starts_before)


async def conflicts_for(
    conn: asyncpg.Connection, social_area_key: str, starts_at: dt.datetime, ends_at: dt.datetime
) -> list[Conflict]:
    """The concerned political meetings (Rat, Bezirksvertretungen of the area's districts) overlapping."""
    area = await territory.social_area(conn, social_area_key)
    if area is None:
        raise InvalidInput("social_area_key", f"Der Sozialraum „{social_area_key}“ ist nicht bekannt.")
    calendar = await db.meetings_between(conn, starts_at, ends_at)
    return rules.conflicts(starts_at, ends_at, calendar, area["districts"], area["city"])


def document(meeting: PoliticalMeeting) -> dict[str, Any]:
    return {
        "source": meeting.source,
        "external_id": meeting.external_id,
        "name": meeting.name,
        "organization": meeting.organization,
        "classification": meeting.classification,
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat() if meeting.ends_at else None,
        "cancelled": meeting.cancelled,
        "url": meeting.url,
    }
