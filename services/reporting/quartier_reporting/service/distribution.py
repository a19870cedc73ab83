"""Delivering a plan's mid-year review and evaluation to the steering committee and the district councils.

Called by the plans consumer in the transaction that applies planning's MidYearReviewCompleted /
PlanEvaluated: records the distribution (one per plan and kind) and announces EvaluationDistributed through
the outbox, so that the invitations service can mail it. During a rebuild (``REPLAYING``) the distribution
is recorded again into the shadow tables but never announced a second time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from contextvars import ContextVar

import asyncpg

from quartier_reporting.db import distribution as db
from quartier_reporting.db import read_models
from quartier_reporting.domain import distribution as domain
from quartier_reporting.settings import SOURCE
from quartier_shared.events.reporting import EvaluationDistributed
from quartier_shared.outbox import enqueue

REPLAYING: ContextVar[bool] = ContextVar("reporting_replaying", default=False)


async def distribute(
    conn: asyncpg.Connection,
    *,
    plan_id: uuid.UUID,
    social_area_key: str,
    year: int,
    kind: str,
    groups: Mapping[str, Sequence[uuid.UUID]],
    district_keys: Sequence[str],
    reasons: Mapping[str, str] | None,
    at: dt.datetime,
) -> bool:
    titles = {r["measure_id"]: r["title"] for r in await read_models.measures_of(conn, plan_id)}
    if not district_keys:  # an evaluation names no districts: the plan's hearings do
        district_keys = await db.hearing_districts(conn, plan_id)
    summary = domain.summary(kind, groups, titles, reasons)
    fresh = await db.record_distribution(conn, plan_id, kind, social_area_key, year, district_keys, summary, at)
    if fresh and not REPLAYING.get():
        await enqueue(
            conn,
            EvaluationDistributed(
                plan_id=plan_id,
                social_area_key=social_area_key,
                year=year,
                kind="mid_year_review" if kind == "mid_year_review" else "evaluation",
                district_keys=list(district_keys),
                steering_committee=True,
            ),
            source=SOURCE,
        )
    return fresh
