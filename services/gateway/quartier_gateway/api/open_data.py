"""Open data entry points at the gateway: OParl 1.1 (council data) and HSDS 3.0 (offers).

The registry produces the documents (it owns the data); the gateway is the one public address, so it
passes the request through and tells the registry its public base URL, from which every object's
``id`` URL is built. The invitations service owns the meetings: ``/oparl/body/<city>/meeting`` (the
Body's meeting list), ``…/meeting/<id>``, ``…/agendaitem/<id>``, ``…/location/<id>`` and the short forms
``/oparl/meeting/<id>`` etc. go there (``INVITATIONS_OPARL``); everything else of ``/oparl`` is the
registry's.
"""

from __future__ import annotations

import logging
import re

import httpx
from fastapi import APIRouter, Request, Response

from quartier_gateway.clients.registry import UNAVAILABLE_MESSAGE
from quartier_gateway.web.state import gateway_of
from quartier_shared.http import problem_response

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

PUBLIC_BASE_HEADER = "X-Quartier-Public-Base"
# Open data is meant to be read by other systems from anywhere.
OPEN_HEADERS = {"Access-Control-Allow-Origin": "*"}


# OParl paths (after ``/oparl/``) served by the invitations service: meetings, their agenda items and places.
INVITATIONS_OPARL = re.compile(r"^(body/[^/]+/)?(meeting|agendaitem|location)(/|$)")


async def _pass_through(request: Request, path: str, *, invitations: bool = False) -> Response:
    gateway = gateway_of(request)
    base = gateway.settings.public_base_url.rstrip("/")
    http = gateway.invitations.http if invitations else gateway.registry.http
    try:
        upstream = await http.get(path, params=request.query_params, headers={PUBLIC_BASE_HEADER: base})
    except httpx.HTTPError as exc:
        log.warning("upstream unreachable for open data", extra={"path": path, "error": repr(exc)})
        return problem_response(503, UNAVAILABLE_MESSAGE, headers=OPEN_HEADERS)
    media_type = upstream.headers.get("content-type", "application/json")
    return Response(upstream.content, status_code=upstream.status_code, media_type=media_type, headers=OPEN_HEADERS)


@router.get("/oparl")
async def oparl_system(request: Request) -> Response:
    return await _pass_through(request, "/oparl")


@router.get("/oparl/{path:path}")
async def oparl(request: Request, path: str) -> Response:
    return await _pass_through(request, f"/oparl/{path}", invitations=bool(INVITATIONS_OPARL.match(path)))


@router.get("/hsds")
async def hsds_root(request: Request) -> Response:
    return await _pass_through(request, "/hsds/")


@router.get("/hsds/{path:path}")
async def hsds(request: Request, path: str) -> Response:
    return await _pass_through(request, f"/hsds/{path}")
