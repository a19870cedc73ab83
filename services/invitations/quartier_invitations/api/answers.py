"""HTTP routes of the answers: the signed link's view and answer (no login; the token is the authority),
and the staff list of a meeting's answers. Errors: 403 link forged or expired, 409 meeting cancelled,
422 wrong input — each with a German ``detail``."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel

from quartier_invitations.service import delivery as service
from quartier_shared.runtime import ServiceContext

router = APIRouter(prefix="/api/v1", tags=["Antworten"])


class AnswerIn(BaseModel):
    answer: Literal["accept", "decline"]


def _ctx(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.ctx
    return ctx


@router.get("/answers/{token}", summary="Termin und aktuelle Antwort zum signierten Link")
async def view(token: str, request: Request) -> dict[str, Any]:
    ctx = _ctx(request)
    try:
        return await service.answer_view(ctx.pool, service.config_of(ctx), token)
    except service.AnswerRefused as exc:
        raise HTTPException(exc.status, exc.detail) from None


@router.post("/answers/{token}", summary="Zusagen oder absagen über den signierten Link")
async def answer(token: str, body: AnswerIn, request: Request) -> dict[str, Any]:
    ctx = _ctx(request)
    try:
        return await service.give_answer(ctx.pool, service.config_of(ctx), token, body.answer)
    except service.AnswerRefused as exc:
        raise HTTPException(exc.status, exc.detail) from None


@router.get("/meetings/{meeting_id}/answers", summary="Zu- und Absagen zu einem Termin")
async def meeting_answers(meeting_id: uuid.UUID, request: Request) -> list[dict[str, Any]]:
    return await service.meeting_answers(_ctx(request).pool, meeting_id)
