"""OParl 1.1 export of the bodies (read-only, public through the gateway at ``/oparl``).

``GET /oparl`` is the System; the city is the one Body (``/oparl/body/<city key>``) with its lists
``organization``, ``person``, ``membership``, ``legislativeterm``, ``meeting`` and ``paper`` (the last two
empty until the invitations service publishes meetings). Objects live under their body's list
(``/oparl/body/hamm/person/<id>``); ``/oparl/person/<id>`` etc. answer the same object. Lists take
``created_since``, ``created_until``, ``modified_since``, ``modified_until`` (ISO 8601 with time zone),
``limit`` (default 100, at most 1000), ``page`` (from 1) and ``omit_internal=true`` (persons without
embedded memberships); deleted objects appear in lists only with ``modified_since`` (OParl 1.1), and
stay readable at their own URL. Every URL is built from the gateway's
``X-Quartier-Public-Base`` header (without it: the registry's own address).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse

from quartier_registry.service import oparl as service
from quartier_shared.errors import NotFound
from quartier_shared.http import PROBLEM_RESPONSES, Pool

router = APIRouter(prefix="/oparl", include_in_schema=False, responses=PROBLEM_RESPONSES)

PUBLIC_BASE_HEADER = "X-Quartier-Public-Base"
PublicBase = Annotated[str | None, Header(alias=PUBLIC_BASE_HEADER)]
_LISTS_OF_NOTHING = ("meeting", "paper")


def _base(request: Request, header: str | None) -> str:
    if header and header.strip().startswith(("http://", "https://")):
        return header.strip().rstrip("/")
    return str(request.base_url).rstrip("/")


def _params(request: Request) -> dict[str, str]:
    return dict(request.query_params)


def _not_found() -> NotFound:
    return NotFound("", "Nicht gefunden.")


async def _answer(work: Callable[[], Awaitable[dict[str, Any] | None]]) -> JSONResponse:
    """The object or list as JSON; a wrong list parameter (400) and a territory not yet loaded (503) answer
    as problems, like every refusal."""
    out = await work()
    if out is None:
        raise _not_found()
    return JSONResponse(out, media_type="application/json")


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@router.get("")
async def system(request: Request, pool: Pool, x_quartier_public_base: PublicBase = None) -> JSONResponse:
    base = _base(request, x_quartier_public_base)
    return await _answer(lambda: service.system(pool, base))


@router.get("/body")
async def bodies(request: Request, pool: Pool, x_quartier_public_base: PublicBase = None) -> JSONResponse:
    base = _base(request, x_quartier_public_base)
    return await _answer(lambda: service.bodies(pool, base, _params(request)))


@router.get("/body/{key}")
async def body(key: str, request: Request, pool: Pool, x_quartier_public_base: PublicBase = None) -> JSONResponse:
    base = _base(request, x_quartier_public_base)
    return await _answer(lambda: service.body(pool, base, key))


@router.get("/body/{key}/{name}")
async def body_list(
    key: str, name: str, request: Request, pool: Pool, x_quartier_public_base: PublicBase = None
) -> JSONResponse:
    base, params = _base(request, x_quartier_public_base), _params(request)
    lists: dict[str, Callable[[], Awaitable[dict[str, Any] | None]]] = {
        "organization": lambda: service.organizations(pool, base, key, params),
        "person": lambda: service.persons(pool, base, key, params),
        "membership": lambda: service.memberships(pool, base, key, params),
        "legislativeterm": lambda: service.legislative_term_list(pool, base, key, params),
    }
    if name in _LISTS_OF_NOTHING:
        return await _answer(lambda: service.empty_list(pool, base, key, name, params))
    work = lists.get(name)
    if work is None:
        raise _not_found()
    return await _answer(work)


async def _object(
    request: Request, pool: Pool, header: str | None, name: str, object_id: str, key: str | None
) -> JSONResponse:
    base = _base(request, header)
    if name == "legislativeterm":
        return await _answer(lambda: service.legislative_term(pool, base, object_id, key))
    uid = _uuid(object_id)
    objects: dict[str, Callable[[uuid.UUID], Awaitable[dict[str, Any] | None]]] = {
        "organization": lambda i: service.organization(pool, base, i, key),
        "person": lambda i: service.person(pool, base, i, key),
        "membership": lambda i: service.membership(pool, base, i, key),
    }
    fetch = objects.get(name)
    if fetch is None or uid is None:
        raise _not_found()
    return await _answer(lambda: fetch(uid))


@router.get("/body/{key}/{name}/{object_id}")
async def body_object(
    key: str, name: str, object_id: str, request: Request, pool: Pool, x_quartier_public_base: PublicBase = None
) -> JSONResponse:
    return await _object(request, pool, x_quartier_public_base, name, object_id, key)


@router.get("/{name}/{object_id}")
async def short_object(
    name: str, object_id: str, request: Request, pool: Pool, x_quartier_public_base: PublicBase = None
) -> JSONResponse:
    """``/oparl/person/<id>`` and the like: the same object as under its body (its ``id`` says where)."""
    return await _object(request, pool, x_quartier_public_base, name, object_id, None)
