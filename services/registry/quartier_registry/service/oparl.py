"""Use cases of the OParl 1.1 export: read the bodies, people and memberships and map them (read-only).

Every function takes the public base address (the gateway's) from which all URLs are built, and
returns the JSON document, or ``None`` when the object does not exist (404).
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import yaml

from quartier_registry.db import oparl as db
from quartier_registry.domain import oparl as domain
from quartier_registry.domain.oparl import LegislativeTerm, OParlQueryError, Urls

TERMS_FILE = Path(__file__).resolve().parents[2] / "data" / "legislative-terms.yaml"
LOCAL_TIME = ZoneInfo("Europe/Berlin")

__all__ = ["OParlQueryError", "Unavailable", "domain"]


class Unavailable(RuntimeError):
    """The territory is not loaded yet: there is no city to publish."""


@functools.cache
def legislative_terms(path: Path = TERMS_FILE) -> tuple[LegislativeTerm, ...]:
    return tuple(domain.parse_legislative_terms(yaml.safe_load(path.read_text(encoding="utf-8"))))


def _today() -> dt.date:
    return dt.datetime.now(LOCAL_TIME).date()


class _Context:
    def __init__(self, urls: Urls, city: str, created: dt.datetime, modified: dt.datetime) -> None:
        self.urls = urls
        self.city = city
        self.created = created
        self.modified = modified

    def body(self) -> dict[str, Any]:
        return domain.body(self.urls, self.city, legislative_terms(), self.created, self.modified)


async def _context(conn: asyncpg.Connection, base: str) -> _Context:
    city = await db.city(conn)
    times = await db.system_times(conn)
    if city is None or times is None:
        raise Unavailable("Das Gebiet ist noch nicht geladen.")
    return _Context(Urls(base, domain.slugify(city)), city, *times)


async def system(pool: asyncpg.Pool, base: str) -> dict[str, Any]:
    async with pool.acquire() as conn:
        ctx = await _context(conn, base)
    return domain.system(ctx.urls, ctx.created, ctx.modified)


async def bodies(pool: asyncpg.Pool, base: str, params: Mapping[str, str]) -> dict[str, Any]:
    query = domain.parse_query(params)
    async with pool.acquire() as conn:
        ctx = await _context(conn, base)
    body = ctx.body()
    admitted = query.admits(ctx.created, dt.datetime.fromisoformat(body["modified"]))
    data = [body] if admitted and query.page == 1 else []
    return domain.object_list(ctx.urls.bodies, data, 1 if admitted else 0, query)


async def body(pool: asyncpg.Pool, base: str, key: str) -> dict[str, Any] | None:
    async with pool.acquire() as conn:
        ctx = await _context(conn, base)
    return ctx.body() if key == ctx.urls.body_key else None


async def _body_context(conn: asyncpg.Connection, base: str, key: str) -> _Context | None:
    ctx = await _context(conn, base)
    return ctx if key == ctx.urls.body_key else None


async def organizations(pool: asyncpg.Pool, base: str, key: str, params: Mapping[str, str]) -> dict[str, Any] | None:
    query = domain.parse_query(params)
    async with pool.acquire() as conn:
        ctx = await _body_context(conn, base, key)
        if ctx is None:
            return None
        rows, total = await db.organizations(conn, query)
    data = [domain.organization(ctx.urls, r) for r in rows]
    return domain.object_list(ctx.urls.body_list("organization"), data, total, query)


async def organization(
    pool: asyncpg.Pool, base: str, body_id: uuid.UUID, key: str | None = None
) -> dict[str, Any] | None:
    async with pool.acquire() as conn:
        ctx = await _context(conn, base)
        if key is not None and key != ctx.urls.body_key:
            return None
        row = await db.organization(conn, body_id)
    return domain.organization(ctx.urls, row) if row else None


async def persons(pool: asyncpg.Pool, base: str, key: str, params: Mapping[str, str]) -> dict[str, Any] | None:
    query = domain.parse_query(params)
    async with pool.acquire() as conn:
        ctx = await _body_context(conn, base, key)
        if ctx is None:
            return None
        rows, total = await db.persons(conn, query)
    today = _today()
    data = [domain.person(ctx.urls, r, today, omit_internal=query.omit_internal) for r in rows]
    return domain.object_list(ctx.urls.body_list("person"), data, total, query)


async def person(pool: asyncpg.Pool, base: str, person_id: uuid.UUID, key: str | None = None) -> dict[str, Any] | None:
    async with pool.acquire() as conn:
        ctx = await _context(conn, base)
        if key is not None and key != ctx.urls.body_key:
            return None
        row = await db.person(conn, person_id)
    return domain.person(ctx.urls, row, _today()) if row else None


async def memberships(pool: asyncpg.Pool, base: str, key: str, params: Mapping[str, str]) -> dict[str, Any] | None:
    query = domain.parse_query(params)
    async with pool.acquire() as conn:
        ctx = await _body_context(conn, base, key)
        if ctx is None:
            return None
        rows, total = await db.memberships(conn, query)
    data = [domain.membership(ctx.urls, r) for r in rows]
    return domain.object_list(ctx.urls.body_list("membership"), data, total, query)


async def membership(
    pool: asyncpg.Pool, base: str, membership_id: uuid.UUID, key: str | None = None
) -> dict[str, Any] | None:
    async with pool.acquire() as conn:
        ctx = await _context(conn, base)
        if key is not None and key != ctx.urls.body_key:
            return None
        row = await db.membership(conn, membership_id)
    return domain.membership(ctx.urls, row) if row else None


async def legislative_term_list(
    pool: asyncpg.Pool, base: str, key: str, params: Mapping[str, str]
) -> dict[str, Any] | None:
    query = domain.parse_query(params)
    async with pool.acquire() as conn:
        ctx = await _body_context(conn, base, key)
    if ctx is None:
        return None
    terms = [t for t in legislative_terms() if query.admits(t.recorded, t.recorded)]
    page = terms[query.offset : query.offset + query.limit]
    data = [domain.legislative_term(ctx.urls, t) for t in page]
    return domain.object_list(ctx.urls.body_list("legislativeterm"), data, len(terms), query)


async def legislative_term(
    pool: asyncpg.Pool, base: str, term_key: str, key: str | None = None
) -> dict[str, Any] | None:
    async with pool.acquire() as conn:
        ctx = await _context(conn, base)
    if key is not None and key != ctx.urls.body_key:
        return None
    term = next((t for t in legislative_terms() if t.key == term_key), None)
    return domain.legislative_term(ctx.urls, term) if term else None


async def empty_list(
    pool: asyncpg.Pool, base: str, key: str, name: str, params: Mapping[str, str]
) -> dict[str, Any] | None:
    """``meeting`` and ``paper``: nothing yet (the invitations service will publish meetings)."""
    query = domain.parse_query(params)
    async with pool.acquire() as conn:
        ctx = await _body_context(conn, base, key)
    if ctx is None:
        return None
    return domain.object_list(ctx.urls.body_list(name), [], 0, query)
