"""Planning's subscriber to the needs residents raise at a Stadtteilkonferenz (invitations service).

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

from quartier_planning.service import needs as needs_service
from quartier_shared.consumer import EventConsumer
from quartier_shared.events.envelope import CloudEvent, PoisonEvent, decode_record
from quartier_shared.events.invitations import NeedRaised as ConferenceNeedRaised
from quartier_shared.events.topics import INVITATIONS_MEETINGS
from quartier_shared.inbox import claim

log = logging.getLogger(__name__)

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


def conference_needs_consumer() -> EventConsumer:
    return SelectiveConsumer(
        name="planning.conference-needs",
        topic=INVITATIONS_MEETINGS,
        handlers={ConferenceNeedRaised: on_conference_need},
    )
