"""Reporting's subscribers: the registry's territory events into the read model."""

from __future__ import annotations

import asyncpg

from quartier_reporting import db, domain
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
    await db.upsert_district(conn, p.district_key, p.name, event.time)


async def on_social_area(conn: asyncpg.Connection, event: CloudEvent, p: SocialAreaRegistered) -> None:
    await db.upsert_social_area(conn, p.social_area_key, p.name, p.community_centre_name, event.time)


async def on_residential_area(conn: asyncpg.Connection, event: CloudEvent, p: ResidentialAreaRegistered) -> None:
    await db.upsert_residential_area(conn, p.number, p.name, p.district_key, p.social_area_key, event.time)


async def on_vocabulary(conn: asyncpg.Connection, event: CloudEvent, p: VocabularyPublished) -> None:
    await db.upsert_vocabulary(conn, p.vocabulary, p.terms, event.time)


async def on_centre_renamed(conn: asyncpg.Connection, event: CloudEvent, p: CommunityCentreRenamed) -> None:
    await db.set_community_centre(conn, p.social_area_key, p.new_name, event.time)
    await db.add_history(conn, event.id, event.type, p.subject(), domain.describe_rename(p), event.time)


async def on_residential_area_moved(conn: asyncpg.Connection, event: CloudEvent, p: ResidentialAreaMoved) -> None:
    await db.set_social_area_of(conn, p.number, p.to_social_area_key, event.time)
    await db.add_history(conn, event.id, event.type, p.subject(), domain.describe_move(p), event.time)


def territory_consumer() -> EventConsumer:
    return EventConsumer(
        name="reporting.territory",
        topic=REGISTRY_TERRITORY,
        handlers={
            DistrictRegistered: on_district,
            SocialAreaRegistered: on_social_area,
            ResidentialAreaRegistered: on_residential_area,
            VocabularyPublished: on_vocabulary,
            CommunityCentreRenamed: on_centre_renamed,
            ResidentialAreaMoved: on_residential_area_moved,
        },
    )
