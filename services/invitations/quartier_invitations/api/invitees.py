"""HTTP routes of a meeting's invitee list: computed with reasons, changed by hand, sent.

Refusals (problem+json): 404 unknown meeting; 409 a step out of order (sending for a cancelled meeting);
422 wrong input (``errors`` names the field, German). The actor comes from ``X-Quartier-Actor``.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from quartier_invitations.domain.invitees import MAX_REASON
from quartier_invitations.service import invitees as service
from quartier_shared.http import PROBLEM_RESPONSES, Actor, Pool

router = APIRouter(prefix="/api/v1", tags=["Einladungslisten"], responses=PROBLEM_RESPONSES)
# A broken rules file refuses the service's start (when the app is built), not the first request.
service.check_rules()


class AddIn(BaseModel):
    person_id: uuid.UUID
    reason: str = Field(max_length=MAX_REASON * 2)


class RemoveIn(BaseModel):
    reason: str = Field(max_length=MAX_REASON * 2)


@router.get("/meetings/{meeting_id}/invitees")
async def get_invitees(pool: Pool, meeting_id: uuid.UUID) -> dict[str, Any]:
    """Signatories, the computed list with the reasons, the manual changes and the final list."""
    return await service.invitees(pool, meeting_id)


@router.post("/meetings/{meeting_id}/invitees", status_code=201)
async def add_invitee(pool: Pool, meeting_id: uuid.UUID, body: AddIn, actor: Actor) -> dict[str, Any]:
    return await service.add_invitee(pool, meeting_id, body.person_id, body.reason, actor)


@router.post("/meetings/{meeting_id}/invitees/{person_id}/remove")
async def remove_invitee(
    pool: Pool, meeting_id: uuid.UUID, person_id: uuid.UUID, body: RemoveIn, actor: Actor
) -> dict[str, Any]:
    return await service.remove_invitee(pool, meeting_id, person_id, body.reason, actor)


@router.post("/meetings/{meeting_id}/send")
async def send(pool: Pool, meeting_id: uuid.UUID) -> dict[str, Any]:
    """Queues the invitations of the final list: ``{queued, not_reachable: [...]}``."""
    return await service.send(pool, meeting_id)
