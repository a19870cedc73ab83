"""Open data entry points at the gateway: OParl 1.1 (council data) and HSDS 3.0 (offers).

The registry produces the documents (it owns the data); the gateway is the one public address, so it
passes the request through and tells the registry its public base URL, from which every object's
``id`` URL is built. Later services (invitations: OParl meetings) join the same entry points.
"""

from __future__ import annotations

import logging

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from quartier_gateway.registry import UNAVAILABLE_MESSAGE
from quartier_gateway.web import gateway_of

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

PUBLIC_BASE_HEADER = "X-Quartier-Public-Base"
# Open data is meant to be read by other systems from anywhere.
OPEN_HEADERS = {"Access-Control-Allow-Origin": "*"}


async def _pass_through(request: Request, path: str) -> Response:
    gateway = gateway_of(request)
    base = gateway.settings.public_base_url.rstrip("/")
    try:
        upstream = await gateway.registry.http.get(
            path, params=request.query_params, headers={PUBLIC_BASE_HEADER: base}
        )
    except httpx.HTTPError as exc:
        log.warning("registry unreachable for open data", extra={"path": path, "error": repr(exc)})
        return JSONResponse({"detail": UNAVAILABLE_MESSAGE}, status_code=503, headers=OPEN_HEADERS)
    media_type = upstream.headers.get("content-type", "application/json")
    return Response(upstream.content, status_code=upstream.status_code, media_type=media_type, headers=OPEN_HEADERS)


@router.get("/oparl")
async def oparl_system(request: Request) -> Response:
    return await _pass_through(request, "/oparl")


@router.get("/oparl/{path:path}")
async def oparl(request: Request, path: str) -> Response:
    return await _pass_through(request, f"/oparl/{path}")


@router.get("/hsds")
async def hsds_root(request: Request) -> Response:
    return await _pass_through(request, "/hsds/")


@router.get("/hsds/{path:path}")
async def hsds(request: Request, path: str) -> Response:
    return await _pass_through(request, f"/hsds/{path}")
