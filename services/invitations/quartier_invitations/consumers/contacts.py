"""The invitations service's subscriber to the people's contact details (the registry's contacts topic, the one
place names and e-mail addresses arrive), into ``contacts``.

Each event is applied once (the shared inbox) and only forward in event time, so replays converge.
``ContactDetailsErased`` deletes the person's contact details and keeps a tombstone, so that no late or
replayed ``ContactDetailsSet`` brings them back; neither does one for an erased person.
"""

from __future__ import annotations

import logging

import asyncpg

from quartier_invitations.db import directory as db
from quartier_invitations.service import delivery
from quartier_registry_replica.upserts import lock_person
from quartier_shared.consumer import EventConsumer
from quartier_shared.events.contacts import ContactDetailsErased, ContactDetailsSet
from quartier_shared.events.envelope import CloudEvent
from quartier_shared.events.topics import REGISTRY_CONTACTS

log = logging.getLogger(__name__)


async def on_contact_set(conn: asyncpg.Connection, event: CloudEvent, p: ContactDetailsSet) -> None:
    # the replica's person lock: the erasure of the person (directory topic) may be handled at the same time
    await lock_person(conn, p.person_id)
    if not await db.set_contact(conn, p.person_id, p.name, p.email, p.salutation, p.functions, event.time):
        log.info("contact details of an erased person ignored")


async def on_contact_erased(conn: asyncpg.Connection, event: CloudEvent, p: ContactDetailsErased) -> None:
    await lock_person(conn, p.person_id)
    await db.erase_contact(conn, p.person_id, event.time)
    await delivery.forget_person(conn, p.person_id)


def contacts_consumer() -> EventConsumer:
    return EventConsumer(
        name="invitations.contacts",
        topic=REGISTRY_CONTACTS,
        handlers={ContactDetailsSet: on_contact_set, ContactDetailsErased: on_contact_erased},
    )
