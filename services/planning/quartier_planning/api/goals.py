"""HTTP routes of the steering goals (Steuerungsziele) of the steering committee (internal API, called by the
gateway).

A goal names the council decision it comes from and the years it applies to; measures of the plans link to
it (``steering_goal_ids``), and a goal shows the measures of all plans that link to it. Errors: 404 unknown
goal; 409 a retired goal changed, or ``If-Match`` naming an older version; 422 wrong input (``errors`` names
the field). The actor comes from ``X-Quartier-Actor`` and is kept in the goal's history.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from quartier_planning.db.goals import to_document
from quartier_planning.domain.goals import GoalInput
from quartier_planning.service import goals as service
from quartier_shared.http import PROBLEM_RESPONSES, Actor, IfMatch, Pool

router = APIRouter(prefix="/api/v1", tags=["Steuerungsziele"], responses=PROBLEM_RESPONSES)


class GoalIn(BaseModel):
    """Lengths are checked by the rules (German messages naming the field)."""

    title: str
    description: str = ""
    council_decision: str
    decided_on: dt.date
    valid_from_year: int
    valid_until_year: int | None = None

    def spec(self) -> GoalInput:
        return GoalInput(
            title=self.title,
            description=self.description,
            council_decision=self.council_decision,
            decided_on=self.decided_on,
            valid_from_year=self.valid_from_year,
            valid_until_year=self.valid_until_year,
        )


class RetireIn(BaseModel):
    reason: str


@router.get("/goals", summary="Steuerungsziele")
async def list_goals(
    pool: Pool,
    include_retired: Annotated[bool, Query()] = False,
    year: Annotated[int | None, Query(description="nur die in diesem Jahr gültigen")] = None,
) -> list[dict[str, Any]]:
    return await service.list_goals(pool, include_retired=include_retired, year=year)


@router.get("/goals/{goal_id}", summary="Ein Steuerungsziel mit Verlauf und den Maßnahmen, die ihm dienen")
async def get_goal(goal_id: uuid.UUID, pool: Pool) -> dict[str, Any]:
    return await service.get_goal(pool, goal_id)


@router.post("/goals", status_code=201, summary="Steuerungsziel festlegen (aus einem Ratsbeschluss)")
async def define_goal(body: GoalIn, pool: Pool, actor: Actor) -> dict[str, Any]:
    goal, version = await service.define(pool, body.spec(), actor)
    return to_document(goal, version)


@router.put("/goals/{goal_id}", summary="Steuerungsziel ändern (If-Match: Version)")
async def change_goal(goal_id: uuid.UUID, body: GoalIn, pool: Pool, actor: Actor, if_match: IfMatch) -> dict[str, Any]:
    goal, version = await service.change(pool, goal_id, body.spec(), actor, if_match)
    return to_document(goal, version)


@router.post("/goals/{goal_id}/retire", summary="Steuerungsziel zurückziehen (mit Begründung)")
async def retire_goal(
    goal_id: uuid.UUID, body: RetireIn, pool: Pool, actor: Actor, if_match: IfMatch
) -> dict[str, Any]:
    goal, version = await service.retire(pool, goal_id, body.reason, actor, if_match)
    return to_document(goal, version)
