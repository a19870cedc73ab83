"""OParl 1.1 export of the public meetings (read-only; public through the gateway at ``/oparl``).

The gateway routes ``/oparl/body/<city>/meeting…``, ``…/agendaitem/…``, ``…/location/…`` and
``/oparl/meeting/…``, ``/oparl/agendaitem/…``, ``/oparl/location/…`` here; everything else of ``/oparl``
is the registry's. URLs are built from the gateway's ``X-Quartier-Public-Base`` header (without it: this
service's own address). The meeting list takes ``created_since``, ``created_until``, ``modified_since``,
``modified_until``, ``limit`` (default 100, at most 1000) and ``page``; a wrong parameter is a 400.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse

from quartier_invitations.db import meetings as db
from quartier_invitations.db import territory
from quartier_invitations.domain import oparl
from quartier_invitations.domain.oparl import Record, Urls
from quartier_shared.errors import NotFound
from quartier_shared.http import PROBLEM_RESPONSES, Pool

router = APIRouter(prefix="/oparl", include_in_schema=False, responses=PROBLEM_RESPONSES)

PUBLIC_BASE_HEADER = "X-Quartier-Public-Base"
PublicBase = Annotated[str | None, Header(alias=PUBLIC_BASE_HEADER)]


def _base(request: Request, header: str | None) -> str:
    if header and header.strip().startswith(("http://", "https://")):
        return header.strip().rstrip("/")
    return str(request.base_url).rstrip("/")


def _not_found() -> NotFound:
    return NotFound("", "Nicht gefunden.")


async def _context(request: Request, pool: Pool, header: str | None, key: str | None) -> tuple[Urls, str | None] | None:
    """The URLs for the city's body (None if ``key`` is not the city's key) and the city's name."""
    async with pool.acquire() as conn:
        city = await territory.city(conn)
    city_key = oparl.slugify(city) if city else None
    if key is not None and city_key is not None and key != city_key:
        return None
    body_key = key or city_key
    if body_key is None:
        return None
    return Urls(_base(request, header), body_key), city


@router.get("/body/{key}/meeting")
async def meeting_list(
    key: str, request: Request, pool: Pool, x_quartier_public_base: PublicBase = None
) -> JSONResponse:
    found = await _context(request, pool, x_quartier_public_base, key)
    if found is None:
        raise _not_found()
    urls, city = found
    query = oparl.parse_query(dict(request.query_params))
    async with pool.acquire() as conn:
        rows, total = await db.public_page(
            conn,
            query.limit,
            query.offset,
            (query.created_since, query.created_until),
            (query.modified_since, query.modified_until),
        )
    now = dt.datetime.now(dt.UTC)
    data = [oparl.meeting(urls, Record(m, c, u), city, now) for m, c, u in rows]
    return JSONResponse(oparl.object_list(urls.meeting_list, data, total, query))


async def _record(pool: Pool, meeting_id: uuid.UUID) -> Record | None:
    async with pool.acquire() as conn:
        found = await db.public_meeting(conn, meeting_id)
    return None if found is None else Record(*found)


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


async def _object(
    request: Request, pool: Pool, header: str | None, key: str | None, name: str, object_id: str
) -> JSONResponse:
    found = await _context(request, pool, header, key)
    if found is None:
        raise _not_found()
    urls, city = found
    number = 0
    if name == "agendaitem":
        meeting_part, _, number_part = object_id.rpartition("-")
        if not number_part.isdigit():
            raise _not_found()
        object_id, number = meeting_part, int(number_part)
    meeting_id = _uuid(object_id)
    record = await _record(pool, meeting_id) if meeting_id is not None else None
    if record is None:
        raise _not_found()
    out: dict[str, Any] | None
    if name == "meeting":
        out = oparl.meeting(urls, record, city, dt.datetime.now(dt.UTC))
    elif name == "agendaitem":
        out = oparl.agenda_item(urls, record, number)
    else:
        out = oparl.location(urls, record, city)
    return JSONResponse(out) if out is not None else _not_found()


@router.get("/body/{key}/{name}/{object_id}")
async def body_object(
    key: str, name: str, object_id: str, request: Request, pool: Pool, x_quartier_public_base: PublicBase = None
) -> JSONResponse:
    if name not in ("meeting", "agendaitem", "location"):
        raise _not_found()
    return await _object(request, pool, x_quartier_public_base, key, name, object_id)


@router.get("/{name}/{object_id}")
async def short_object(
    name: str, object_id: str, request: Request, pool: Pool, x_quartier_public_base: PublicBase = None
) -> JSONResponse:
    if name not in ("meeting", "agendaitem", "location"):
        raise _not_found()
    return await _object(request, pool, x_quartier_public_base, None, name, object_id)
