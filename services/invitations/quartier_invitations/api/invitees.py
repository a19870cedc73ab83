"""HTTP routes of a meeting's invitee list: computed with reasons, changed by hand, sent.

Errors: 404 unknown meeting; 409 a step out of order (sending for a cancelled meeting); 422 wrong input
(``detail`` "field: message" in German). The actor comes from ``X-Quartier-Actor``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request
from pydantic import BaseModel, Field

from quartier_invitations.domain.invitees import MAX_REASON, InviteeError
from quartier_invitations.service import invitees as service
from quartier_shared.runtime import ServiceContext

router = APIRouter(prefix="/api/v1", tags=["Einladungslisten"])
# A broken rules file refuses the service's start (when the app is built), not the first request.
service.check_rules()
Actor = Annotated[str, Header(max_length=200)]


class AddIn(BaseModel):
    person_id: uuid.UUID
    reason: str = Field(max_length=MAX_REASON * 2)


class RemoveIn(BaseModel):
    reason: str = Field(max_length=MAX_REASON * 2)


def _pool(request: Request) -> Any:
    ctx: ServiceContext = request.app.state.ctx
    return ctx.pool


def _http_error(exc: InviteeError) -> HTTPException:
    if isinstance(exc, service.NotFound):
        return HTTPException(status_code=404, detail=exc.message)
    if isinstance(exc, service.OutOfOrder):
        return HTTPException(status_code=409, detail=exc.message)
    return HTTPException(status_code=422, detail=f"{exc.field}: {exc.message}" if exc.field else exc.message)


@router.get("/meetings/{meeting_id}/invitees")
async def get_invitees(request: Request, meeting_id: uuid.UUID) -> dict[str, Any]:
    """Signatories, the computed list with the reasons, the manual changes and the final list."""
    try:
        return await service.invitees(_pool(request), meeting_id)
    except InviteeError as exc:
        raise _http_error(exc) from None


@router.post("/meetings/{meeting_id}/invitees", status_code=201)
async def add_invitee(
    request: Request, meeting_id: uuid.UUID, body: AddIn, x_quartier_actor: Actor = "system"
) -> dict[str, Any]:
    try:
        return await service.add_invitee(_pool(request), meeting_id, body.person_id, body.reason, x_quartier_actor)
    except InviteeError as exc:
        raise _http_error(exc) from None


@router.post("/meetings/{meeting_id}/invitees/{person_id}/remove")
async def remove_invitee(
    request: Request, meeting_id: uuid.UUID, person_id: uuid.UUID, body: RemoveIn, x_quartier_actor: Actor = "system"
) -> dict[str, Any]:
    try:
        return await service.remove_invitee(_pool(request), meeting_id, person_id, body.reason, x_quartier_actor)
    except InviteeError as exc:
        raise _http_error(exc) from None


@router.post("/meetings/{meeting_id}/send")
async def send(request: Request, meeting_id: uuid.UUID) -> dict[str, Any]:
    """Queues the invitations of the final list: ``{queued, not_reachable: [...]}``."""
    try:
        return await service.send(_pool(request), meeting_id)
    except InviteeError as exc:
        raise _http_error(exc) from None
