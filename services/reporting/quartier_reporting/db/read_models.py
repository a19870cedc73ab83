"""SQL of reporting's read models of plans, needs, goals, deadlines, offers and meetings (the distributions
are in ``db.distribution``, the board's and the report's reads in ``db.board`` and ``db.reports``).

Every write is an upsert keyed by the aggregate, so that it does not matter which aggregate's events come
first (a measure may be seen before the territory of its plan). Within one aggregate the events arrive in
order (one partition key); the shared inbox makes every event count once. Times written are the events'
times, never ``now()``, so that a replay (``service.rebuild``) builds the same rows.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg

# Every table built only from events: rebuilt by replay and swapped in (service.rebuild), compared by the
# rebuild test. Columns that are no facts of events (serial ids, the time of applying) are in VOLATILE.
TABLES: tuple[str, ...] = (
    "registry_districts",
    "registry_social_areas",
    "registry_residential_areas",
    "registry_vocabularies",
    "territory_history",
    "plans",
    "plan_measures",
    "plan_hearings",
    "council_needs",
    "needs",
    "steering_goals",
    "deadlines",
    "offers",
    "meetings",
    "distributions",
    "agreements",
    "agreement_reports",
    "social_data",
)
VOLATILE: dict[str, tuple[str, ...]] = {"territory_history": ("id", "applied_at")}


def _json(value: Iterable[Any]) -> str:
    return json.dumps([str(v) if isinstance(v, uuid.UUID) else v for v in value], ensure_ascii=False)


# ---------------------------------------------------------------- plans


async def touch_plan(
    conn: asyncpg.Connection,
    plan_id: uuid.UUID,
    social_area_key: str,
    year: int,
    at: dt.datetime,
    *,
    state: str | None = None,
    carried_from_plan_id: uuid.UUID | None = None,
    drafted: bool = False,
) -> None:
    """One more event of the plan: version + 1, and its new state where the event sets one."""
    await conn.execute(
        """INSERT INTO plans (plan_id, social_area_key, year, state, version, carried_from_plan_id, drafted_at,
                              updated_at)
           VALUES ($1, $2, $3, coalesce($4, 'draft'), 1, $5, CASE WHEN $6 THEN $7::timestamptz END, $7)
           ON CONFLICT (plan_id) DO UPDATE SET
               state = coalesce($4, plans.state),
               version = plans.version + 1,
               carried_from_plan_id = coalesce(excluded.carried_from_plan_id, plans.carried_from_plan_id),
               drafted_at = coalesce(plans.drafted_at, excluded.drafted_at),
               updated_at = excluded.updated_at""",
        plan_id,
        social_area_key,
        year,
        state,
        carried_from_plan_id,
        drafted,
        at,
    )


_MEASURE_FACTS = (
    "title",
    "field_of_action",
    "responsible_actor_id",
    "cross_cutting_themes",
    "strategic_goals",
    "steering_goal_ids",
    "target_groups",
    "residential_area_number",
    "at_community_centre",
    "starts_on",
    "ends_on",
    "offer_ids",
    "agreement_id",
)


_UPSERT_MEASURE = (
    """INSERT INTO plan_measures (measure_id, plan_id, social_area_key, year, title, field_of_action,
           responsible_actor_id, cross_cutting_themes, strategic_goals, steering_goal_ids, target_groups,
           residential_area_number, at_community_centre, starts_on, ends_on, offer_ids, carried_from,
           added_at, updated_at, agreement_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10::jsonb, $11::jsonb, $12, $13, $14, $15,
               $16::jsonb, $17, $18, $18, $19)
       ON CONFLICT (measure_id) DO UPDATE SET """  # noqa: S608 (column names are ours)
    + ", ".join(f"{c} = excluded.{c}" for c in _MEASURE_FACTS)
    + """, carried_from = coalesce(excluded.carried_from, plan_measures.carried_from),
           removed = false, updated_at = excluded.updated_at"""
)


async def upsert_measure(
    conn: asyncpg.Connection,
    plan_id: uuid.UUID,
    social_area_key: str,
    year: int,
    facts: Any,
    at: dt.datetime,
    *,
    carried_from: uuid.UUID | None = None,
) -> None:
    """``facts``: an object with the fields of ``MeasureFactsV1`` (MeasureAdded/-Changed share them)."""
    await conn.execute(
        _UPSERT_MEASURE,
        facts.measure_id,
        plan_id,
        social_area_key,
        year,
        facts.title,
        facts.field_of_action,
        facts.responsible_actor_id,
        _json(facts.cross_cutting_themes),
        _json(facts.strategic_goals),
        _json(facts.steering_goal_ids),
        _json(facts.target_groups),
        facts.residential_area_number,
        facts.at_community_centre,
        facts.starts_on,
        facts.ends_on,
        _json(facts.offer_ids),
        carried_from,
        at,
        getattr(facts, "agreement_id", None),
    )


async def remove_measure(conn: asyncpg.Connection, measure_id: uuid.UUID, at: dt.datetime) -> None:
    await conn.execute("UPDATE plan_measures SET removed = true, updated_at = $2 WHERE measure_id = $1", measure_id, at)


async def set_review(
    conn: asyncpg.Connection, decisions: dict[uuid.UUID, str], reasons: dict[str, str], at: dt.datetime
) -> None:
    for measure_id, decision in decisions.items():
        await conn.execute(
            """UPDATE plan_measures SET review_decision = $2, review_reason = $3, updated_at = $4
               WHERE measure_id = $1""",
            measure_id,
            decision,
            reasons.get(str(measure_id)),
            at,
        )


async def set_outcomes(conn: asyncpg.Connection, outcomes: dict[uuid.UUID, str], at: dt.datetime) -> None:
    for measure_id, outcome in outcomes.items():
        await conn.execute(
            "UPDATE plan_measures SET outcome = $2, updated_at = $3 WHERE measure_id = $1", measure_id, outcome, at
        )


async def measures_of(conn: asyncpg.Connection, plan_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT * FROM plan_measures WHERE plan_id = $1 AND NOT removed ORDER BY added_at, measure_id""", plan_id
    )


