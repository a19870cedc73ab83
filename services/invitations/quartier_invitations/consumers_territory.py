"""The invitations service's subscriber to the registry's territory (districts, social areas, residential
areas, vocabularies) into its own copy (``db.territory``). The meetings need it: a Sozialraum's
Stadtbezirke decide which Bezirksvertretungen concern a Stadtteilkonferenz's date, its Stadtteilzentrum
names the place, its Wohnbereiche and the Handlungsfelder check residents' needs.

The directory (bodies, memberships, people, contacts) is copied by ``quartier_invitations.consumers``.
Each event is applied once (the shared inbox) and only forward in event time, so replays converge.
"""

from __future__ import annotations

import asyncpg

from quartier_invitations.db import territory as db
from quartier_shared.consumer import EventConsumer
from quartier_shared.events.envelope import CloudEvent
from quartier_shared.events.territory import (
    CommunityCentreRenamed,
    DistrictRegistered,
    ResidentialAreaMoved,
    ResidentialAreaRegistered,
    SocialAreaRegistered,
    VocabularyPublished,
)
from quartier_shared.events.topics import REGISTRY_TERRITORY


async def on_district(conn: asyncpg.Connection, event: CloudEvent, p: DistrictRegistered) -> None:
    await db.upsert_district(conn, p.district_key, p.name, p.city, event.time)


async def on_social_area(conn: asyncpg.Connection, event: CloudEvent, p: SocialAreaRegistered) -> None:
    await db.upsert_social_area(conn, p.social_area_key, p.name, p.community_centre_name, p.city, event.time)


async def on_residential_area(conn: asyncpg.Connection, event: CloudEvent, p: ResidentialAreaRegistered) -> None:
    await db.upsert_residential_area(conn, p.number, p.name, p.district_key, p.social_area_key, event.time)


async def on_centre_renamed(conn: asyncpg.Connection, event: CloudEvent, p: CommunityCentreRenamed) -> None:
    await db.set_community_centre(conn, p.social_area_key, p.new_name, event.time)


async def on_residential_area_moved(conn: asyncpg.Connection, event: CloudEvent, p: ResidentialAreaMoved) -> None:
    await db.move_residential_area(conn, p.number, p.to_social_area_key, event.time)


async def on_vocabulary(conn: asyncpg.Connection, event: CloudEvent, p: VocabularyPublished) -> None:
    await db.upsert_vocabulary(conn, p.vocabulary, p.terms, event.time)


def territory_consumer() -> EventConsumer:
    return EventConsumer(
        name="invitations.territory",
        topic=REGISTRY_TERRITORY,
        handlers={
            DistrictRegistered: on_district,
            SocialAreaRegistered: on_social_area,
            ResidentialAreaRegistered: on_residential_area,
            CommunityCentreRenamed: on_centre_renamed,
            ResidentialAreaMoved: on_residential_area_moved,
            VocabularyPublished: on_vocabulary,
        },
    )
