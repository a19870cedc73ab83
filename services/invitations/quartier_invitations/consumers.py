"""Invitations' subscribers: the registry's events into the invitations service's own copy of the
registry's directory and of the people's contact details (the territory's consumer is the meetings').

Two consumer groups here: the directory (actors, people by id, bodies, memberships) and the contacts
(names and e-mail addresses, the one place personal data arrives). Each event is applied once
(the shared inbox) and only forward in event time, so replays converge. ``PersonErased`` and
``ContactDetailsErased`` delete the person's contact details; only the memberships the registry retains
stay, by id.

``consumers()`` is the list the service runs; other parts of the service add theirs to ``EXTRA``
(callables returning consumers) rather than editing this list.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import asyncpg

from quartier_invitations.db import directory as db
from quartier_invitations.service import delivery
from quartier_shared.consumer import EventConsumer
from quartier_shared.events.contacts import ContactDetailsErased, ContactDetailsSet
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
from quartier_shared.events.topics import REGISTRY_CONTACTS, REGISTRY_DIRECTORY

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- directory


async def on_actor(conn: asyncpg.Connection, event: CloudEvent, p: ActorRegistered | ActorChanged) -> None:
    await db.upsert_actor(conn, p.actor_id, p.name, p.actor_type, p.social_area_keys, p.email, event.time)


async def on_actor_withdrawn(conn: asyncpg.Connection, event: CloudEvent, p: ActorWithdrawn) -> None:
    await db.withdraw_actor(conn, p.actor_id, event.time)


async def on_person(conn: asyncpg.Connection, event: CloudEvent, p: PersonRegistered | PersonChanged) -> None:
    await db.lock_person(conn, p.person_id)
    await db.upsert_person(conn, p.person_id, p.actor_id, p.lives_in_social_area_key, event.time)


async def on_person_erased(conn: asyncpg.Connection, event: CloudEvent, p: PersonErased) -> None:
    await db.lock_person(conn, p.person_id)
    removed = await db.erase_person(conn, p.person_id, p.retained_membership_ids, event.time)
    await delivery.forget_person(conn, p.person_id)
    log.info(
        "person erased from the invitations copy",
        extra={"removed_memberships": removed, "retained_memberships": len(p.retained_membership_ids)},
    )


async def on_body(conn: asyncpg.Connection, event: CloudEvent, p: BodyRegistered) -> None:
    await db.upsert_body(conn, p.body_id, p.kind, p.name, p.display_name, p.social_area_key, p.district_key, event.time)


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


# ---------------------------------------------------------------- contacts


async def on_contact_set(conn: asyncpg.Connection, event: CloudEvent, p: ContactDetailsSet) -> None:
    await db.lock_person(conn, p.person_id)
    if not await db.set_contact(conn, p.person_id, p.name, p.email, p.salutation, p.functions, event.time):
        log.info("contact details of an erased person ignored")


async def on_contact_erased(conn: asyncpg.Connection, event: CloudEvent, p: ContactDetailsErased) -> None:
    await db.lock_person(conn, p.person_id)
    await db.erase_contact(conn, p.person_id, event.time)
    await delivery.forget_person(conn, p.person_id)


# ---------------------------------------------------------------- wiring


def directory_consumer() -> EventConsumer:
    return EventConsumer(
        name="invitations.directory",
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


def contacts_consumer() -> EventConsumer:
    return EventConsumer(
        name="invitations.contacts",
        topic=REGISTRY_CONTACTS,
        handlers={ContactDetailsSet: on_contact_set, ContactDetailsErased: on_contact_erased},
    )


# Other parts of the service register their consumers here (e.g. the meetings' own subscriptions).
EXTRA: list[Callable[[], list[EventConsumer]]] = []


def consumers() -> list[EventConsumer]:
    out = [directory_consumer(), contacts_consumer()]
    for more in EXTRA:
        out += more()
    return out
