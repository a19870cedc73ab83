"""Use cases of the OParl 1.1 export: read the bodies, people and memberships and map them (read-only).

Every function takes the public base address (the gateway's) from which all URLs are built, and
returns the JSON document, or ``None`` when the object does not exist (404).
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import asyncpg
import yaml

from quartier_registry.db import oparl as db
from quartier_registry.domain import oparl as domain
from quartier_registry.domain.oparl import LegislativeTerm, ListQuery, OParlQueryError, Urls
from quartier_shared import errors

TERMS_FILE = Path(__file__).resolve().parents[2] / "data" / "legislative-terms.yaml"
LOCAL_TIME = ZoneInfo("Europe/Berlin")
R = TypeVar("R")

__all__ = ["OParlQueryError", "Unavailable", "domain"]


class Unavailable(errors.Unavailable):
    """The territory is not loaded yet: there is no city to publish."""

    def __init__(self, message: str) -> None:
        super().__init__("", message)


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


Fetch = Callable[[asyncpg.Connection, ListQuery], Awaitable[tuple[list[R], int]]]


async def _list(
    pool: asyncpg.Pool,
    base: str,
    key: str,
    params: Mapping[str, str],
    name: str,
    fetch: Fetch[R],
    out: Callable[[Urls, R, ListQuery], dict[str, Any]],
) -> dict[str, Any] | None:
    """The body's list ``name``: one page of what ``fetch`` reads, each mapped by ``out`` (None: no such body)."""
    query = domain.parse_query(params)
    async with pool.acquire() as conn:
        ctx = await _body_context(conn, base, key)
        if ctx is None:
            return None
        rows, total = await fetch(conn, query)
    data = [out(ctx.urls, r, query) for r in rows]
    return domain.object_list(ctx.urls.body_list(name), data, total, query)


async def _object(
    pool: asyncpg.Pool,
    base: str,
    key: str | None,
    fetch: Callable[[asyncpg.Connection], Awaitable[R | None]],
    out: Callable[[Urls, R], dict[str, Any]],
) -> dict[str, Any] | None:
    """One object, answered under any body key or none (None: wrong body or no such object)."""
    async with pool.acquire() as conn:
        ctx = await _context(conn, base)
        if key is not None and key != ctx.urls.body_key:
            return None
        row = await fetch(conn)
    return out(ctx.urls, row) if row else None


async def organizations(pool: asyncpg.Pool, base: str, key: str, params: Mapping[str, str]) -> dict[str, Any] | None:
    return await _list(
        pool, base, key, params, "organization", db.organizations, lambda urls, r, _q: domain.organization(urls, r)
    )


async def organization(
    pool: asyncpg.Pool, base: str, body_id: uuid.UUID, key: str | None = None
) -> dict[str, Any] | None:
    return await _object(pool, base, key, lambda conn: db.organization(conn, body_id), domain.organization)


async def persons(pool: asyncpg.Pool, base: str, key: str, params: Mapping[str, str]) -> dict[str, Any] | None:
    today = _today()
    return await _list(
        pool,
        base,
        key,
        params,
        "person",
        db.persons,
        lambda urls, r, query: domain.person(urls, r, today, omit_internal=query.omit_internal),
    )


async def person(pool: asyncpg.Pool, base: str, person_id: uuid.UUID, key: str | None = None) -> dict[str, Any] | None:
    today = _today()
    return await _object(
        pool, base, key, lambda conn: db.person(conn, person_id), lambda urls, r: domain.person(urls, r, today)
    )


async def memberships(pool: asyncpg.Pool, base: str, key: str, params: Mapping[str, str]) -> dict[str, Any] | None:
    return await _list(
        pool, base, key, params, "membership", db.memberships, lambda urls, r, _q: domain.membership(urls, r)
    )


async def membership(
    pool: asyncpg.Pool, base: str, membership_id: uuid.UUID, key: str | None = None
) -> dict[str, Any] | None:
    return await _object(pool, base, key, lambda conn: db.membership(conn, membership_id), domain.membership)


async def _legislative_terms(_conn: asyncpg.Connection, query: ListQuery) -> tuple[list[LegislativeTerm], int]:
    terms = [t for t in legislative_terms() if query.admits(t.recorded, t.recorded)]
    return terms[query.offset : query.offset + query.limit], len(terms)


async def legislative_term_list(
    pool: asyncpg.Pool, base: str, key: str, params: Mapping[str, str]
) -> dict[str, Any] | None:
    return await _list(
        pool,
        base,
        key,
        params,
        "legislativeterm",
        _legislative_terms,
        lambda urls, t, _q: domain.legislative_term(urls, t),
    )


async def legislative_term(
    pool: asyncpg.Pool, base: str, term_key: str, key: str | None = None
) -> dict[str, Any] | None:
    async def find(_conn: asyncpg.Connection) -> LegislativeTerm | None:
        return next((t for t in legislative_terms() if t.key == term_key), None)

    return await _object(pool, base, key, find, domain.legislative_term)


async def _nothing(_conn: asyncpg.Connection, _query: ListQuery) -> tuple[list[dict[str, Any]], int]:
    return [], 0


async def empty_list(
    pool: asyncpg.Pool, base: str, key: str, name: str, params: Mapping[str, str]
) -> dict[str, Any] | None:
    """``meeting`` and ``paper``: nothing yet (the invitations service will publish meetings)."""
    return await _list(pool, base, key, params, name, _nothing, lambda _urls, r, _q: r)
