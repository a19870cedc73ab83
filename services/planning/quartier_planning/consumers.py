"""Planning's subscribers: the registry's events into planning's local copy of the registry.

Two consumer groups: the territory (districts, social and residential areas, vocabularies) and the
directory (actors, people by id, bodies, memberships). Each event is applied once (the shared inbox) and
only forward in event time, so replays converge. ``PersonErased`` drops what planning holds about the
person; only the memberships the registry retains stay.
"""

from __future__ import annotations

import logging

import asyncpg

from quartier_planning.db import registry_copy as db
from quartier_shared.consumer import EventConsumer
from quartier_shared.events.envelope import CloudEvent
from quartier_shared.events.people import (
    ActorChanged,
    ActorRegistered,
    ActorWithdrawn,
    BodyRegistered,
    MembershipEnded,
    MembershipStarted,
    PersonChanged,
    PersonErased,
    PersonRegistered,
)
from quartier_shared.events.territory import (
    CommunityCentreRenamed,
    DistrictRegistered,
    ResidentialAreaMoved,
    ResidentialAreaRegistered,
    SocialAreaRegistered,
    VocabularyPublished,
)
from quartier_shared.events.topics import REGISTRY_DIRECTORY, REGISTRY_TERRITORY

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- territory


async def on_district(conn: asyncpg.Connection, event: CloudEvent, p: DistrictRegistered) -> None:
    await db.upsert_district(conn, p.district_key, p.name, event.time)


async def on_social_area(conn: asyncpg.Connection, event: CloudEvent, p: SocialAreaRegistered) -> None:
    await db.upsert_social_area(conn, p.social_area_key, p.name, p.community_centre_name, event.time)


async def on_residential_area(conn: asyncpg.Connection, event: CloudEvent, p: ResidentialAreaRegistered) -> None:
    await db.upsert_residential_area(conn, p.number, p.name, p.district_key, p.social_area_key, event.time)


async def on_centre_renamed(conn: asyncpg.Connection, event: CloudEvent, p: CommunityCentreRenamed) -> None:
    await db.set_community_centre(conn, p.social_area_key, p.new_name, event.time)


async def on_residential_area_moved(conn: asyncpg.Connection, event: CloudEvent, p: ResidentialAreaMoved) -> None:
    await db.move_residential_area(conn, p.number, p.to_social_area_key, event.time)


async def on_vocabulary(conn: asyncpg.Connection, event: CloudEvent, p: VocabularyPublished) -> None:
    await db.upsert_vocabulary(conn, p.vocabulary, p.terms, event.time)


# ---------------------------------------------------------------- actors


async def on_actor(conn: asyncpg.Connection, event: CloudEvent, p: ActorRegistered | ActorChanged) -> None:
    await db.upsert_actor(
        conn, p.actor_id, p.name, p.actor_type, p.social_area_keys, p.residential_area_number, event.time
    )


async def on_actor_withdrawn(conn: asyncpg.Connection, event: CloudEvent, p: ActorWithdrawn) -> None:
    await db.withdraw_actor(conn, p.actor_id, event.time)


# ---------------------------------------------------------------- people (ids only)


async def on_person(conn: asyncpg.Connection, event: CloudEvent, p: PersonRegistered | PersonChanged) -> None:
    await db.lock_person(conn, p.person_id)
    await db.upsert_person(conn, p.person_id, p.actor_id, p.lives_in_social_area_key, event.time)


async def on_person_erased(conn: asyncpg.Connection, event: CloudEvent, p: PersonErased) -> None:
    await db.lock_person(conn, p.person_id)
    removed = await db.erase_person(conn, p.person_id, p.retained_membership_ids, event.time)
    log.info(
        "person erased from the registry copy",
        extra={"removed_memberships": removed, "retained_memberships": len(p.retained_membership_ids)},
    )


# ---------------------------------------------------------------- bodies and memberships


async def on_body(conn: asyncpg.Connection, event: CloudEvent, p: BodyRegistered) -> None:
    await db.upsert_body(
        conn, p.body_id, p.kind, p.name, p.display_name, p.local_title, p.social_area_key, p.district_key, event.time
    )


async def on_membership_started(conn: asyncpg.Connection, event: CloudEvent, p: MembershipStarted) -> None:
    await db.lock_person(conn, p.person_id)
    if await db.membership_dropped_by_erasure(conn, p.person_id, p.membership_id):
        return  # the person's erasure overtook this event (another partition): it must not come back
    await db.start_membership(
        conn,
        p.membership_id,
        p.body_id,
        p.person_id,
        p.role,
        p.starts_on,
        p.ends_on,
        p.is_district_mayor,
        event.time,
    )


async def on_membership_ended(conn: asyncpg.Connection, event: CloudEvent, p: MembershipEnded) -> None:
    await db.lock_person(conn, p.person_id)
    if await db.membership_dropped_by_erasure(conn, p.person_id, p.membership_id):
        return
    await db.end_membership(conn, p.membership_id, p.body_id, p.person_id, p.ends_on, event.time)


# ---------------------------------------------------------------- wiring


def territory_consumer() -> EventConsumer:
    return EventConsumer(
        name="planning.territory",
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


def directory_consumer() -> EventConsumer:
    return EventConsumer(
        name="planning.directory",
        topic=REGISTRY_DIRECTORY,
        handlers={
            ActorRegistered: on_actor,
            ActorChanged: on_actor,
            ActorWithdrawn: on_actor_withdrawn,
            PersonRegistered: on_person,
            PersonChanged: on_person,
            PersonErased: on_person_erased,
            BodyRegistered: on_body,
            MembershipStarted: on_membership_started,
            MembershipEnded: on_membership_ended,
        },
    )


def consumers() -> list[EventConsumer]:
    return [territory_consumer(), directory_consumer()]
