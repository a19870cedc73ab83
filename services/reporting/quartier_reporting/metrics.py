"""Reporting's business figures on /metrics, computed from reporting's own read model every 15 s.

- ``quartier_reporting_territory_entries{kind}``: districts, social areas, residential areas and
  vocabularies reporting has learned from the registry's events (Hamm: 7, 9, 27 and the vocabularies);
- ``quartier_reporting_territory_changes``: territory changes in the history the reports show;
- ``quartier_reporting_plans{state}``: the Jahrespläne of the current year (Europe/Berlin) per state;
- ``quartier_reporting_overdue_steps``: steps of the plan cycle past due and not done (all plans);
- ``quartier_reporting_open_needs{kind}``: open needs: ``council`` (recorded in a hearing, not yet answered)
  and ``standalone`` (raised outside a hearing, status open).
"""

from __future__ import annotations

import datetime as dt

from prometheus_client import Gauge

from quartier_reporting.db import metrics as db
from quartier_reporting.domain import board
from quartier_reporting.service.board import today_in_hamm
from quartier_shared.metrics import REGISTRY, periodic
from quartier_shared.runtime import ServiceContext

ENTRIES = Gauge(
    "quartier_reporting_territory_entries",
    "Entries of the territory read model (built from the registry's events).",
    ["kind"],
    registry=REGISTRY,
)
CHANGES = Gauge("quartier_reporting_territory_changes", "Territory changes in reporting's history.", registry=REGISTRY)
PLANS = Gauge("quartier_reporting_plans", "Jahrespläne of the current year per state.", ["state"], registry=REGISTRY)
OVERDUE = Gauge("quartier_reporting_overdue_steps", "Steps of the plan cycle past due and not done.", registry=REGISTRY)
OPEN_NEEDS = Gauge(
    "quartier_reporting_open_needs", "Open needs by kind (council, standalone).", ["kind"], registry=REGISTRY
)
for _state in board.STATES:
    PLANS.labels(_state)


async def refresh(ctx: ServiceContext) -> None:
    async with ctx.pool.acquire() as conn:
        row = await db.territory_counts(conn)
    for kind in ("districts", "social_areas", "residential_areas", "vocabularies"):
        ENTRIES.labels(kind).set(row[kind])
    CHANGES.set(row["changes"])
    await refresh_business(ctx)


async def refresh_business(ctx: ServiceContext, today: dt.date | None = None) -> None:
    today = today or today_in_hamm()
    async with ctx.pool.acquire() as conn:
        counts = await db.plans_per_state(conn, today.year)
        deadlines = await db.deadlines_with_plan_state(conn)
        needs = await db.open_needs(conn)
    for state in board.STATES:
        PLANS.labels(state).set(counts.get(state, 0))
    by_plan: dict[object, list[board.Deadline]] = {}
    plan_state: dict[object, tuple[str, bool]] = {}
    for r in deadlines:
        by_plan.setdefault(r["plan_id"], []).append(board.Deadline(r["step"], r["due_on"], r["missed"]))
        plan_state[r["plan_id"]] = (r["state"], r["all_closed"])
    OVERDUE.set(sum(len(board.deadline_status(*plan_state[p], ds, today).overdue) for p, ds in by_plan.items()))
    OPEN_NEEDS.labels("council").set(needs["council"])
    OPEN_NEEDS.labels("standalone").set(needs["standalone"])


refresh_metrics = periodic(refresh, 15.0)
