"""Reporting's subscriber to planning's steering goals (Steuerungsziele)."""

from __future__ import annotations

import asyncpg

from quartier_reporting.db import read_models as rm
from quartier_shared.consumer import EventConsumer
from quartier_shared.events import planning as pl
from quartier_shared.events.envelope import CloudEvent
from quartier_shared.events.topics import PLANNING_GOALS

# ---------------------------------------------------------------- steering goals (planning)


async def on_goal(
    conn: asyncpg.Connection, event: CloudEvent, p: pl.GoalDefined | pl.GoalChanged | pl.GoalRetired
) -> None:
    await rm.upsert_goal(conn, p, isinstance(p, pl.GoalRetired), event.time)


def goals_consumer() -> EventConsumer:
    return EventConsumer(
        name="reporting.goals",
        topic=PLANNING_GOALS,
        handlers={pl.GoalDefined: on_goal, pl.GoalChanged: on_goal, pl.GoalRetired: on_goal},
    )
