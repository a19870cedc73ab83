"""Planning's subscribers: the registry's events into planning's local copy of the registry, and the needs
residents raise at a Stadtteilkonferenz (invitations service) into planning's needs.

Consumer groups: the territory (districts, social and residential areas, vocabularies), the directory
(actors, people by id, bodies, memberships), the offers (whether an offer exists and is withdrawn), and the
conference needs. Each event is applied once (the shared inbox) and the copy only moves forward in event
time, so replays converge. ``PersonErased`` drops what planning holds about the person; only the memberships
the registry retains stay.

A conference need is raised under the invitations service's ``need_id`` through the needs use case, so that
planning announces its own ``NeedRaised``; a need id planning knows already changes nothing. A need planning
cannot take in (unknown Sozialraum or field of action, a Wohnbereich of another Sozialraum) is retried like
any failing event, then dead-lettered to ``quartier.invitations.meetings.dlq`` with the German reason in
``dlq_error``; the partition keeps flowing. Other event types on the invitations topic, also types this
process does not know, are recorded in the inbox as handled and skipped, never dead-lettered.
"""

from __future__ import annotations

import logging

import asyncpg
from aiokafka import ConsumerRecord

from quartier_planning.db import registry_copy as db
from quartier_planning.service import needs as needs_service
from quartier_shared.consumer import EventConsumer
from quartier_shared.events.envelope import CloudEvent, PoisonEvent, decode_record
from quartier_shared.events.invitations import NeedRaised as ConferenceNeedRaised
from quartier_shared.events.offers import (
    OfferChanged,
    OfferConfirmed,
    OfferRegistered,
    OffersMerged,
    OfferWithdrawn,
)
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
from quartier_shared.events.topics import INVITATIONS_MEETINGS, REGISTRY_DIRECTORY, REGISTRY_OFFERS, REGISTRY_TERRITORY
from quartier_shared.inbox import claim

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


# ---------------------------------------------------------------- needs raised at a Stadtteilkonferenz


async def on_conference_need(conn: asyncpg.Connection, event: CloudEvent, p: ConferenceNeedRaised) -> None:
    need = await needs_service.raise_conference_need(
        conn,
        p.need_id,
        p.meeting_id,
        p.social_area_key,
        p.text,
        p.field_of_action,
        p.residential_area_number,
        p.raised_on,
    )
    if need is None:
        log.info("conference need known already", extra={"need_id": str(p.need_id)})


class SelectiveConsumer(EventConsumer):
    """Reads a topic another service owns for a few of its event types: every other type (also one this
    process does not know, announced by a newer version of that service) is recorded as handled in the inbox
    and skipped; only records that are no CloudEvent at all, or whose handler keeps failing, are dead-lettered.
    """

    async def process(self, record: ConsumerRecord[bytes, bytes]) -> None:
        try:
            event = decode_record(record.headers, record.value)
        except PoisonEvent:
            await super().process(record)  # the shared path dead-letters it
            return
        if event.type in {cls.event_type for cls in self.handlers}:
            await super().process(record)
            return
        assert self.pool is not None
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                await claim(
                    conn, self.name, event, topic=record.topic, partition=record.partition, offset=record.offset
                )
        except Exception:
            log.warning("skipped event not recorded", exc_info=True, extra={"consumer": self.name})


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


def offers_consumer() -> EventConsumer:
    return EventConsumer(
        name="planning.offers",
        topic=REGISTRY_OFFERS,
        handlers={
            OfferRegistered: on_offer,
            OfferChanged: on_offer,
            OfferConfirmed: on_offer,
            OfferWithdrawn: on_offer_withdrawn,
            OffersMerged: on_offers_merged,
        },
    )


def conference_needs_consumer() -> EventConsumer:
    return SelectiveConsumer(
        name="planning.conference-needs",
        topic=INVITATIONS_MEETINGS,
        handlers={ConferenceNeedRaised: on_conference_need},
    )


def consumers() -> list[EventConsumer]:
    return [territory_consumer(), directory_consumer(), offers_consumer(), conference_needs_consumer()]
