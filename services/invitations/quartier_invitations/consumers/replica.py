"""The invitations service's subscribers to the registry's territory and directory, into its registry replica
(``quartier_registry_replica``). The meetings need the territory: a Sozialraum's Stadtbezirke decide which
Bezirksvertretungen concern a Stadtteilkonferenz's date, its Stadtteilzentrum names the place, its
Wohnbereiche and the Handlungsfelder check residents' needs; the invitation rules read the directory.

Each event is applied once (the shared inbox) and only forward in event time, so replays converge.
``PersonErased`` drops what the replica holds about the person and, here, the person's contact details and
the addresses of their pending mails; only the memberships the registry retains stay, by id.
"""

from __future__ import annotations

import asyncpg

from quartier_invitations.db import directory as contacts_db
from quartier_invitations.service import delivery
from quartier_registry_replica import handlers as replica
from quartier_shared.consumer import EventConsumer
from quartier_shared.events.envelope import CloudEvent
from quartier_shared.events.people import PersonErased
from quartier_shared.events.topics import REGISTRY_DIRECTORY, REGISTRY_TERRITORY


async def on_person_erased(conn: asyncpg.Connection, event: CloudEvent, p: PersonErased) -> None:
    await replica.on_person_erased(conn, event, p)  # takes the person's lock for the rest of the transaction
    await contacts_db.delete_contact(conn, p.person_id)
    await delivery.forget_person(conn, p.person_id)


def territory_consumer() -> EventConsumer:
    return EventConsumer(name="invitations.territory", topic=REGISTRY_TERRITORY, handlers={**replica.TERRITORY})


def directory_consumer() -> EventConsumer:
    return EventConsumer(
        name="invitations.directory",
        topic=REGISTRY_DIRECTORY,
        handlers={**replica.DIRECTORY, PersonErased: on_person_erased},
    )
