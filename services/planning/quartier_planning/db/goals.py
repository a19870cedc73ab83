"""SQL of the steering goals (Steuerungsziele): the goal row, its row lock, its history, and the measures of
all plans that link to a goal. Parameterised statements only."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg

from quartier_planning.db.plans import history_entries
from quartier_planning.domain.goals import SteeringGoal, title_key
from quartier_planning.domain.plans import GoalRef


def _goal(row: asyncpg.Record) -> SteeringGoal:
    return SteeringGoal(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        council_decision=row["council_decision"],
        decided_on=row["decided_on"],
        valid_from_year=row["valid_from_year"],
        valid_until_year=row["valid_until_year"],
        retired=row["retired"],
        retired_reason=row["retired_reason"],
    )


def to_document(goal: SteeringGoal, version: int) -> dict[str, Any]:
    return {
        "id": str(goal.id),
        "title": goal.title,
        "description": goal.description,
        "council_decision": goal.council_decision,
        "decided_on": goal.decided_on.isoformat(),
        "valid_from_year": goal.valid_from_year,
        "valid_until_year": goal.valid_until_year,
        "retired": goal.retired,
        "retired_reason": goal.retired_reason,
        "version": version,
    }


_BY_ID = """SELECT id, title, description, council_decision, decided_on, valid_from_year, valid_until_year,
                  retired, retired_reason, version FROM steering_goals WHERE id = $1"""
_BY_ID_FOR_UPDATE = """SELECT id, title, description, council_decision, decided_on, valid_from_year, valid_until_year,
                  retired, retired_reason, version FROM steering_goals WHERE id = $1 FOR UPDATE"""


async def load(
    conn: asyncpg.Connection, goal_id: uuid.UUID, *, for_update: bool = False
) -> tuple[SteeringGoal, int] | None:
    row = await conn.fetchrow(_BY_ID_FOR_UPDATE if for_update else _BY_ID, goal_id)
    return None if row is None else (_goal(row), row["version"])


async def list_goals(
    conn: asyncpg.Connection, *, include_retired: bool = False, year: int | None = None
) -> list[tuple[SteeringGoal, int]]:
    rows = await conn.fetch(
        """SELECT id, title, description, council_decision, decided_on, valid_from_year, valid_until_year,
                  retired, retired_reason, version FROM steering_goals
           WHERE ($1 OR NOT retired)
             AND ($2::int IS NULL OR (valid_from_year <= $2 AND (valid_until_year IS NULL OR valid_until_year >= $2)))
           ORDER BY retired, valid_from_year, title""",
        include_retired,
        year,
    )
    return [(_goal(r), r["version"]) for r in rows]


async def active_titles(conn: asyncpg.Connection, *, except_id: uuid.UUID | None = None) -> list[str]:
    rows = await conn.fetch(
        "SELECT title FROM steering_goals WHERE NOT retired AND ($1::uuid IS NULL OR id <> $1)", except_id
    )
    return [r["title"] for r in rows]


async def refs(conn: asyncpg.Connection) -> dict[uuid.UUID, GoalRef]:
    """Every goal, retired ones too, as the measure rules check links against them."""
    rows = await conn.fetch("SELECT id, title, retired, valid_from_year, valid_until_year FROM steering_goals")
    return {r["id"]: GoalRef(r["title"], r["retired"], r["valid_from_year"], r["valid_until_year"]) for r in rows}


async def insert(conn: asyncpg.Connection, goal: SteeringGoal) -> bool:
    """Inserts a new goal (version 1); False if a goal with this id exists already."""
    status: str = await conn.execute(
        """INSERT INTO steering_goals (id, title, title_key, description, council_decision, decided_on,
                                       valid_from_year, valid_until_year, retired, retired_reason, version)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1)
           ON CONFLICT (id) DO NOTHING""",
        goal.id,
        goal.title,
        title_key(goal.title),
        goal.description,
        goal.council_decision,
        goal.decided_on,
        goal.valid_from_year,
        goal.valid_until_year,
        goal.retired,
        goal.retired_reason,
    )
    return status.endswith(" 1")


async def update(conn: asyncpg.Connection, goal: SteeringGoal) -> int:
    version: int = await conn.fetchval(
        """UPDATE steering_goals SET title = $2, title_key = $3, description = $4, council_decision = $5,
               decided_on = $6, valid_from_year = $7, valid_until_year = $8, retired = $9, retired_reason = $10,
               version = version + 1, updated_at = now()
           WHERE id = $1 RETURNING version""",
        goal.id,
        goal.title,
        title_key(goal.title),
        goal.description,
        goal.council_decision,
        goal.decided_on,
        goal.valid_from_year,
        goal.valid_until_year,
        goal.retired,
        goal.retired_reason,
    )
    return version


async def audit(
    conn: asyncpg.Connection,
    goal_id: uuid.UUID,
    version: int,
    event_id: uuid.UUID,
    event_type: str,
    actor: str,
    change: dict[str, Any],
) -> None:
    await conn.execute(
        """INSERT INTO goal_history (goal_id, version, event_id, event_type, actor, change)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb)""",
        goal_id,
        version,
        event_id,
        event_type,
        actor,
        json.dumps(change, ensure_ascii=False),
    )


async def history(conn: asyncpg.Connection, goal_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT version, event_id, event_type, actor, change::text, changed_at FROM goal_history
           WHERE goal_id = $1 ORDER BY id""",
        goal_id,
    )
    return history_entries(rows)


async def linked_measures(conn: asyncpg.Connection, goal_id: uuid.UUID) -> list[dict[str, Any]]:
    """The measures of all plans that link to the goal (not those dropped in a mid-year review)."""
    rows = await conn.fetch(
        """SELECT p.id AS plan_id, p.social_area_key, p.year, m->>'id' AS measure_id, m->'spec'->>'title' AS title
           FROM plans p CROSS JOIN LATERAL jsonb_array_elements(p.document->'measures') WITH ORDINALITY AS x(m, i)
           WHERE coalesce(m->'spec'->'steering_goal_ids', '[]'::jsonb) ? $1
             AND coalesce(m->>'review', '') <> 'dropped'
           ORDER BY p.year, p.social_area_key, x.i""",
        str(goal_id),
    )
    return [
        {
            "plan_id": str(r["plan_id"]),
            "social_area_key": r["social_area_key"],
            "year": r["year"],
            "measure_id": r["measure_id"],
            "title": r["title"],
        }
        for r in rows
    ]


async def lock_demo_goals(conn: asyncpg.Connection) -> None:
    """Serialises creating the demo goals until the end of the transaction (several instances may start at once)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", "planning:demo-goals")
