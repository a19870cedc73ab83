"""HTTP routes of standalone needs (Bedarfe) and their trace need → measure → evaluation.

Standalone needs (from a Stadtteilkonferenz, a council outside a hearing, a service or a resident) live in
``/needs``. Council needs recorded in a plan's hearing stay in the plan; their trace has the same form at
``/plans/{plan_id}/needs/{need_id}/trace``. Errors: 404 unknown need or plan; 409 a resolved need answered
again (reopen first); 422 wrong input (``errors`` names the field). The actor comes from ``X-Quartier-Actor``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from quartier_planning.db.needs import to_document
from quartier_planning.domain import needs as domain
from quartier_planning.domain.needs import NeedCatalogue, StandaloneNeed
from quartier_planning.service import needs as service
from quartier_shared.http import PROBLEM_RESPONSES, Actor, Pool

router = APIRouter(prefix="/api/v1", tags=["Bedarfe"], responses=PROBLEM_RESPONSES)
Source = Literal["neighbourhood_conference", "district_council", "service", "resident"]
Status = Literal["open", "taken_into_plan", "forwarded", "declined"]


class NeedIn(BaseModel):
    source: Source
    social_area_key: str = Field(min_length=1, max_length=64)
    residential_area_number: int | None = None
    field_of_action: str
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=5000)
    raised_on: dt.date | None = None
    raised_by: str = Field(max_length=100)


class TakeIntoPlanIn(BaseModel):
    plan_id: uuid.UUID
    measure_id: uuid.UUID


class ForwardIn(BaseModel):
    forwarded_to: str = Field(max_length=300)


class ReasonIn(BaseModel):
    reason: str = Field(max_length=2000)


def _out(need: StandaloneNeed, history: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    doc = to_document(need)
    if history is not None:
        doc["history"] = history
    return doc


async def _run(
    pool: Pool, need_id: uuid.UUID, actor: str, decide: Any, actor_ids: list[uuid.UUID] | None = None
) -> dict[str, Any]:
    need = await service.command(pool, need_id, actor, decide, actor_ids or [])
    return _out(need)


@router.post("/needs", status_code=201, summary="Bedarf erfassen")
async def raise_need(body: NeedIn, pool: Pool, actor: Actor) -> dict[str, Any]:
    spec = domain.NeedInput(
        source=body.source,
        social_area_key=body.social_area_key,
        field_of_action=body.field_of_action,
        title=body.title,
        raised_by=body.raised_by,
        description=body.description,
        residential_area_number=body.residential_area_number,
        raised_on=body.raised_on,
    )
    need = await service.raise_need(pool, spec, actor)
    return _out(need)


@router.get("/needs", summary="Bedarfe (ohne die Bedarfe aus Anhörungen; die stehen im Plan)")
async def list_needs(
    pool: Pool,
    social_area_key: Annotated[str | None, Query()] = None,
    status: Annotated[Status | None, Query()] = None,
    source: Annotated[Source | None, Query()] = None,
) -> list[dict[str, Any]]:
    return [_out(n) for n in await service.list_needs(pool, social_area_key, status, source)]


@router.get("/needs/{need_id}", summary="Ein Bedarf mit Verlauf")
async def get_need(need_id: uuid.UUID, pool: Pool) -> dict[str, Any]:
    need, history = await service.get_need(pool, need_id)
    return _out(need, history)


@router.post("/needs/{need_id}/take-into-plan", summary="Bedarf mit einer Maßnahme des Plans aufnehmen")
async def take_into_plan(need_id: uuid.UUID, body: TakeIntoPlanIn, pool: Pool, actor: Actor) -> dict[str, Any]:
    need = await service.take_into_plan(pool, need_id, body.plan_id, body.measure_id, actor)
    return _out(need)


@router.post("/needs/{need_id}/forward", summary="Bedarf weiterleiten (an eine Stelle oder einen Akteur)")
async def forward(need_id: uuid.UUID, body: ForwardIn, pool: Pool, actor: Actor) -> dict[str, Any]:
    def decide(need: StandaloneNeed, cat: NeedCatalogue) -> domain.NeedResult:
        return domain.forward(need, body.forwarded_to, cat.known_actor_ids)

    return await _run(pool, need_id, actor, decide, domain.actor_ids_in(body.forwarded_to))


@router.post("/needs/{need_id}/decline", summary="Bedarf ablehnen (mit Begründung)")
async def decline(need_id: uuid.UUID, body: ReasonIn, pool: Pool, actor: Actor) -> dict[str, Any]:
    return await _run(pool, need_id, actor, lambda need, _: domain.decline(need, body.reason))


@router.post("/needs/{need_id}/reopen", summary="Beantworteten Bedarf wieder öffnen (mit Begründung)")
async def reopen(need_id: uuid.UUID, body: ReasonIn, pool: Pool, actor: Actor) -> dict[str, Any]:
    return await _run(pool, need_id, actor, lambda need, _: domain.reopen(need, body.reason))


@router.get("/needs/{need_id}/trace", summary="Wohin der Bedarf ging: Bedarf → Maßnahme → Auswertung")
async def trace(need_id: uuid.UUID, pool: Pool) -> dict[str, Any]:
    return await service.trace(pool, need_id)


@router.get("/plans/{plan_id}/needs/{need_id}/trace", summary="Spur eines Bedarfs aus der Anhörung")
async def council_trace(plan_id: uuid.UUID, need_id: uuid.UUID, pool: Pool) -> dict[str, Any]:
    return await service.trace_council(pool, plan_id, need_id)
