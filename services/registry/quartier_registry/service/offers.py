"""Use cases of the offer directory: load, decide, save together with the outbox in one transaction.

Every state change writes its event (``quartier_shared.outbox.enqueue``) and an audit row (who, when)
in the same transaction as the change. Offer writes are serialised by one advisory lock, so two offers
entered at the same moment still see each other in the duplicate check; the volumes of one city's
directory make that cheap.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import yaml

from quartier_registry.db import offers as db
from quartier_registry.db import territory as territory_db
from quartier_registry.domain import offers as domain
from quartier_registry.domain.offers import Assessment, DuplicatePair, Offer, OfferError, UnknownOffer
from quartier_registry.domain.people import demo_actor_id
from quartier_registry.domain.territory import Territory
from quartier_registry.settings import SOURCE, settings_of
from quartier_shared.events.envelope import EventPayload
from quartier_shared.outbox import enqueue
from quartier_shared.runtime import ServiceContext

log = logging.getLogger(__name__)

TIMEZONE = ZoneInfo("Europe/Berlin")
DEMO_FILE = Path(__file__).resolve().parents[2] / "data" / "demo-offers.yaml"
# Demo offer ids: uuid5 in this namespace of the offer's ``key``.
DEMO_OFFER_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://quartier.example/demo/offers")


def today() -> date:
    return datetime.now(TIMEZONE).date()


@dataclass(frozen=True)
class Candidate:
    """A suspected duplicate of an offer: the stored pair and the other offer."""

    pair_id: uuid.UUID
    other: Offer
    assessment: Assessment


async def _territory(conn: asyncpg.Connection) -> Territory:
    territory = await territory_db.load_territory(conn)
    if territory is None:
        raise OfferError("", "Das Gebiet ist noch nicht geladen.")
    return territory


async def _lock(conn: asyncpg.Connection) -> None:
    await db.lock_offers(conn)


async def _announce(
    conn: asyncpg.Connection,
    payload: EventPayload,
    actor: str,
    *,
    offer_id: uuid.UUID | None = None,
    pair_id: uuid.UUID | None = None,
) -> None:
    event = await enqueue(conn, payload, source=SOURCE)
    await db.audit(conn, event.id, actor, payload.model_dump(mode="json"), offer_id=offer_id, pair_id=pair_id)


async def _detect(conn: asyncpg.Connection, territory: Territory, offer: Offer, actor: str) -> list[Candidate]:
    """Finds, stores and announces the suspected duplicates of ``offer``; returns them best first."""
    found: list[Candidate] = []
    areas = domain.search_areas(territory, offer.social_area_key)
    for other, features in await db.candidates(conn, offer, areas):
        assessment = domain.assess(offer.data, other.data, features)
        if not assessment.suspected:
            continue
        first, second = domain.pair_ids(offer.id, other.id)
        pair = await db.find_pair(conn, first, second)
        if pair is None:
            pair = DuplicatePair(uuid.uuid4(), first, second, assessment.score, assessment.reasons, "open")
            await db.insert_pair(conn, pair)
            await _announce(conn, domain.suspect(pair.id, first, second, assessment), actor, pair_id=pair.id)
        elif pair.status == "dismissed":  # excluded by the query already; kept as a guard
            continue
        else:
            reopened = pair.status != "open"
            pair = replace(pair, score=assessment.score, reasons=assessment.reasons, status="open")
            await db.update_pair_assessment(conn, pair)
            if reopened:
                await _announce(conn, domain.suspect(pair.id, first, second, assessment), actor, pair_id=pair.id)
        found.append(Candidate(pair.id, other, assessment))
    found.sort(key=lambda c: (-c.assessment.score, str(c.other.id)))
    return found


async def create_offer(
    pool: asyncpg.Pool,
    data: Any,
    actor: str,
    *,
    offer_id: uuid.UUID | None = None,
    confirmed_on: date | None = None,
) -> tuple[Offer, list[Candidate]]:
    async with pool.acquire() as conn, conn.transaction():
        await _lock(conn)
        territory = await _territory(conn)
        parsed = domain.parse_offer(data, territory)
        offer, event = domain.register_offer(offer_id or uuid.uuid4(), parsed, confirmed_on or today())
        if await db.offer_exists(conn, offer.id):
            raise OfferError("id", "Ein Angebot mit dieser Kennung gibt es bereits.")
        await db.save_offer(conn, offer)
        await _announce(conn, event, actor, offer_id=offer.id)
        candidates = await _detect(conn, territory, offer, actor)
    return offer, candidates


async def _offer_for_update(conn: asyncpg.Connection, offer_id: uuid.UUID) -> Offer:
    offer = await db.load_offer(conn, offer_id, for_update=True)
    if offer is None:
        raise UnknownOffer("offer_id", "Das Angebot ist nicht bekannt.")
    return offer


async def change_offer(pool: asyncpg.Pool, offer_id: uuid.UUID, data: Any, actor: str) -> tuple[Offer, list[Candidate]]:
    async with pool.acquire() as conn, conn.transaction():
        await _lock(conn)
        territory = await _territory(conn)
        current = await _offer_for_update(conn, offer_id)
        parsed = domain.parse_offer(data, territory)
        offer, event = domain.change_offer(current, parsed, today())
        if event is not None:
            await db.save_offer(conn, offer)
            await _announce(conn, event, actor, offer_id=offer.id)
            candidates = await _detect(conn, territory, offer, actor)
        else:
            candidates = await _open_candidates(conn, offer)
    return offer, candidates


async def _open_candidates(conn: asyncpg.Connection, offer: Offer) -> list[Candidate]:
    pairs = await db.open_pairs_of(conn, offer.id)
    others = await db.load_offers(conn, [p.offer_b if p.offer_a == offer.id else p.offer_a for p in pairs])
    out: list[Candidate] = []
    for p in pairs:
        other = others[p.offer_b if p.offer_a == offer.id else p.offer_a]
        out.append(Candidate(p.id, other, Assessment(p.score, p.reasons)))
    return out


async def confirm_offer(pool: asyncpg.Pool, offer_id: uuid.UUID, actor: str) -> Offer:
    async with pool.acquire() as conn, conn.transaction():
        await _lock(conn)
        offer, event = domain.confirm_offer(await _offer_for_update(conn, offer_id), today())
        await db.save_offer(conn, offer)
        await _announce(conn, event, actor, offer_id=offer.id)
    return offer


async def withdraw_offer(pool: asyncpg.Pool, offer_id: uuid.UUID, reason: Any, actor: str) -> Offer:
    if not isinstance(reason, str):
        raise OfferError("reason", "Bitte geben Sie einen Grund für das Zurückziehen an.")
    async with pool.acquire() as conn, conn.transaction():
        await _lock(conn)
        offer, event = domain.withdraw_offer(await _offer_for_update(conn, offer_id), reason)
        await db.save_offer(conn, offer, withdrawn_reason=event.reason)
        await db.close_open_pairs_of(conn, offer.id, actor)
        await _announce(conn, event, actor, offer_id=offer.id)
    return offer


async def _pair_for_update(conn: asyncpg.Connection, pair_id: uuid.UUID) -> DuplicatePair:
    pair = await db.load_pair(conn, pair_id, for_update=True)
    if pair is None:
        raise UnknownOffer("pair_id", "Das Paar möglicher Duplikate ist nicht bekannt.")
    return pair


async def dismiss_pair(pool: asyncpg.Pool, pair_id: uuid.UUID, actor: str) -> DuplicatePair:
    async with pool.acquire() as conn, conn.transaction():
        await _lock(conn)
        pair = await _pair_for_update(conn, pair_id)
        event = domain.dismiss_pair(pair)
        await db.decide_pair(conn, pair.id, "dismissed", actor)
        await _announce(conn, event, actor, pair_id=pair.id)
    return replace(pair, status="dismissed")


async def merge_pair(
    pool: asyncpg.Pool, pair_id: uuid.UUID, keep_offer_id: Any, actor: str
) -> tuple[DuplicatePair, Offer, Offer]:
    """Withdraws the other offer of the pair into ``keep_offer_id``; returns the pair, kept and withdrawn."""
    keep_id = _uuid(keep_offer_id, "keep_offer_id")
    async with pool.acquire() as conn, conn.transaction():
        await _lock(conn)
        pair = await _pair_for_update(conn, pair_id)
        if keep_id not in (pair.offer_a, pair.offer_b):
            raise OfferError("keep_offer_id", "Das zu behaltende Angebot gehört nicht zu diesem Paar.")
        drop_id = pair.offer_b if keep_id == pair.offer_a else pair.offer_a
        keep = await _offer_for_update(conn, keep_id)
        drop = await _offer_for_update(conn, drop_id)
        withdrawn, withdrawn_event, merged = domain.merge_pair(pair, keep, drop)
        await db.save_offer(conn, withdrawn, withdrawn_reason=withdrawn_event.reason)
        await db.decide_pair(conn, pair.id, "merged", actor, kept=keep.id)
        await db.close_open_pairs_of(conn, drop.id, actor)
        await _announce(conn, withdrawn_event, actor, offer_id=drop.id)
        await _announce(conn, merged, actor, pair_id=pair.id)
    return replace(pair, status="merged"), keep, withdrawn


def _uuid(value: Any, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise OfferError(field, "Bitte geben Sie das Angebot als gültige Kennung (UUID) an.") from None


# ---------------------------------------------------------------- reading


async def get_offer(pool: asyncpg.Pool, offer_id: uuid.UUID) -> tuple[Offer, list[Candidate]]:
    async with pool.acquire() as conn:
        offer = await db.load_offer(conn, offer_id)
        if offer is None:
            raise UnknownOffer("offer_id", "Das Angebot ist nicht bekannt.")
        return offer, await _open_candidates(conn, offer)


async def list_offers(
    pool: asyncpg.Pool,
    *,
    social_area_key: str | None = None,
    field_of_action: str | None = None,
    target_group: str | None = None,
    language: str | None = None,
    include_withdrawn: bool = False,
    review_due_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Offer], int]:
    # Due on day X means confirmed on or before X minus 12 months.
    cutoff = domain.add_months(today(), -domain.REVIEW_AFTER_MONTHS) if review_due_only else None
    async with pool.acquire() as conn:
        return await db.list_offers(
            conn,
            social_area_key=social_area_key,
            field_of_action=field_of_action,
            target_group=target_group,
            language=language,
            include_withdrawn=include_withdrawn,
            review_due_before=cutoff,
            limit=limit,
            offset=offset,
        )


async def open_pairs(
    pool: asyncpg.Pool, *, social_area_key: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[tuple[DuplicatePair, str, Offer, Offer]], int]:
    async with pool.acquire() as conn:
        pairs, total = await db.open_pairs(conn, social_area_key=social_area_key, limit=limit, offset=offset)
        offers = await db.load_offers(conn, [i for p, _ in pairs for i in (p.offer_a, p.offer_b)])
    return [(p, at, offers[p.offer_a], offers[p.offer_b]) for p, at in pairs], total


# ---------------------------------------------------------------- demo data


def demo_offer_id(key: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_OFFER_NAMESPACE, key)


def read_demo_offers(path: Path = DEMO_FILE) -> tuple[str, list[tuple[uuid.UUID, dict[str, Any], date | None]]]:
    """The demo offers' city and the offers as API input: ``provider`` (an actor key of the demo people)
    becomes ``provider_actor_id``."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: list[tuple[uuid.UUID, dict[str, Any], date | None]] = []
    for item in doc["offers"]:
        data: dict[str, Any] = dict(item)
        key = data.pop("key")
        provider = data.pop("provider")
        confirmed = data.pop("last_confirmed_on", None)
        data["provider_actor_id"] = str(demo_actor_id(provider))
        if isinstance(confirmed, str):
            confirmed = date.fromisoformat(confirmed)
        out.append((demo_offer_id(key), data, confirmed if isinstance(confirmed, date) else None))
    return str(doc["city"]), out


