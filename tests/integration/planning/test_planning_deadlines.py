"""Deadlines of the cycle on the real database and broker: announced once, overdue steps on the board.

The announcement runs in-process with planning's own role (as the service's hourly task runs it), for a
chosen day, and only for the test's plan so that plans of other tests stay untouched.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import asyncpg
import httpx

from quartier_planning.service import deadlines as service
from tests.support.helpers import eventually, pool_as
from tests.support.planning_cycle import (
    free_year,
    new_plan,
    plan_events,
)
from tests.support.stack import Stack

APPROACHING = "quartier.planning.DeadlineApproaching.v1"
MISSED = "quartier.planning.DeadlineMissed.v1"


async def test_an_approaching_deadline_is_announced_once_and_an_overdue_step_shows(
    stack: Stack,
    planning: str,
    ready: dict[str, Any],
    planning_db: asyncpg.Connection,
) -> None:
    area = "mitte"
    year = await free_year(ready, area)
    async with httpx.AsyncClient(timeout=20) as client:
        plan = await new_plan(client, planning, area, year)
    plan_id = uuid.UUID(plan["id"])

    pool = await pool_as(stack.env, "planning")
    try:
        ten_days_before = dt.date(year - 1, 9, 20)
        first = await service.announce_due_deadlines(pool, ten_days_before, plan_ids=[plan_id])
        again = await service.announce_due_deadlines(pool, ten_days_before, plan_ids=[plan_id])
        assert [(e.event_type, e.step, e.days_left) for e in first] == [(APPROACHING, "draft", 10)]  # type: ignore[attr-defined]
        assert again == []
        # a day later, still the same deadline: nothing new
        assert await service.announce_due_deadlines(pool, dt.date(year - 1, 9, 21), plan_ids=[plan_id]) == []
        # two replicas at once: one announcement
        both = await asyncio.gather(
            *(service.announce_due_deadlines(pool, dt.date(year - 1, 11, 20), plan_ids=[plan_id]) for _ in range(2))
        )
        assert sorted((e.event_type, e.step) for run in both for e in run) == [  # type: ignore[attr-defined]
            (APPROACHING, "hearings"),
            (MISSED, "draft"),
        ]
    finally:
        await pool.close()

    async def announced() -> list[tuple[str, dict[str, Any]]]:
        events = [(t, d) for t, d in await plan_events(stack, area, year) if t in (APPROACHING, MISSED)]
        return events if len(events) >= 3 else []

    events = await eventually(announced, timeout=30)
    assert [(t, d["step"], d["due_on"]) for t, d in events] == [
        (APPROACHING, "draft", f"{year - 1}-09-30"),
        (MISSED, "draft", f"{year - 1}-09-30"),
        (APPROACHING, "hearings", f"{year - 1}-11-30"),
    ]
    rows = await planning_db.fetchval("SELECT count(*) FROM deadline_announcements WHERE plan_id = $1", plan_id)
    assert rows == 3

    async with httpx.AsyncClient(timeout=20) as client:
        board = await client.get(f"{planning}/deadlines", params={"year": year, "today": f"{year - 1}-11-20"})
        assert board.status_code == 200, board.text
        (entry,) = [p for p in board.json() if p["plan_id"] == str(plan_id)]
        assert entry["state"] == "draft"
        assert [(o["step"], o["name"], o["days_left"]) for o in entry["overdue"]] == [
            ("draft", "Entwurf vorlegen", -51)
        ]
        assert entry["next_deadline"]["step"] == "hearings"
        assert entry["next_deadline"]["due_on"] == f"{year - 1}-11-30"

        own = await client.get(f"{planning}/plans/{plan_id}/deadlines", params={"today": f"{year - 1}-11-20"})
        assert own.status_code == 200, own.text
        steps = own.json()["deadlines"]
        assert [(s["step"], s["due_on"], s["overdue"]) for s in steps] == [
            ("draft", f"{year - 1}-09-30", True),
            ("hearings", f"{year - 1}-11-30", False),
            ("final", f"{year - 1}-12-15", False),
            ("mid_year_review", f"{year}-07-31", False),
            ("evaluation", f"{year + 1}-03-31", False),
        ]
        unknown = await client.get(f"{planning}/plans/{uuid.uuid4()}/deadlines")
        assert unknown.status_code == 404
        assert "nicht bekannt" in unknown.json()["detail"]
        bad_day = await client.get(f"{planning}/deadlines", params={"today": "31.12.2030"})
        assert bad_day.status_code == 422
