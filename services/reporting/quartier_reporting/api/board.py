"""HTTP routes of the read models (internal API, called by the gateway).

- ``GET /api/v1/board?year=`` (default: this year) the status board (Lagebild) of all 9 Sozialräume, in
  registry order: ``{year, areas: [{social_area_key, name, district_keys, plan: {plan_id, state, state_name,
  version} | null, next_deadline: {step, step_name, due_on} | null, overdue: [{step, step_name, due_on}],
  hearings_open, needs_open, needs_answered, next_conference: {meeting_id, title, starts_at} | null,
  overdue_agreement_reports: [{agreement_id, title, provider_actor_id, period, period_name, due_on}]}]}``.
  ``version`` counts the plan's events reporting applied; needs = the plan's council needs plus the
  standalone needs of the area belonging to the year (taken into that year's plan, else raised in it);
- ``GET /api/v1/distributions?district_key=&year=&social_area_key=`` mid-year reviews and evaluations
  delivered to the councils (a council sees those with its district key) and the steering committee,
  newest first: ``[{plan_id, social_area_key, year, kind, distributed_at, district_keys, summary: {kind,
  counts: {group: n}, measures: {group: [{measure_id, title, reason?}]}}}]`` with the groups continued /
  changed / dropped / added (mid_year_review) or done / partly / not_done (evaluation);
- ``GET /api/v1/public/social-areas/{key}?year=`` what anyone may see of a Sozialraum (no personal data):
  ``{social_area_key, name, plan: {year, state, state_name, measures_by_field: [{field_of_action, measures:
  [{title, period: {starts_on, ends_on}}]}]} | null`` (only plans at least final; dropped measures left
  out), ``next_conference, published_reports: [{year, version, published_at}]}``;
- ``POST /api/v1/admin/rebuild`` (``X-Quartier-Actor``) replays every topic into fresh tables and swaps them in.

Refusals (problem+json): 404 unknown Sozialraum, 422 bad input (``errors`` names the field, German).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query

from quartier_reporting.service import board as service
from quartier_reporting.service import rebuild as rebuild_service
from quartier_shared.errors import InvalidInput, NotFound
from quartier_shared.http import PROBLEM_RESPONSES, Ctx, Pool

router = APIRouter(prefix="/api/v1", tags=["Lagebild und Lesemodelle"], responses=PROBLEM_RESPONSES)
log = logging.getLogger(__name__)


def _this_year() -> int:
    return service.today_in_hamm().year


def _check_year(year: int | None) -> int:
    if year is None:
        return _this_year()
    if not 2000 <= year <= 2100:
        raise InvalidInput("year", f"{year} ist kein gültiges Planjahr.")
    return year


@router.get("/board", summary="Lagebild: alle Sozialräume eines Planjahres nebeneinander")
async def board(pool: Pool, year: Annotated[int | None, Query()] = None) -> dict[str, Any]:
    async with pool.acquire() as conn:
        return await service.board(conn, _check_year(year))


@router.get("/distributions", summary="Verteilte Halbjahresbilanzen und Auswertungen")
async def distributions(
    pool: Pool,
    district_key: Annotated[str | None, Query(max_length=64)] = None,
    year: Annotated[int | None, Query()] = None,
    social_area_key: Annotated[str | None, Query(max_length=64)] = None,
) -> list[dict[str, Any]]:
    if year is not None:
        _check_year(year)
    async with pool.acquire() as conn:
        return await service.distributions(conn, district_key or None, year, social_area_key or None)


@router.get("/public/social-areas/{key}", summary="Öffentliche Sicht auf einen Sozialraum (ohne Personendaten)")
async def public_social_area(key: str, pool: Pool, year: Annotated[int | None, Query()] = None) -> dict[str, Any]:
    async with pool.acquire() as conn:
        area = await service.public_social_area(conn, key, _check_year(year))
    if area is None:
        raise NotFound("", f"Sozialraum „{key}“ ist nicht bekannt.")
    return area


@router.post("/admin/rebuild", summary="Lesemodelle aus allen Ereignissen neu aufbauen und austauschen")
async def rebuild(
    ctx: Ctx,
    # Not the shared ``Actor`` (which defaults to "api"): a rebuild is logged with who asked for it.
    x_quartier_actor: Annotated[str, Header(max_length=200)],
) -> dict[str, Any]:
    started = dt.datetime.now(dt.UTC)
    result = await rebuild_service.rebuild(
        ctx.pool,
        bootstrap=ctx.settings.kafka_bootstrap,
        topic_prefix=ctx.settings.topic_prefix,
        schema=ctx.settings.db_schema,
    )
    log.info("rebuild requested", extra={"actor": x_quartier_actor, "events_applied": result.events_applied})
    return {
        "started_at": started,
        "events_applied": result.events_applied,
        "events_skipped": result.events_skipped,
        "tables": result.tables,
        "seconds": result.seconds,
    }