async def load_demo_offers(pool: asyncpg.Pool, path: Path = DEMO_FILE) -> int:
    """Creates the demo offers that do not exist yet (by their deterministic ids); returns how many."""
    city, offers = read_demo_offers(path)
    async with pool.acquire() as conn:
        territory = await territory_db.load_territory(conn)
    if territory is None or territory.city != city:
        log.info("demo offers are for another city", extra={"file": str(path)})
        return 0
    created = 0
    for offer_id, data, confirmed in offers:
        async with pool.acquire() as conn:
            if await db.offer_exists(conn, offer_id):
                continue
        try:
            await create_offer(pool, data, "demo", offer_id=offer_id, confirmed_on=confirmed)
        except OfferError as exc:
            # "id": another registry process created it in the meantime; anything else (e.g. a moved
            # Wohnbereich) must not stop the service for demo data.
            if exc.field != "id":
                log.warning("demo offer refused", extra={"offer_id": str(offer_id), "error": str(exc)})
            continue
        created += 1
    return created


async def on_startup(ctx: ServiceContext) -> None:
    """Runs after the territory is loaded: the demo offers when demo_data is on."""
    if settings_of(ctx).demo_data:
        created = await load_demo_offers(ctx.pool)
        log.info("demo offers loaded", extra={"offers": created})