async def open_hearings(
    conn: asyncpg.Connection, plan_id: uuid.UUID, district_keys: Sequence[str], at: dt.datetime
) -> None:
    for position, key in enumerate(district_keys):
        await conn.execute(
            """INSERT INTO plan_hearings (plan_id, district_key, opened_at, position) VALUES ($1, $2, $3, $4)
               ON CONFLICT (plan_id, district_key) DO NOTHING""",
            plan_id,
            key,
            at,
            position,
        )


async def close_hearing(conn: asyncpg.Connection, plan_id: uuid.UUID, district_key: str, at: dt.datetime) -> None:
    await conn.execute(
        """INSERT INTO plan_hearings (plan_id, district_key, closed, opened_at, closed_at) VALUES ($1, $2, true, $3, $3)
           ON CONFLICT (plan_id, district_key) DO UPDATE SET closed = true, closed_at = excluded.closed_at""",
        plan_id,
        district_key,
        at,
    )


async def record_council_need(
    conn: asyncpg.Connection,
    need_id: uuid.UUID,
    plan_id: uuid.UUID,
    social_area_key: str,
    year: int,
    district_key: str,
    text: str,
    field_of_action: str | None,
    at: dt.datetime,
) -> None:
    await conn.execute(
        """INSERT INTO council_needs (need_id, plan_id, social_area_key, year, district_key, text, field_of_action,
                                      recorded_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (need_id) DO UPDATE SET text = excluded.text, field_of_action = excluded.field_of_action""",
        need_id,
        plan_id,
        social_area_key,
        year,
        district_key,
        text,
        field_of_action,
        at,
    )


async def answer_council_need(
    conn: asyncpg.Connection, need_id: uuid.UUID, answer: str, measure_id: uuid.UUID | None, at: dt.datetime
) -> None:
    await conn.execute(
        "UPDATE council_needs SET answer = $2, measure_id = $3, answered_at = $4 WHERE need_id = $1",
        need_id,
        answer,
        measure_id,
        at,
    )


# ---------------------------------------------------------------- standalone needs


async def upsert_need(
    conn: asyncpg.Connection,
    need_id: uuid.UUID,
    social_area_key: str,
    at: dt.datetime,
    **values: Any,
) -> None:
    """Sets ``values`` (columns of ``needs``) of the need, creating its row if this is its first event."""
    columns = ["need_id", "social_area_key", "updated_at", *values]
    params = [need_id, social_area_key, at, *values.values()]
    placeholders = ", ".join(f"${i}" for i in range(1, len(params) + 1))
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
    await conn.execute(
        f"INSERT INTO needs ({', '.join(columns)}) VALUES ({placeholders}) "  # noqa: S608 (column names are ours)
        f"ON CONFLICT (need_id) DO UPDATE SET {updates}",
        *params,
    )


async def set_need_title(conn: asyncpg.Connection, need_id: uuid.UUID, social_area_key: str, title: str) -> None:
    """The text of a need raised at a Stadtteilkonferenz (invitations' NeedRaised); touches nothing else, so
    that it does not matter whether planning's NeedRaised of the same need came first."""
    await conn.execute(
        """INSERT INTO needs (need_id, social_area_key, title, updated_at) VALUES ($1, $2, $3, '-infinity')
           ON CONFLICT (need_id) DO UPDATE SET title = excluded.title""",
        need_id,
        social_area_key,
        title,
    )


# ---------------------------------------------------------------- goals, deadlines, offers, meetings


async def upsert_goal(conn: asyncpg.Connection, p: Any, retired: bool, at: dt.datetime) -> None:
    await conn.execute(
        """INSERT INTO steering_goals (goal_id, title, council_decision, valid_from_year, valid_until_year, retired,
                                       updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (goal_id) DO UPDATE SET title = excluded.title, council_decision = excluded.council_decision,
               valid_from_year = excluded.valid_from_year, valid_until_year = excluded.valid_until_year,
               retired = steering_goals.retired OR excluded.retired, updated_at = excluded.updated_at""",
        p.goal_id,
        p.title,
        p.council_decision,
        p.valid_from_year,
        p.valid_until_year,
        retired,
        at,
    )


