"""HTTP routes of the answers: the signed link's view and answer (no login; the token is the authority),
and the staff list of a meeting's answers. Refusals (problem+json, German ``detail``): 403 link forged or
expired, 409 meeting cancelled, 422 wrong input."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel

from quartier_invitations.service import delivery as service
from quartier_shared.http import PROBLEM_RESPONSES, Ctx, Pool, problem_responses

# A forged or expired link (403) besides the common refusals.
router = APIRouter(prefix="/api/v1", tags=["Antworten"], responses={**PROBLEM_RESPONSES, **problem_responses(403)})


class AnswerIn(BaseModel):
    answer: Literal["accept", "decline"]


@router.get("/answers/{token}", summary="Termin und aktuelle Antwort zum signierten Link")
async def view(token: str, ctx: Ctx) -> dict[str, Any]:
    return await service.answer_view(ctx.pool, service.config_of(ctx), token)


@router.post("/answers/{token}", summary="Zusagen oder absagen über den signierten Link")
async def answer(token: str, body: AnswerIn, ctx: Ctx) -> dict[str, Any]:
    return await service.give_answer(ctx.pool, service.config_of(ctx), token, body.answer)


@router.get("/meetings/{meeting_id}/answers", summary="Zu- und Absagen zu einem Termin")
async def meeting_answers(meeting_id: uuid.UUID, pool: Pool) -> list[dict[str, Any]]:
    return await service.meeting_answers(pool, meeting_id)
