"""Planning's business figures on /metrics, computed from planning's own tables every 15 s.

- ``quartier_planning_plans{state}``: Jahrespläne per state of the cycle;
- ``quartier_planning_needs{status}``: needs (Bedarfe) per status, ``open`` being the ones awaiting an answer;
- ``quartier_planning_overdue_steps{step}``: steps of plans whose deadline has passed and that are not done
  (the same rule as the deadline board and ``DeadlineMissed``); the alert ``PlanDeadlinePassed`` watches it.
"""

from __future__ import annotations

from prometheus_client import Gauge

from quartier_planning.db import metrics as db
from quartier_planning.domain import deadlines as domain
from quartier_planning.domain.needs import NeedStatus
from quartier_planning.domain.plans import PlanState
from quartier_planning.service import deadlines as deadlines_service
from quartier_shared.metrics import REGISTRY, periodic
from quartier_shared.runtime import ServiceContext

PLANS = Gauge("quartier_planning_plans", "Jahrespläne per state of the cycle.", ["state"], registry=REGISTRY)
NEEDS = Gauge("quartier_planning_needs", "Needs (Bedarfe) per status.", ["status"], registry=REGISTRY)
OVERDUE_STEPS = Gauge(
    "quartier_planning_overdue_steps",
    "Steps of plans past their deadline and not done (Europe/Berlin calendar days).",
    ["step"],
    registry=REGISTRY,
)


async def refresh(ctx: ServiceContext) -> None:
    async with ctx.pool.acquire() as conn:
        plans = await db.plans_per_state(conn)
        needs = await db.needs_per_status(conn)
    for state in PlanState:
        PLANS.labels(state.value).set(plans.get(state.value, 0))
    for status in NeedStatus:
        NEEDS.labels(status.value).set(needs.get(status.value, 0))
    board = await deadlines_service.board(
        ctx.pool, None, domain.today_in_hamm(), deadlines_service.config_of(ctx.settings)
    )
    overdue = {step.value: 0 for step in domain.Step}
    for plan in board:
        for deadline in plan["overdue"]:
            overdue[deadline["step"]] += 1
    for step, count in overdue.items():
        OVERDUE_STEPS.labels(step).set(count)


refresh_metrics = periodic(refresh, 15.0)
