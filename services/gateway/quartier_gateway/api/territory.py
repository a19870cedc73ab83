"""The JSON API under /api/v1: territory read access for everyone, changes for administrators.

Reads and changes are passed on to the registry; its refusals are passed through. Every refusal is an RFC 9457
problem answer (``application/problem+json``) with a German ``detail``, as on every Quartier API.
Changes need an admin session and the session's CSRF token in the header ``X-CSRF-Token`` (checked by
the middleware before any route runs).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from quartier_gateway.auth.domain import KEY_PATTERN, Role
from quartier_gateway.clients.registry import District, MoveResult, SocialArea
from quartier_gateway.web.dependencies import Admin, Registry
from quartier_gateway.web.errors import LoginRequired
from quartier_gateway.web.state import session_of
from quartier_shared.http import Problem

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["Territorium"])
session_router = APIRouter(prefix="/api/v1", tags=["Sitzung"])


class CommunityCentreRename(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=120, description="Neuer Name des Stadtteilzentrums")


class ResidentialAreaMove(BaseModel):
    social_area_key: str = Field(pattern=KEY_PATTERN.pattern, description="Ziel-Sozialraum")


class SessionInfo(BaseModel):
    username: str
    display_name: str
    role: Role
    social_area_key: str | None
    district_key: str | None
    csrf_token: str = Field(description="Für den Header X-CSRF-Token bei ändernden Anfragen")


_KeyPath = Path(pattern=KEY_PATTERN.pattern, description="Schlüssel des Sozialraums, z. B. westen")
_read: dict[int | str, dict[str, Any]] = {
    503: {"model": Problem, "description": "Das Register ist nicht erreichbar"},
}
_invalid: dict[int | str, dict[str, Any]] = {
    422: {"model": Problem, "description": "Angaben unvollständig oder fehlerhaft"},
}
_write: dict[int | str, dict[str, Any]] = {
    **_read,
    **_invalid,
    401: {"model": Problem, "description": "Nicht angemeldet"},
    403: {"model": Problem, "description": "Keine Berechtigung, oder CSRF-Token fehlt oder ist falsch"},
    404: {"model": Problem, "description": "Nicht gefunden"},
}


@router.get(
    "/social-areas",
    response_model=list[SocialArea],
    responses=_read,
    summary="Alle Sozialräume mit Stadtteilzentrum, Wohnbereichen und Stadtbezirken",
)
async def list_social_areas(registry: Registry) -> list[SocialArea]:
    return await registry.social_areas()


@router.get(
    "/social-areas/{key}",
    response_model=SocialArea,
    responses={**_read, **_invalid, 404: {"model": Problem, "description": "Unbekannter Sozialraum"}},
    summary="Ein Sozialraum",
)
async def get_social_area(registry: Registry, key: str = _KeyPath) -> SocialArea:
    return await registry.social_area(key)


@router.get(
    "/districts",
    response_model=list[District],
    responses=_read,
    summary="Alle Stadtbezirke mit den Sozialräumen, die sie berühren",
)
async def list_districts(registry: Registry) -> list[District]:
    return await registry.districts()


@router.put(
    "/social-areas/{key}/community-centre",
    response_model=SocialArea,
    responses=_write,
    summary="Stadtteilzentrum umbenennen (Administration)",
)
async def rename_community_centre(
    principal: Admin, registry: Registry, body: CommunityCentreRename, key: str = _KeyPath
) -> SocialArea:
    area = await registry.rename_community_centre(key, body.name, actor=principal.username)
    log.info("community centre renamed", extra={"social_area": key, "by": principal.username})
    return area


@router.post(
    "/residential-areas/{number}/move",
    response_model=MoveResult,
    responses=_write,
    summary="Wohnbereich einem anderen Sozialraum zuordnen (Administration)",
)
async def move_residential_area(
    principal: Admin, registry: Registry, body: ResidentialAreaMove, number: int = Path(ge=1, le=999)
) -> MoveResult:
    result = await registry.move_residential_area(number, body.social_area_key, actor=principal.username)
    log.info("residential area moved", extra={"number": number, "to": body.social_area_key, "by": principal.username})
    return result


@session_router.get(
    "/session",
    response_model=SessionInfo,
    responses={401: {"model": Problem, "description": "Nicht angemeldet"}},
    summary="Die eigene Sitzung (mit CSRF-Token)",
)
async def current_session(request: Request) -> SessionInfo:
    session = session_of(request)
    if session is None:
        raise LoginRequired()
    p = session.principal
    return SessionInfo(
        username=p.username,
        display_name=p.display_name,
        role=p.role,
        social_area_key=p.social_area_key,
        district_key=p.district_key,
        csrf_token=session.csrf_token,
    )
