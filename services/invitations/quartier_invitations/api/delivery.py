"""HTTP route for staff: what was sent about a meeting, to whom, and what became of it."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from quartier_invitations.service import delivery as service
from quartier_shared.http import PROBLEM_RESPONSES, Pool

router = APIRouter(prefix="/api/v1", tags=["Versand"], responses=PROBLEM_RESPONSES)


@router.get("/deliveries", summary="Verschickte Mails eines Termins (Status: pending, sent, bounced, failed)")
async def deliveries(meeting_id: Annotated[uuid.UUID, Query()], pool: Pool) -> list[dict[str, Any]]:
    return await service.deliveries(pool, meeting_id)
