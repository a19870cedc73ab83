"""Reporting's subscribers for controlling (issue 8): target agreements and activity reports (planning) and
the social data of each Sozialraum (registry) into the read models of ``db.controlling``.

Listed in ``consumers.CONSUMERS``, so the service runs them and the rebuild replays them like the others.
"""

from __future__ import annotations

import asyncpg

from quartier_reporting.db import controlling as db
from quartier_shared.consumer import EventConsumer
from quartier_shared.events.agreements import ActivityReportSubmitted, AgreementChanged, AgreementConcluded
from quartier_shared.events.envelope import CloudEvent
from quartier_shared.events.social_data import SocialDataImported
from quartier_shared.events.topics import PLANNING_AGREEMENTS, REGISTRY_SOCIAL_DATA


async def on_agreement(conn: asyncpg.Connection, event: CloudEvent, p: AgreementConcluded | AgreementChanged) -> None:
    await db.upsert_agreement(conn, p, event.time)


async def on_activity_report(conn: asyncpg.Connection, event: CloudEvent, p: ActivityReportSubmitted) -> None:
    await db.record_report(conn, p, event.time)


def agreements_consumer() -> EventConsumer:
    return EventConsumer(
        name="reporting.agreements",
        topic=PLANNING_AGREEMENTS,
        handlers={
            AgreementConcluded: on_agreement,
            AgreementChanged: on_agreement,
            ActivityReportSubmitted: on_activity_report,
        },
    )


async def on_social_data(conn: asyncpg.Connection, event: CloudEvent, p: SocialDataImported) -> None:
    await db.replace_social_data(conn, p, event.time)


def social_data_consumer() -> EventConsumer:
    return EventConsumer(
        name="reporting.social-data",
        topic=REGISTRY_SOCIAL_DATA,
        handlers={SocialDataImported: on_social_data},
    )
