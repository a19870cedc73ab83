"""Use cases of the Jahresplan: load the plan under its row lock, decide (domain), save the plan with its
events (outbox) and history rows in one transaction. Concurrent commands on one plan serialise on the lock.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg

from quartier_planning.db import agreements as agreements_db
from quartier_planning.db import goals as goals_db
from quartier_planning.db import needs as needs_db
from quartier_planning.db import plans as db
from quartier_planning.domain import compare as compare_domain
from quartier_planning.domain import plans as domain
from quartier_planning.domain.plans import (
    AgreementRef,
    AnnualPlan,
    Catalogue,
    GoalRef,
    NotFound,
    OfferRef,
    OutOfOrder,
    Result,
)
from quartier_planning.settings import SOURCE
from quartier_shared.events.envelope import EventPayload
from quartier_shared.outbox import enqueue


class TerritoryView(Protocol):
    """What planning reads of the registry (its local copy, built from the registry's events)."""

    async def districts_of(self, social_area_key: str) -> dict[str, str]: ...
    async def residential_areas_of(self, social_area_key: str) -> frozenset[int]: ...
    async def vocabulary(self, name: str) -> frozenset[str]: ...
    async def fields_of_action(self) -> frozenset[str]: ...
    async def actor_exists(self, actor_id: uuid.UUID) -> bool: ...
    async def known_offers(self, offer_ids: list[uuid.UUID]) -> dict[uuid.UUID, OfferRef]: ...
    async def steering_goals(self) -> dict[uuid.UUID, GoalRef]: ...
    async def needs_taken_into(self, plan_id: uuid.UUID) -> dict[uuid.UUID, tuple[str, ...]]: ...
    async def agreements(self) -> dict[uuid.UUID, AgreementRef]: ...


@dataclass(frozen=True)
class CopyTerritory:
    """``TerritoryView`` over the tables of planning's registry copy (``registry_*``)."""

    conn: asyncpg.Connection

    async def districts_of(self, social_area_key: str) -> dict[str, str]:
        return await db.districts_of(self.conn, social_area_key)

    async def residential_areas_of(self, social_area_key: str) -> frozenset[int]:
        return await db.residential_areas_of(self.conn, social_area_key)

    async def vocabulary(self, name: str) -> frozenset[str]:
        return await db.vocabulary(self.conn, name)

    async def fields_of_action(self) -> frozenset[str]:
        return await db.vocabulary(self.conn, "fields_of_action")

    async def actor_exists(self, actor_id: uuid.UUID) -> bool:
        return bool(await db.known_actors(self.conn, [actor_id]))

    async def known_offers(self, offer_ids: list[uuid.UUID]) -> dict[uuid.UUID, OfferRef]:
        return await db.known_offers(self.conn, offer_ids) if offer_ids else {}

    async def steering_goals(self) -> dict[uuid.UUID, GoalRef]:
        return await goals_db.refs(self.conn)

    async def needs_taken_into(self, plan_id: uuid.UUID) -> dict[uuid.UUID, tuple[str, ...]]:
        return await needs_db.taken_into_measures(self.conn, plan_id)

    async def agreements(self) -> dict[uuid.UUID, AgreementRef]:
        return await agreements_db.refs(self.conn)


async def catalogue(
    view: TerritoryView,
    social_area_key: str,
    actor_ids: Iterable[uuid.UUID] = (),
    offer_ids: Iterable[uuid.UUID] = (),
    plan_id: uuid.UUID | None = None,
) -> Catalogue:
    known = frozenset([a for a in set(actor_ids) if await view.actor_exists(a)])
    return Catalogue(
        district_names=await view.districts_of(social_area_key),
        residential_area_numbers=await view.residential_areas_of(social_area_key),
        fields_of_action=await view.fields_of_action(),
        cross_cutting_themes=await view.vocabulary("cross_cutting_themes"),
        goals=await view.vocabulary("strategic_goals") | await view.vocabulary("steering_goals"),
        known_actor_ids=known,
        steering_goals=await view.steering_goals(),
        offers=await view.known_offers(list(set(offer_ids))),
        needs_taken_into=await view.needs_taken_into(plan_id) if plan_id is not None else {},
        agreements=await view.agreements(),
    )


def actors_of(*specs: domain.MeasureInput | None) -> list[uuid.UUID]:
    return [a for s in specs if s is not None for a in (s.responsible_actor_id, *s.partner_actor_ids)]


def offers_of(*specs: domain.MeasureInput | None) -> list[uuid.UUID]:
    return [o for s in specs if s is not None for o in s.offer_ids]


def _check_version(current: int, expected: int | None) -> None:
    if expected is not None and expected != current:
        raise OutOfOrder(
            "version",
            f"Der Plan wurde inzwischen geändert (Version {current}, Ihre Fassung: {expected}); "
            "bitte laden Sie ihn neu und wiederholen Sie die Änderung.",
        )


async def _save(
    conn: asyncpg.Connection, plan: AnnualPlan, events: list[EventPayload], actor: str, *, new: bool = False
) -> int:
    if new:
        if not await db.insert(conn, plan):
            raise OutOfOrder(
                "year", f"Für den Sozialraum „{plan.social_area_key}“ gibt es bereits einen Plan für {plan.year}."
            )
        version = 1
    else:
        version = await db.update(conn, plan)
    for payload in events:
        event = await enqueue(conn, payload, source=SOURCE)
        await db.audit(conn, plan, version, event.id, event.type, actor, payload.model_dump(mode="json"))
    return version


async def create_plan(pool: asyncpg.Pool, social_area_key: str, year: int, actor: str) -> AnnualPlan:
    async with pool.acquire() as conn, conn.transaction():
        cat = await catalogue(CopyTerritory(conn), social_area_key)
        plan, events = domain.draft(uuid.uuid4(), social_area_key, year, cat)
        await _save(conn, plan, events, actor, new=True)
    return plan


async def command(
    pool: asyncpg.Pool,
    plan_id: uuid.UUID,
    actor: str,
    decide: Callable[[AnnualPlan, Catalogue], Result],
    actor_ids: Iterable[uuid.UUID] = (),
    expected_version: int | None = None,
    offer_ids: Iterable[uuid.UUID] = (),
) -> tuple[AnnualPlan, int]:
    """Load (FOR UPDATE), decide, save with events and history; a refusal rolls everything back.

    ``expected_version`` (optimistic concurrency, from ``If-Match``): a plan changed meanwhile is refused.
    """
    async with pool.acquire() as conn, conn.transaction():
        plan = await db.load(conn, plan_id, for_update=True)
        if plan is None:
            raise NotFound("plan_id", f"Plan {plan_id} ist nicht bekannt.")
        _check_version(await db.version_of(conn, plan_id), expected_version)
        cat = await catalogue(CopyTerritory(conn), plan.social_area_key, actor_ids, offer_ids, plan.id)
        plan, events = decide(plan, cat)
        version = await _save(conn, plan, events, actor)
    return plan, version


async def carry_over(pool: asyncpg.Pool, plan_id: uuid.UUID, actor: str) -> tuple[AnnualPlan, AnnualPlan]:
    async with pool.acquire() as conn, conn.transaction():
        plan = await db.load(conn, plan_id, for_update=True)
        if plan is None:
            raise NotFound("plan_id", f"Plan {plan_id} ist nicht bekannt.")
        target = await db.load_by_key(conn, plan.social_area_key, plan.year + 1, for_update=True)
        source, next_plan, events = domain.carry_over(plan, target, uuid.uuid4())
        await _save(conn, source, [], actor)
        await _save(conn, next_plan, events, actor, new=target is None)
    return source, next_plan


async def get_plan(pool: asyncpg.Pool, plan_id: uuid.UUID) -> tuple[AnnualPlan, int, list[dict[str, Any]]]:
    async with pool.acquire() as conn:
        plan = await db.load(conn, plan_id)
        if plan is None:
            raise NotFound("plan_id", f"Plan {plan_id} ist nicht bekannt.")
        return plan, await db.version_of(conn, plan_id), await db.history(conn, plan_id)


async def list_plans(pool: asyncpg.Pool, year: int | None, social_area_key: str | None) -> list[dict[str, Any]]:
    async with pool.acquire() as conn:
        return await db.list_plans(conn, year, social_area_key)


async def _snapshot(conn: asyncpg.Connection, plan_id: uuid.UUID, version: int) -> dict[str, Any]:
    snapshot = await db.snapshot(conn, plan_id, version)
    if snapshot is None:
        if await db.load(conn, plan_id) is None:
            raise NotFound("plan_id", f"Plan {plan_id} ist nicht bekannt.")
        raise NotFound("version", f"Version {version} des Plans {plan_id} ist nicht bekannt.")
    return snapshot


async def plan_version(pool: asyncpg.Pool, plan_id: uuid.UUID, version: int) -> dict[str, Any]:
    async with pool.acquire() as conn:
        return await _snapshot(conn, plan_id, version)


async def compare_versions(
    pool: asyncpg.Pool, plan_id: uuid.UUID, from_version: int, to_version: int
) -> dict[str, Any]:
    """What changed from one stored version of the plan to another (in either order)."""
    async with pool.acquire() as conn:
        before = await _snapshot(conn, plan_id, from_version)
        after = await _snapshot(conn, plan_id, to_version)
    return {"plan_id": str(plan_id), "from": from_version, "to": to_version, **compare_domain.compare(before, after)}
