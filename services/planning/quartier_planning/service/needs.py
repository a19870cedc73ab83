"""Use cases of standalone needs: load the need under its row lock, decide (domain), save the need with its
events (outbox) and history rows in one transaction. Taking a need into a plan reads that plan under its
row lock, so the measure cannot vanish between the check and the commit.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import asyncpg

from quartier_planning.db import needs as db
from quartier_planning.db import plans as plans_db
from quartier_planning.domain import needs as domain
from quartier_planning.domain.needs import NeedCatalogue, NeedResult, StandaloneNeed
from quartier_planning.domain.plans import NotFound, OutOfOrder, PlanError
from quartier_planning.settings import SOURCE
from quartier_shared.events.envelope import EventPayload
from quartier_shared.outbox import enqueue


async def catalogue(conn: asyncpg.Connection, social_area_key: str, actor_ids: Iterable[uuid.UUID]) -> NeedCatalogue:
    return NeedCatalogue(
        social_area_exists=await plans_db.social_area_exists(conn, social_area_key),
        residential_area_numbers=await plans_db.residential_areas_of(conn, social_area_key),
        fields_of_action=await plans_db.vocabulary(conn, "fields_of_action"),
        known_actor_ids=await plans_db.known_actors(conn, list(set(actor_ids))),
    )


async def _save(
    conn: asyncpg.Connection, need: StandaloneNeed, events: list[EventPayload], actor: str, *, new: bool = False
) -> None:
    if new:
        if not await db.insert(conn, need):
            raise OutOfOrder("need_id", f"Einen Bedarf {need.id} gibt es bereits.")
        version = 1
    else:
        version = await db.update(conn, need)
    for payload in events:
        event = await enqueue(conn, payload, source=SOURCE)
        await db.audit(conn, need.id, version, event.id, event.type, actor, payload.model_dump(mode="json"))


async def raise_need_in(
    conn: asyncpg.Connection, need_id: uuid.UUID, spec: domain.NeedInput, actor: str
) -> StandaloneNeed:
    """Raises a need inside the caller's transaction (the API's, or a consumer's with its inbox row)."""
    cat = await catalogue(conn, spec.social_area_key, domain.actor_ids_in(spec.raised_by))
    need, events = domain.raise_need(need_id, spec, cat, dt.date.today())
    await _save(conn, need, events, actor, new=True)
    return need


async def raise_need(pool: asyncpg.Pool, spec: domain.NeedInput, actor: str) -> StandaloneNeed:
    async with pool.acquire() as conn, conn.transaction():
        return await raise_need_in(conn, uuid.uuid4(), spec, actor)


class ConferenceNeedRefused(ValueError):
    """A need announced by the invitations service that planning cannot take in (e.g. an unknown field of
    action or Sozialraum); the consumer dead-letters the event with this message."""


CONFERENCE_ACTOR = "invitations"


async def raise_conference_need(
    conn: asyncpg.Connection,
    need_id: uuid.UUID,
    meeting_id: uuid.UUID,
    social_area_key: str,
    text: str,
    field_of_action: str,
    residential_area_number: int | None,
    raised_on: dt.date,
) -> StandaloneNeed | None:
    """A need raised at a Stadtteilkonferenz, under the invitations service's ``need_id``; None if a need with
    that id exists already (announced again): nothing changes."""
    if await db.exists(conn, need_id):
        return None
    # The meeting's date as the invitations service wrote it; a day "in the future" is only the difference
    # between its clock's time zone and ours, not a reason to lose the need.
    raised_on = min(raised_on, dt.date.today())
    spec = domain.from_conference(
        meeting_id, social_area_key, text, field_of_action, residential_area_number, raised_on
    )
    try:
        return await raise_need_in(conn, need_id, spec, CONFERENCE_ACTOR)
    except PlanError as exc:
        raise ConferenceNeedRefused(
            f"Bedarf {need_id} der Stadtteilkonferenz (Sitzung {meeting_id}) nicht übernommen: {exc}"
        ) from exc


async def _locked(conn: asyncpg.Connection, need_id: uuid.UUID) -> StandaloneNeed:
    need = await db.load(conn, need_id, for_update=True)
    if need is None:
        raise NotFound("need_id", f"Bedarf {need_id} ist nicht bekannt.")
    return need


async def command(
    pool: asyncpg.Pool,
    need_id: uuid.UUID,
    actor: str,
    decide: Callable[[StandaloneNeed, NeedCatalogue], NeedResult],
    actor_ids: Iterable[uuid.UUID] = (),
) -> StandaloneNeed:
    """Load (FOR UPDATE), decide, save with events and history; a refusal rolls everything back."""
    async with pool.acquire() as conn, conn.transaction():
        need = await _locked(conn, need_id)
        cat = await catalogue(conn, need.social_area_key, actor_ids)
        need, events = decide(need, cat)
        await _save(conn, need, events, actor)
    return need


async def take_into_plan(
    pool: asyncpg.Pool, need_id: uuid.UUID, plan_id: uuid.UUID, measure_id: uuid.UUID, actor: str
) -> StandaloneNeed:
    async with pool.acquire() as conn, conn.transaction():
        need = await _locked(conn, need_id)
        plan = await plans_db.load(conn, plan_id, for_update=True)
        need, events = domain.take_into_plan(need, plan, measure_id)
        await _save(conn, need, events, actor)
    return need


async def get_need(pool: asyncpg.Pool, need_id: uuid.UUID) -> tuple[StandaloneNeed, list[dict[str, Any]]]:
    async with pool.acquire() as conn:
        need = await db.load(conn, need_id)
        if need is None:
            raise NotFound("need_id", f"Bedarf {need_id} ist nicht bekannt.")
        return need, await db.history(conn, need_id)


async def list_needs(
    pool: asyncpg.Pool, social_area_key: str | None, status: str | None, source: str | None
) -> list[StandaloneNeed]:
    async with pool.acquire() as conn:
        return await db.list_needs(conn, social_area_key, status, source)


async def trace(pool: asyncpg.Pool, need_id: uuid.UUID) -> dict[str, Any]:
    async with pool.acquire() as conn:
        need = await db.load(conn, need_id)
        if need is None:
            raise NotFound("need_id", f"Bedarf {need_id} ist nicht bekannt.")
        plan = await plans_db.load(conn, need.plan_id) if need.plan_id else None
    return domain.trace(need, db.to_document(need), plan)


async def trace_council(pool: asyncpg.Pool, plan_id: uuid.UUID, need_id: uuid.UUID) -> dict[str, Any]:
    async with pool.acquire() as conn:
        plan = await plans_db.load(conn, plan_id)
    if plan is None:
        raise NotFound("plan_id", f"Plan {plan_id} ist nicht bekannt.")
    return domain.trace_council(plan, need_id)
