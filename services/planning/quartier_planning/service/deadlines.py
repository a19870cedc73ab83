"""Deadlines of the cycle: the status board, and the periodic announcement of approaching and missed ones.

``announce_due_deadlines`` runs hourly in the service (``QUARTIER_DEADLINE_CHECK_INTERVAL_SECONDS``); per plan
it locks the plan row, decides (domain) and writes each new announcement together with its outbox row in one
transaction, so every (plan, step, due date, kind) is announced exactly once, however often it runs and on
however many replicas.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from quartier_planning.db import deadlines as db
from quartier_planning.db import plans as plans_db
from quartier_planning.domain import deadlines as domain
from quartier_planning.domain.deadlines import DEFAULT_RULES, DEFAULT_WARNING_DAYS, Deadline, Rules
from quartier_planning.domain.plans import NotFound
from quartier_planning.settings import SOURCE, PlanningSettings
from quartier_shared.events.envelope import EventPayload
from quartier_shared.outbox import enqueue
from quartier_shared.settings import ServiceSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeadlineConfig:
    rules: Rules = field(default_factory=lambda: dict(DEFAULT_RULES))
    warning_days: int = DEFAULT_WARNING_DAYS


def config_of(settings: ServiceSettings) -> DeadlineConfig:
    """The deadline configuration of the planning settings (``deadlines``, ``deadline_warning_days``)."""
    if not isinstance(settings, PlanningSettings):
        raise TypeError(f"planning runs with PlanningSettings, not {type(settings).__name__}")
    return DeadlineConfig(domain.parse_rules(settings.deadlines), settings.deadline_warning_days)


def deadline_out(d: Deadline) -> dict[str, Any]:
    return {
        "step": d.step.value,
        "name": d.name,
        "due_on": d.due_on,
        "done": d.done,
        "overdue": d.overdue,
        "days_left": d.days_left,
    }


async def board(
    pool: asyncpg.Pool, year: int | None, today: dt.date, config: DeadlineConfig = DeadlineConfig()
) -> list[dict[str, Any]]:
    """Every plan (of ``year``) with its next deadline and its overdue steps."""
    async with pool.acquire() as conn:
        plans = await db.plans(conn, year=year)
    out = []
    for plan in plans:
        upcoming = domain.next_deadline(plan, today, config.rules)
        out.append(
            {
                "plan_id": plan.id,
                "social_area_key": plan.social_area_key,
                "year": plan.year,
                "state": plan.state.value,
                "next_deadline": deadline_out(upcoming) if upcoming else None,
                "overdue": [deadline_out(d) for d in domain.overdue_steps(plan, today, config.rules)],
            }
        )
    return out


async def plan_deadlines(
    pool: asyncpg.Pool, plan_id: uuid.UUID, today: dt.date, config: DeadlineConfig = DeadlineConfig()
) -> dict[str, Any]:
    async with pool.acquire() as conn:
        plan = await plans_db.load(conn, plan_id)
    if plan is None:
        raise NotFound("plan_id", f"Plan {plan_id} ist nicht bekannt.")
    upcoming = domain.next_deadline(plan, today, config.rules)
    return {
        "plan_id": plan.id,
        "social_area_key": plan.social_area_key,
        "year": plan.year,
        "state": plan.state.value,
        "today": today,
        "deadlines": [deadline_out(d) for d in domain.deadlines(plan, today, config.rules)],
        "next_deadline": deadline_out(upcoming) if upcoming else None,
        "overdue": [deadline_out(d) for d in domain.overdue_steps(plan, today, config.rules)],
    }


async def announce_due_deadlines(
    pool: asyncpg.Pool,
    today: dt.date | None = None,
    config: DeadlineConfig = DeadlineConfig(),
    *,
    plan_ids: list[uuid.UUID] | None = None,
) -> list[EventPayload]:
    """Announces approaching and missed deadlines of every open plan (or of ``plan_ids``) not announced yet;
    returns what it announced now."""
    today = today or domain.today_in_hamm()
    async with pool.acquire() as conn:
        ids = await db.open_plan_ids(conn, plan_ids)
    announced: list[EventPayload] = []
    for plan_id in ids:
        async with pool.acquire() as conn, conn.transaction():
            plan = await plans_db.load(conn, plan_id, for_update=True)  # serialises with commands and replicas
            if plan is None:
                continue
            for payload in domain.announcements(plan, today, config.rules, config.warning_days):
                kind = domain.kind_of(payload)
                if await db.announced(conn, plan.id, payload.step, payload.due_on, kind):
                    continue
                event = await enqueue(conn, payload, source=SOURCE)
                await db.mark_announced(conn, plan.id, payload.step, payload.due_on, kind, event.id)
                announced.append(payload)
    return announced


async def run_periodically(pool: asyncpg.Pool, config: DeadlineConfig, interval_seconds: float) -> None:
    """The hourly check; a failed round is logged and tried again at the next one."""
    while True:
        try:
            announced = await announce_due_deadlines(pool, None, config)
            if announced:
                log.info("deadlines announced", extra={"count": len(announced)})
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("deadline check failed", exc_info=True)
        await asyncio.sleep(interval_seconds)
