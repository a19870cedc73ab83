"""HTTP route for staff: what was sent about a meeting, to whom, and what became of it."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from quartier_invitations.service import delivery as service
from quartier_shared.runtime import ServiceContext

router = APIRouter(prefix="/api/v1", tags=["Versand"])


@router.get("/deliveries", summary="Verschickte Mails eines Termins (Status: pending, sent, bounced, failed)")
async def deliveries(meeting_id: Annotated[uuid.UUID, Query()], request: Request) -> list[dict[str, Any]]:
    ctx: ServiceContext = request.app.state.ctx
    return await service.deliveries(ctx.pool, meeting_id)
