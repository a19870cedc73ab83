"""Reporting's subscriber to the registry's offer directory (Angebote)."""

from __future__ import annotations

import asyncpg

from quartier_reporting.db import read_models as rm
from quartier_shared.consumer import EventConsumer
from quartier_shared.events import offers as off
from quartier_shared.events.envelope import CloudEvent
from quartier_shared.events.topics import REGISTRY_OFFERS

# ---------------------------------------------------------------- offers (registry)


async def on_offer(conn: asyncpg.Connection, event: CloudEvent, p: off.OfferRegistered | off.OfferChanged) -> None:
    await rm.upsert_offer(conn, p.offer_id, p.offer, event.time)


async def on_offer_withdrawn(conn: asyncpg.Connection, event: CloudEvent, p: off.OfferWithdrawn) -> None:
    await rm.withdraw_offer(conn, p.offer_id, p.merged_into, event.time)


def offers_consumer() -> EventConsumer:
    return EventConsumer(
        name="reporting.offers",
        topic=REGISTRY_OFFERS,
        handlers={off.OfferRegistered: on_offer, off.OfferChanged: on_offer, off.OfferWithdrawn: on_offer_withdrawn},
    )
