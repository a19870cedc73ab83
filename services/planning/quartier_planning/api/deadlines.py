"""HTTP routes of the deadlines: the status board of all plans and the deadlines of one plan.

``today`` (optional, ``YYYY-MM-DD``) shows the board as of another day (planning ahead, previews); without
it the day is today in Hamm. Reading only: announcing runs in the service, never through a request.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from quartier_planning.domain.deadlines import today_in_hamm
from quartier_planning.service import deadlines as service
from quartier_shared.http import PROBLEM_RESPONSES, Ctx

router = APIRouter(prefix="/api/v1", tags=["Fristen"], responses=PROBLEM_RESPONSES)


@router.get("/deadlines", summary="Fristen aller Pläne: nächste Frist und überfällige Schritte")
async def deadlines_board(
    ctx: Ctx,
    year: Annotated[int | None, Query()] = None,
    today: Annotated[dt.date | None, Query()] = None,
) -> list[dict[str, Any]]:
    return await service.board(ctx.pool, year, today or today_in_hamm(), service.config_of(ctx.settings))


@router.get("/plans/{plan_id}/deadlines", summary="Die Fristen eines Plans")
async def plan_deadlines(
    plan_id: uuid.UUID, ctx: Ctx, today: Annotated[dt.date | None, Query()] = None
) -> dict[str, Any]:
    return await service.plan_deadlines(ctx.pool, plan_id, today or today_in_hamm(), service.config_of(ctx.settings))
