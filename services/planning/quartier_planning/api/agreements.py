"""HTTP routes of the target agreements (Zielvereinbarungen) with commissioned providers and their activity
reports (Sachberichte) (internal API, called by the gateway).

Every agreement document carries its reports, ``overdue_reports`` (reports not delivered by their due date),
``reached`` (target against reached values per target) and the ``measures`` of all plans pointing to it.
Errors: 404 unknown agreement; 409 a step out of order or ``If-Match`` naming an older version; 422 wrong
input (``errors`` names the field). Who may conclude, change or report is the gateway's rule; the actor
comes from ``X-Quartier-Actor`` and is kept in the agreement's history.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from quartier_planning.domain.agreements import AgreementInput, ReachedValue, ReportInput, TargetInput
from quartier_planning.service import agreements as service
from quartier_shared.http import PROBLEM_RESPONSES, Actor, IfMatch, Pool

router = APIRouter(prefix="/api/v1", tags=["Zielvereinbarungen"], responses=PROBLEM_RESPONSES)


class TargetIn(BaseModel):
    id: uuid.UUID | None = None
    indicator: str
    target_value: float
    unit: str = ""


class AgreementIn(BaseModel):
    """Lengths and values are checked by the rules (German messages naming the field)."""

    provider_actor_id: uuid.UUID
    year: int
    social_area_keys: list[str] = Field(min_length=1)
    field_of_action: str
    title: str = ""
    targets: list[TargetIn]
    strategic_goals: list[str] = []
    steering_goal_ids: list[uuid.UUID] = []
    responsible_department: str
    mid_year_report_due: dt.date | None = None
    year_end_report_due: dt.date | None = None

    def spec(self) -> AgreementInput:
        return AgreementInput(
            provider_actor_id=self.provider_actor_id,
            year=self.year,
            social_area_keys=tuple(self.social_area_keys),
            field_of_action=self.field_of_action,
            title=self.title,
            targets=tuple(TargetInput(t.indicator, t.target_value, t.unit, t.id) for t in self.targets),
            strategic_goals=tuple(self.strategic_goals),
            steering_goal_ids=tuple(self.steering_goal_ids),
            responsible_department=self.responsible_department,
            mid_year_report_due=self.mid_year_report_due,
            year_end_report_due=self.year_end_report_due,
        )


class ValueIn(BaseModel):
    target_id: uuid.UUID
    value: float


class ReportIn(BaseModel):
    period: Literal["mid_year", "year_end"]
    values: list[ValueIn]
    narrative: str
    delivered_on: dt.date

    def report(self) -> ReportInput:
        return ReportInput(
            self.period,
            tuple(ReachedValue(v.target_id, v.value) for v in self.values),
            self.narrative,
            self.delivered_on,
        )


@router.get("/agreements", summary="Zielvereinbarungen (mit Sachberichten und überfälligen Berichten)")
async def list_agreements(
    pool: Pool,
    year: Annotated[int | None, Query()] = None,
    social_area_key: Annotated[str | None, Query()] = None,
    provider_actor_id: Annotated[uuid.UUID | None, Query()] = None,
) -> list[dict[str, Any]]:
    return await service.list_agreements(
        pool, year=year, social_area_key=social_area_key, provider_actor_id=provider_actor_id
    )


@router.get("/agreements/{agreement_id}", summary="Eine Zielvereinbarung mit Sachberichten, Maßnahmen und Verlauf")
async def get_agreement(agreement_id: uuid.UUID, pool: Pool) -> dict[str, Any]:
    return await service.get_agreement(pool, agreement_id)


@router.post("/agreements", status_code=201, summary="Zielvereinbarung mit einem Träger abschließen")
async def conclude_agreement(body: AgreementIn, pool: Pool, actor: Actor) -> dict[str, Any]:
    agreement, version = await service.conclude(pool, body.spec(), actor)
    return await service.document_of(pool, agreement, version)


@router.put("/agreements/{agreement_id}", summary="Zielvereinbarung ändern (If-Match: Version)")
async def change_agreement(
    agreement_id: uuid.UUID, body: AgreementIn, pool: Pool, actor: Actor, if_match: IfMatch
) -> dict[str, Any]:
    agreement, version = await service.change(pool, agreement_id, body.spec(), actor, if_match)
    return await service.document_of(pool, agreement, version)


@router.post(
    "/agreements/{agreement_id}/reports", status_code=201, summary="Sachbericht des Trägers (Halbjahr oder Jahresende)"
)
async def submit_report(
    agreement_id: uuid.UUID, body: ReportIn, pool: Pool, actor: Actor, if_match: IfMatch
) -> dict[str, Any]:
    agreement, version = await service.submit_report(pool, agreement_id, body.report(), actor, if_match)
    return await service.document_of(pool, agreement, version)
