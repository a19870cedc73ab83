"""HTTP routes of the Jahresplan cycle (internal API, called by the gateway).

Refusals (problem+json, ``quartier_shared.http``): 404 unknown plan, measure, hearing or need; 409 a step out
of order (German ``detail`` saying what must happen first) or ``If-Match`` naming an older version; 422 wrong
input (``errors`` names the field). Authorisation is the gateway's; the actor comes from the
``X-Quartier-Actor`` header and is kept in the plan's history.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from quartier_planning.db.plans import to_document
from quartier_planning.domain import plans as domain
from quartier_planning.domain.plans import AnnualPlan, Catalogue
from quartier_planning.service import plans as service
from quartier_shared.http import PROBLEM_RESPONSES, Actor, IfMatch, Pool

router = APIRouter(prefix="/api/v1", tags=["Jahresplanung"], responses=PROBLEM_RESPONSES)


class NewPlan(BaseModel):
    social_area_key: str = Field(min_length=1, max_length=64)
    year: int


class MeasureIn(BaseModel):
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=5000)
    field_of_action: str
    responsible_actor_id: uuid.UUID
    starts_on: dt.date
    ends_on: dt.date
    cross_cutting_themes: list[str] = []
    target_groups: list[str] = []
    strategic_goals: list[str] = []
    partner_actor_ids: list[uuid.UUID] = []
    residential_area_number: int | None = None
    at_community_centre: bool = False
    planned_indicators: list[str] = []
    offer_ids: list[uuid.UUID] = []
    steering_goal_ids: list[uuid.UUID] = []
    agreement_id: uuid.UUID | None = None  # the target agreement (Zielvereinbarung) the measure fulfils

    def spec(self) -> domain.MeasureInput:
        return domain.MeasureInput(
            title=self.title,
            description=self.description,
            field_of_action=self.field_of_action,
            responsible_actor_id=self.responsible_actor_id,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            cross_cutting_themes=tuple(self.cross_cutting_themes),
            target_groups=tuple(self.target_groups),
            strategic_goals=tuple(self.strategic_goals),
            partner_actor_ids=tuple(self.partner_actor_ids),
            residential_area_number=self.residential_area_number,
            at_community_centre=self.at_community_centre,
            planned_indicators=tuple(self.planned_indicators),
            offer_ids=tuple(self.offer_ids),
            steering_goal_ids=tuple(self.steering_goal_ids),
            agreement_id=self.agreement_id,
        )


class NeedIn(BaseModel):
    text: str = Field(max_length=2000)
    field_of_action: str | None = None


class NeedsIn(BaseModel):
    needs: list[NeedIn] = Field(min_length=1)


class AnswerIn(BaseModel):
    kind: Literal["taken_into_plan", "forwarded", "not_possible"]
    measure_id: uuid.UUID | None = None
    forwarded_to: str | None = None
    reason: str | None = None


class ReviewEntryIn(BaseModel):
    decision: Literal["continued", "changed", "dropped", "added"]
    reason: str
    measure_id: uuid.UUID | None = None
    measure: MeasureIn | None = None


class ReviewIn(BaseModel):
    entries: list[ReviewEntryIn]


class EvaluationEntryIn(BaseModel):
    measure_id: uuid.UUID
    outcome: Literal["done", "partly", "not_done"]
    indicators_reached: list[str] = []
    lessons: str = ""


class EvaluationIn(BaseModel):
    entries: list[EvaluationEntryIn]


def _out(plan: AnnualPlan, version: int | None = None, history: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    doc = to_document(plan)
    doc["missing_for_final"] = plan.missing_for_final() if plan.state == domain.PlanState.PRESENTED else []
    if version is not None:
        doc["version"] = version
    if history is not None:
        doc["history"] = history
    return doc


async def _run(
    pool: Pool,
    plan_id: uuid.UUID,
    actor: str,
    if_match: int | None,
    decide: Any,
    actor_ids: Any = (),
    offer_ids: Any = (),
) -> dict[str, Any]:
    plan, version = await service.command(pool, plan_id, actor, decide, actor_ids, if_match, offer_ids)
    return _out(plan, version)


@router.post("/plans", status_code=201, summary="Jahresplan als Entwurf anlegen")
async def create_plan(body: NewPlan, pool: Pool, actor: Actor) -> dict[str, Any]:
    plan = await service.create_plan(pool, body.social_area_key, body.year, actor)
    return _out(plan, 1)


@router.get("/plans", summary="Jahrespläne")
async def list_plans(
    pool: Pool,
    year: Annotated[int | None, Query()] = None,
    social_area_key: Annotated[str | None, Query()] = None,
) -> list[dict[str, Any]]:
    return await service.list_plans(pool, year, social_area_key)


@router.get("/plans/{plan_id}", summary="Ein Jahresplan mit Maßnahmen, Anhörungen, Bedarfen und Verlauf")
async def get_plan(plan_id: uuid.UUID, pool: Pool) -> dict[str, Any]:
    plan, version, history = await service.get_plan(pool, plan_id)
    return _out(plan, version, history)


@router.get("/plans/{plan_id}/versions/{version}", summary="Ein früherer Stand des Plans")
async def get_plan_version(plan_id: uuid.UUID, version: int, pool: Pool) -> dict[str, Any]:
    return await service.plan_version(pool, plan_id, version)


@router.get("/plans/{plan_id}/compare", summary="Zwei Stände des Plans vergleichen")
async def compare_versions(
    plan_id: uuid.UUID,
    pool: Pool,
    from_version: Annotated[int, Query(alias="from")],
    to_version: Annotated[int, Query(alias="to")],
) -> dict[str, Any]:
    """What changed from version ``from`` to version ``to`` (either order): state, measures added, removed
    and changed (with the fields that differ), hearings opened or closed, council needs added or answered."""
    return await service.compare_versions(pool, plan_id, from_version, to_version)


@router.post("/plans/{plan_id}/measures", status_code=201, summary="Maßnahme hinzufügen")
async def add_measure(
    plan_id: uuid.UUID, body: MeasureIn, pool: Pool, actor: Actor, if_match: IfMatch
) -> dict[str, Any]:
    spec = body.spec()
    measure_id = uuid.uuid4()

    def decide(plan: AnnualPlan, cat: Catalogue) -> domain.Result:
        return domain.add_measure(plan, measure_id, spec, cat)

    out = await _run(pool, plan_id, actor, if_match, decide, service.actors_of(spec), service.offers_of(spec))
    out["measure_id"] = str(measure_id)
    return out


@router.put("/plans/{plan_id}/measures/{measure_id}", summary="Maßnahme ändern")
async def change_measure(
    plan_id: uuid.UUID, measure_id: uuid.UUID, body: MeasureIn, pool: Pool, actor: Actor, if_match: IfMatch
) -> dict[str, Any]:
    spec = body.spec()
    return await _run(
        pool,
        plan_id,
        actor,
        if_match,
        lambda plan, cat: domain.change_measure(plan, measure_id, spec, cat),
        service.actors_of(spec),
        service.offers_of(spec),
    )


@router.delete("/plans/{plan_id}/measures/{measure_id}", summary="Maßnahme entfernen")
async def remove_measure(
    plan_id: uuid.UUID, measure_id: uuid.UUID, pool: Pool, actor: Actor, if_match: IfMatch
) -> dict[str, Any]:
    return await _run(pool, plan_id, actor, if_match, lambda plan, cat: domain.remove_measure(plan, measure_id, cat))


@router.post("/plans/{plan_id}/present", summary="Plan vorlegen: Anhörungen der Bezirksvertretungen öffnen")
async def present(plan_id: uuid.UUID, pool: Pool, actor: Actor, if_match: IfMatch) -> dict[str, Any]:
    return await _run(pool, plan_id, actor, if_match, domain.present)


@router.post("/plans/{plan_id}/hearings/{district_key}/needs", status_code=201, summary="Bedarfe eines Bezirks")
async def record_needs(
    plan_id: uuid.UUID, district_key: str, body: NeedsIn, pool: Pool, actor: Actor, if_match: IfMatch
) -> dict[str, Any]:
    needs = [(uuid.uuid4(), n.text, n.field_of_action) for n in body.needs]
    out = await _run(
        pool, plan_id, actor, if_match, lambda plan, cat: domain.record_needs(plan, district_key, needs, cat)
    )
    out["need_ids"] = [str(n[0]) for n in needs]
    return out


@router.post("/plans/{plan_id}/needs/{need_id}/answer", summary="Bedarf beantworten")
async def answer_need(
    plan_id: uuid.UUID, need_id: uuid.UUID, body: AnswerIn, pool: Pool, actor: Actor, if_match: IfMatch
) -> dict[str, Any]:
    answer = domain.Answer(body.kind, body.measure_id, body.forwarded_to, body.reason)
    return await _run(pool, plan_id, actor, if_match, lambda plan, _: domain.answer_need(plan, need_id, answer))


@router.post("/plans/{plan_id}/hearings/{district_key}/close", summary="Anhörung schließen")
async def close_hearing(
    plan_id: uuid.UUID, district_key: str, pool: Pool, actor: Actor, if_match: IfMatch
) -> dict[str, Any]:
    return await _run(pool, plan_id, actor, if_match, lambda plan, _: domain.close_hearing(plan, district_key))


@router.post("/plans/{plan_id}/finalize", summary="Plan final machen")
async def finalize(plan_id: uuid.UUID, pool: Pool, actor: Actor, if_match: IfMatch) -> dict[str, Any]:
    return await _run(pool, plan_id, actor, if_match, lambda plan, _: domain.finalize(plan))


@router.post("/plans/{plan_id}/start", summary="Umsetzung beginnen")
async def start(plan_id: uuid.UUID, pool: Pool, actor: Actor, if_match: IfMatch) -> dict[str, Any]:
    return await _run(pool, plan_id, actor, if_match, lambda plan, _: domain.start(plan))


@router.post("/plans/{plan_id}/mid-year-review", summary="Halbjahresbilanz")
async def mid_year_review(
    plan_id: uuid.UUID, body: ReviewIn, pool: Pool, actor: Actor, if_match: IfMatch
) -> dict[str, Any]:
    entries = [
        domain.ReviewEntry(e.decision, e.reason, e.measure_id, e.measure.spec() if e.measure else None)
        for e in body.entries
    ]
    return await _run(
        pool,
        plan_id,
        actor,
        if_match,
        lambda plan, cat: domain.mid_year_review(plan, entries, cat),
        service.actors_of(*(e.spec for e in entries)),
        service.offers_of(*(e.spec for e in entries)),
    )


@router.post("/plans/{plan_id}/evaluate", summary="Auswertung")
async def evaluate(
    plan_id: uuid.UUID, body: EvaluationIn, pool: Pool, actor: Actor, if_match: IfMatch
) -> dict[str, Any]:
    entries = [
        domain.EvaluationEntry(e.measure_id, e.outcome, tuple(e.indicators_reached), e.lessons) for e in body.entries
    ]
    return await _run(pool, plan_id, actor, if_match, lambda plan, _: domain.evaluate(plan, entries))


@router.post("/plans/{plan_id}/carry-over", summary="Offene Maßnahmen in den Entwurf des nächsten Jahres übertragen")
async def carry_over(plan_id: uuid.UUID, pool: Pool, actor: Actor) -> dict[str, Any]:
    source, target = await service.carry_over(pool, plan_id, actor)
    return {"plan": _out(source), "next_plan": _out(target)}
