"""Planning's registry replica: its consumer groups subscribe with the replica's handler maps, and planning's
own reads of the replica (the offers a measure points to). The replica itself (ordering, replays, erasure)
is tested once, in libs/registry_replica/tests."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from quartier_planning import consumers as c
from quartier_planning import db as planning_db
from quartier_planning.db import plans as planning_db_plans
from quartier_planning.domain.plans import OfferRef
from quartier_registry_replica import LIBRARY_MIGRATIONS
from quartier_registry_replica import handlers as replica
from quartier_shared.db import migrate
from quartier_shared.events.envelope import CloudEvent, EventPayload
from quartier_shared.events.offers import OfferDataV1, OfferRegistered, OffersMerged, OfferWithdrawn, PlaceV1
from tests.support.helpers import pool_as, rolled_back
from tests.support.stack import base_env

T0 = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


def test_the_consumer_groups_subscribe_with_the_replicas_handlers() -> None:
    assert c.territory_consumer().handlers == replica.TERRITORY
    assert c.directory_consumer().handlers == replica.DIRECTORY
    assert c.offers_consumer().handlers == replica.OFFERS
    assert [(x.name, x.topic.name) for x in c.consumers()] == [
        ("planning.territory", "quartier.registry.territory"),
        ("planning.directory", "quartier.registry.directory"),
        ("planning.offers", "quartier.registry.offers"),
        ("planning.conference-needs", "quartier.invitations.meetings"),
    ]


@pytest.fixture(scope="module")
async def pool() -> AsyncIterator[asyncpg.Pool]:
    # Needs the local Postgres of `make test`; base_env() says so clearly when it is missing.
    pool = await pool_as(base_env(), "planning", min_size=1, max_size=2)
    await migrate(pool, "planning", planning_db.MIGRATIONS, [LIBRARY_MIGRATIONS])
    yield pool
    await pool.close()


@pytest.fixture
async def conn(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    async with rolled_back(pool, ["registry_offers"]) as conn:
        yield conn


async def apply(conn: asyncpg.Connection, payload: EventPayload, minute: int) -> None:
    event = CloudEvent(
        id=uuid.uuid4(),
        source="/quartier/registry",
        type=payload.event_type,
        time=T0 + dt.timedelta(minutes=minute),
        data=payload.model_dump(mode="json"),
    )
    await c.offers_consumer().handlers[type(payload)](conn, event, payload)


def _offer_data() -> OfferDataV1:
    return OfferDataV1(
        title="Schachtreff",
        description="Schach für Kinder",
        provider_actor_id=uuid.uuid4(),
        field_of_action="Bildung",
        place=PlaceV1(kind="community_centre", social_area_key="westen"),
        free_of_charge=True,
        contact_office="Stadtteilbüro",
        last_confirmed_on=dt.date(2026, 1, 1),
    )


async def test_planning_reads_the_offers_of_the_replica(conn: asyncpg.Connection) -> None:
    offer, kept = uuid.uuid4(), uuid.uuid4()
    await apply(conn, OfferRegistered(offer_id=offer, offer=_offer_data()), 0)
    await apply(conn, OfferRegistered(offer_id=kept, offer=_offer_data()), 0)
    await apply(conn, OfferWithdrawn(offer_id=offer, reason="Dopplung", merged_into=kept), 3)
    merged = OffersMerged(
        pair_id=uuid.uuid4(),
        offer_id=min(offer, kept),
        other_offer_id=max(offer, kept),
        kept_offer_id=kept,
        withdrawn_offer_id=offer,
    )
    await apply(conn, merged, 3)
    assert await planning_db_plans.known_offers(conn, [offer, kept, uuid.uuid4()]) == {
        offer: OfferRef(True, kept),
        kept: OfferRef(False, None),
    }