async def record_deadline(
    conn: asyncpg.Connection,
    plan_id: uuid.UUID,
    social_area_key: str,
    year: int,
    step: str,
    due_on: dt.date,
    missed: bool,
    at: dt.datetime,
) -> None:
    await conn.execute(
        """INSERT INTO deadlines (plan_id, social_area_key, year, step, due_on, missed, announced_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (plan_id, step, due_on) DO UPDATE SET missed = deadlines.missed OR excluded.missed,
               announced_at = greatest(deadlines.announced_at, excluded.announced_at)""",
        plan_id,
        social_area_key,
        year,
        step,
        due_on,
        missed,
        at,
    )


async def upsert_offer(conn: asyncpg.Connection, offer_id: uuid.UUID, offer: Any, at: dt.datetime) -> None:
    await conn.execute(
        """INSERT INTO offers (offer_id, title, field_of_action, cross_cutting_themes, social_area_key,
                               residential_area_number, updated_at)
           VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7)
           ON CONFLICT (offer_id) DO UPDATE SET title = excluded.title, field_of_action = excluded.field_of_action,
               cross_cutting_themes = excluded.cross_cutting_themes, social_area_key = excluded.social_area_key,
               residential_area_number = excluded.residential_area_number, updated_at = excluded.updated_at""",
        offer_id,
        offer.title,
        offer.field_of_action,
        _json(offer.cross_cutting_themes),
        offer.place.social_area_key,
        offer.place.residential_area_number,
        at,
    )


async def withdraw_offer(
    conn: asyncpg.Connection, offer_id: uuid.UUID, merged_into: uuid.UUID | None, at: dt.datetime
) -> None:
    await conn.execute(
        """INSERT INTO offers (offer_id, withdrawn, merged_into, updated_at) VALUES ($1, true, $2, $3)
           ON CONFLICT (offer_id) DO UPDATE SET withdrawn = true, merged_into = excluded.merged_into,
               updated_at = excluded.updated_at""",
        offer_id,
        merged_into,
        at,
    )


async def upsert_meeting(conn: asyncpg.Connection, meeting_id: uuid.UUID, at: dt.datetime, **values: Any) -> None:
    columns = ["meeting_id", "updated_at", *values]
    params = [meeting_id, at, *values.values()]
    placeholders = ", ".join(f"${i}" for i in range(1, len(params) + 1))
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
    await conn.execute(
        f"INSERT INTO meetings ({', '.join(columns)}) VALUES ({placeholders}) "  # noqa: S608 (column names are ours)
        f"ON CONFLICT (meeting_id) DO UPDATE SET {updates}",
        *params,
    )


# ---------------------------------------------------------------- the territory as the read models use it


async def areas(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """The Sozialräume in registry order with the districts of their residential areas (registry order)."""
    rows = await conn.fetch(
        """SELECT s.key, s.name, s.community_centre_name,
                  coalesce(array_agg(r.district_key ORDER BY d.registered_at NULLS LAST, r.district_key)
                           FILTER (WHERE r.district_key IS NOT NULL), '{}') AS district_keys
           FROM registry_social_areas s
           LEFT JOIN registry_residential_areas r ON r.social_area_key = s.key
           LEFT JOIN registry_districts d ON d.key = r.district_key
           GROUP BY s.key, s.name, s.community_centre_name, s.registered_at
           ORDER BY s.registered_at NULLS LAST, s.key"""
    )
    out = []
    for r in rows:
        keys = list(dict.fromkeys(r["district_keys"]))
        out.append(
            {"key": r["key"], "name": r["name"], "community_centre": r["community_centre_name"], "districts": keys}
        )
    return out


async def district_names(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    rows = await conn.fetch("SELECT key, name FROM registry_districts ORDER BY registered_at NULLS LAST, key")
    return [(r["key"], r["name"]) for r in rows]


async def vocabularies(conn: asyncpg.Connection) -> dict[str, list[str]]:
    rows = await conn.fetch("SELECT name, terms FROM registry_vocabularies")
    return {r["name"]: list(json.loads(r["terms"])) for r in rows}


# ---------------------------------------------------------------- snapshots (rebuild comparison, tests)


async def snapshot(conn: asyncpg.Connection, tables: Sequence[str] = TABLES) -> dict[str, list[dict[str, Any]]]:
    """Every row of every read-model table (without volatile columns), in a stable order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for table in tables:
        rows = await conn.fetch(f"SELECT * FROM {table}")  # noqa: S608 (table names are ours)
        skip = VOLATILE.get(table, ())
        dicts = [{k: v for k, v in dict(r).items() if k not in skip} for r in rows]
        out[table] = sorted(dicts, key=lambda d: json.dumps(d, sort_keys=True, default=str))
    return out
