"""Use cases of the steering goals: load the goal under its row lock, decide (domain), save the goal with its
events (outbox) and history in one transaction. ``If-Match`` (expected version) refuses a stale edit.

The demo goals (``data/demo-goals.yaml``, the three Steuerungsziele of the concept with fictitious council
decisions) are defined through the same use case at start when ``demo_data`` is on: under an advisory lock,
with fixed ids, so that two instances starting at once define each goal once and a second start does nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import yaml

from quartier_planning.db import goals as db
from quartier_planning.domain import goals as domain
from quartier_planning.domain.goals import GoalInput, GoalResult, SteeringGoal
from quartier_planning.domain.plans import InvalidInput, NotFound, OutOfOrder, PlanError
from quartier_planning.settings import SOURCE
from quartier_shared.events.envelope import EventPayload
from quartier_shared.outbox import enqueue

log = logging.getLogger(__name__)

DEMO_FILE = Path(__file__).resolve().parents[1] / "data" / "demo-goals.yaml"
DEMO_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://quartier.example/demo/planning/goals")


def demo_goal_id(key: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, key)


def _check_version(goal: SteeringGoal, current: int, expected: int | None) -> None:
    if expected is not None and expected != current:
        raise OutOfOrder(
            "version",
            f"Das Steuerungsziel „{goal.title}“ wurde inzwischen geändert (Version {current}, Ihre Fassung: "
            f"{expected}); bitte laden Sie es neu und wiederholen Sie die Änderung.",
        )


async def _save(
    conn: asyncpg.Connection, goal: SteeringGoal, events: list[EventPayload], actor: str, *, new: bool = False
) -> int:
    try:
        if new:
            if not await db.insert(conn, goal):
                raise OutOfOrder("id", f"Ein Steuerungsziel {goal.id} gibt es bereits.")
            version = 1
        else:
            version = await db.update(conn, goal)
    except asyncpg.UniqueViolationError:
        # Two goals with the same title defined at once: the unique index keeps one.
        raise InvalidInput("title", f"Ein Steuerungsziel „{goal.title}“ gibt es bereits.") from None
    for payload in events:
        event = await enqueue(conn, payload, source=SOURCE)
        await db.audit(conn, goal.id, version, event.id, event.type, actor, payload.model_dump(mode="json"))
    return version


async def define_in(
    conn: asyncpg.Connection, goal_id: uuid.UUID, spec: GoalInput, actor: str
) -> tuple[SteeringGoal, int]:
    goal, events = domain.define(goal_id, spec, await db.active_titles(conn), dt.date.today())
    return goal, await _save(conn, goal, events, actor, new=True)


async def define(pool: asyncpg.Pool, spec: GoalInput, actor: str) -> tuple[SteeringGoal, int]:
    async with pool.acquire() as conn, conn.transaction():
        return await define_in(conn, uuid.uuid4(), spec, actor)


async def _command(
    pool: asyncpg.Pool,
    goal_id: uuid.UUID,
    actor: str,
    decide: Callable[[SteeringGoal, list[str]], GoalResult],
    expected_version: int | None,
) -> tuple[SteeringGoal, int]:
    async with pool.acquire() as conn, conn.transaction():
        found = await db.load(conn, goal_id, for_update=True)
        if found is None:
            raise NotFound("goal_id", f"Steuerungsziel {goal_id} ist nicht bekannt.")
        goal, current = found
        _check_version(goal, current, expected_version)
        goal, events = decide(goal, await db.active_titles(conn, except_id=goal_id))
        return goal, await _save(conn, goal, events, actor)


async def change(
    pool: asyncpg.Pool, goal_id: uuid.UUID, spec: GoalInput, actor: str, expected_version: int | None = None
) -> tuple[SteeringGoal, int]:
    return await _command(
        pool,
        goal_id,
        actor,
        lambda goal, others: domain.change(goal, spec, others, dt.date.today()),
        expected_version,
    )


async def retire(
    pool: asyncpg.Pool, goal_id: uuid.UUID, reason: str, actor: str, expected_version: int | None = None
) -> tuple[SteeringGoal, int]:
    return await _command(pool, goal_id, actor, lambda goal, _: domain.retire(goal, reason), expected_version)


async def get_goal(pool: asyncpg.Pool, goal_id: uuid.UUID) -> dict[str, Any]:
    """The goal with its history and the measures of all plans that link to it."""
    async with pool.acquire() as conn:
        found = await db.load(conn, goal_id)
        if found is None:
            raise NotFound("goal_id", f"Steuerungsziel {goal_id} ist nicht bekannt.")
        doc = db.to_document(*found)
        doc["history"] = await db.history(conn, goal_id)
        doc["measures"] = await db.linked_measures(conn, goal_id)
    return doc


async def list_goals(
    pool: asyncpg.Pool, *, include_retired: bool = False, year: int | None = None
) -> list[dict[str, Any]]:
    async with pool.acquire() as conn:
        return [db.to_document(g, v) for g, v in await db.list_goals(conn, include_retired=include_retired, year=year)]


# ---------------------------------------------------------------- demo data


def read_demo_goals(path: Path = DEMO_FILE) -> list[tuple[uuid.UUID, GoalInput]]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for raw in doc.get("goals", []):
        decided = raw["decided_on"]
        out.append(
            (
                demo_goal_id(str(raw["key"])),
                GoalInput(
                    title=str(raw["title"]),
                    description=str(raw.get("description") or ""),
                    council_decision=str(raw["council_decision"]),
                    decided_on=decided if isinstance(decided, dt.date) else dt.date.fromisoformat(str(decided)),
                    valid_from_year=int(raw["valid_from_year"]),
                    valid_until_year=int(raw["valid_until_year"]) if raw.get("valid_until_year") else None,
                ),
            )
        )
    return out


async def load_demo_goals(pool: asyncpg.Pool, path: Path = DEMO_FILE, who: str = "demo") -> int:
    """Defines the demo goals not yet there; returns how many. Safe when several instances start at once."""
    goals = await asyncio.to_thread(read_demo_goals, path)
    created = 0
    async with pool.acquire() as conn, conn.transaction():
        await db.lock_demo_goals(conn)
        for goal_id, spec in goals:
            if await db.load(conn, goal_id) is not None:
                continue
            try:
                async with conn.transaction():  # a savepoint: one refused demo goal leaves the others
                    await define_in(conn, goal_id, spec, who)
            except PlanError as exc:
                log.warning("demo goal refused", extra={"goal_id": str(goal_id), "error": str(exc)})
                continue
            created += 1
    return created
