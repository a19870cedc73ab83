"""Reporting's subscriber to the registry's territory, into its registry replica (``quartier_registry_replica``)
and, for the changes of a running city (a Stadtteilzentrum renamed, a Wohnbereich moved), into the territory's
history the reports show. The history records every change event once (the shared inbox), also one older than
the state the replica holds already."""

from __future__ import annotations

import asyncpg

from quartier_registry_replica import handlers as replica
from quartier_reporting.db import territory as db
from quartier_reporting.domain import territory as domain
from quartier_shared.consumer import EventConsumer
from quartier_shared.events.envelope import CloudEvent
from quartier_shared.events.territory import CommunityCentreRenamed, ResidentialAreaMoved
from quartier_shared.events.topics import REGISTRY_TERRITORY


async def on_centre_renamed(conn: asyncpg.Connection, event: CloudEvent, p: CommunityCentreRenamed) -> None:
    await replica.on_centre_renamed(conn, event, p)
    await db.add_history(conn, event.id, event.type, p.subject(), domain.describe_rename(p), event.time)


async def on_residential_area_moved(conn: asyncpg.Connection, event: CloudEvent, p: ResidentialAreaMoved) -> None:
    await replica.on_residential_area_moved(conn, event, p)
    await db.add_history(conn, event.id, event.type, p.subject(), domain.describe_move(p), event.time)


def territory_consumer() -> EventConsumer:
    return EventConsumer(
        name="reporting.territory",
        topic=REGISTRY_TERRITORY,
        handlers={
            **replica.TERRITORY,
            CommunityCentreRenamed: on_centre_renamed,
            ResidentialAreaMoved: on_residential_area_moved,
        },
    )
