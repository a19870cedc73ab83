"""The event-handler map: each registry event type the replica takes in → its upsert.

A service's consumer subscribes with these maps under its own consumer group, e.g.
``EventConsumer(name="planning.territory", topic=REGISTRY_TERRITORY, handlers=TERRITORY)``, and may replace
a handler by one that calls the replica's and then does the service's own part (invitations drops the
person's contact details on ``PersonErased``; reporting writes the territory's history). Every handler runs in
the consumer's transaction after the shared inbox claimed the event.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import asyncpg

from quartier_registry_replica import upserts as db
from quartier_shared.consumer import Handler
from quartier_shared.events.envelope import CloudEvent, EventPayload
from quartier_shared.events.offers import OfferChanged, OfferConfirmed, OfferRegistered, OffersMerged, OfferWithdrawn
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

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- territory


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


# ---------------------------------------------------------------- actors


async def on_actor(conn: asyncpg.Connection, event: CloudEvent, p: ActorRegistered | ActorChanged) -> None:
    await db.upsert_actor(
        conn, p.actor_id, p.name, p.actor_type, p.social_area_keys, p.residential_area_number, p.email, event.time
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
        "person erased from the registry replica",
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


# ---------------------------------------------------------------- offers (existence and withdrawal only)


async def on_offer(
    conn: asyncpg.Connection, event: CloudEvent, p: OfferRegistered | OfferChanged | OfferConfirmed
) -> None:
    await db.upsert_offer(conn, p.offer_id, event.time)


async def on_offer_withdrawn(conn: asyncpg.Connection, event: CloudEvent, p: OfferWithdrawn) -> None:
    await db.withdraw_offer(conn, p.offer_id, p.merged_into, event.time)


async def on_offers_merged(conn: asyncpg.Connection, event: CloudEvent, p: OffersMerged) -> None:
    # Keyed by the pair, so it may overtake the withdrawn offer's own OfferWithdrawn: both say the same.
    await db.withdraw_offer(conn, p.withdrawn_offer_id, p.kept_offer_id, event.time)


# ---------------------------------------------------------------- the maps, one per registry topic

# quartier.registry.territory
TERRITORY: Mapping[type[EventPayload], Handler] = {
    DistrictRegistered: on_district,
    SocialAreaRegistered: on_social_area,
    ResidentialAreaRegistered: on_residential_area,
    CommunityCentreRenamed: on_centre_renamed,
    ResidentialAreaMoved: on_residential_area_moved,
    VocabularyPublished: on_vocabulary,
}

# quartier.registry.directory
DIRECTORY: Mapping[type[EventPayload], Handler] = {
    ActorRegistered: on_actor,
    ActorChanged: on_actor,
    ActorWithdrawn: on_actor_withdrawn,
    PersonRegistered: on_person,
    PersonChanged: on_person,
    PersonErased: on_person_erased,
    BodyRegistered: on_body,
    MembershipStarted: on_membership_started,
    MembershipEnded: on_membership_ended,
}

# quartier.registry.offers
OFFERS: Mapping[type[EventPayload], Handler] = {
    OfferRegistered: on_offer,
    OfferChanged: on_offer,
    OfferConfirmed: on_offer,
    OfferWithdrawn: on_offer_withdrawn,
    OffersMerged: on_offers_merged,
}
