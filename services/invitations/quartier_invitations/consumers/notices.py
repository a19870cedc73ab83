"""Invitations' subscribers that turn other services' announcements into notices (``service/notices.py``).

- ``invitations.planning-notices`` reads planning's plans topic: ``DeadlineApproaching`` reminds the area
  coordinator of the Sozialraum; every other plan event is only recorded in the inbox (nothing to mail).
- ``invitations.reporting-notices`` reads reporting's reports topic: ``EvaluationDistributed`` tells the
  Lenkungskreis and the Bezirksvertretungen of the districts that a mid-year review or an evaluation is ready;
  the other report events (``AnnualReportPublished``) are only recorded in the inbox.

Own consumer groups, so they read their topics from the beginning independently of any other consumer. The
configuration (the gateway's public address) comes from the service's settings, through ``consumers()``.
Each event is applied once (the shared inbox); the notices themselves are idempotent per (notice key,
person), so neither a replay nor a second announcement of the same deadline mails anybody twice.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import asyncpg

from quartier_invitations.service import notices
from quartier_invitations.service.notices import NoticeConfig
from quartier_shared.consumer import EventConsumer, Handler
from quartier_shared.events.envelope import EVENT_TYPES, CloudEvent, EventPayload
from quartier_shared.events.planning import DeadlineApproaching
from quartier_shared.events.reporting import EvaluationDistributed
from quartier_shared.events.topics import PLANNING_PLANS, REPORTING_REPORTS


def _deadline_handler(config: NoticeConfig) -> Callable[..., Coroutine[Any, Any, None]]:
    async def on_deadline(conn: asyncpg.Connection, event: CloudEvent, p: DeadlineApproaching) -> None:
        await notices.remind_deadline(
            conn,
            config,
            plan_id=p.plan_id,
            social_area_key=p.social_area_key,
            year=p.year,
            step=p.step,
            due_on=p.due_on,
            days_left=p.days_left,
            at=event.time,
        )

    return on_deadline


def _evaluation_handler(config: NoticeConfig) -> Callable[..., Coroutine[Any, Any, None]]:
    async def on_evaluation(conn: asyncpg.Connection, event: CloudEvent, p: EvaluationDistributed) -> None:
        await notices.distribute_evaluation(
            conn,
            config,
            plan_id=p.plan_id,
            social_area_key=p.social_area_key,
            year=p.year,
            kind=p.kind,
            district_keys=list(p.district_keys),
            steering_committee=p.steering_committee,
            at=event.time,
        )

    return on_evaluation


async def ignore(conn: asyncpg.Connection, event: CloudEvent, payload: EventPayload) -> None:
    """Nothing to mail: the event is only recorded in the inbox as seen."""


def _events_of(topic: str) -> list[type[EventPayload]]:
    return [cls for cls in EVENT_TYPES.values() if getattr(cls, "topic", None) == topic]


def planning_notices_consumer(config: NoticeConfig) -> EventConsumer:
    handlers: dict[type[EventPayload], Handler] = {cls: ignore for cls in _events_of(PLANNING_PLANS.name)}
    handlers[DeadlineApproaching] = _deadline_handler(config)
    return EventConsumer(name="invitations.planning-notices", topic=PLANNING_PLANS, handlers=handlers)


def reporting_notices_consumer(config: NoticeConfig) -> EventConsumer:
    handlers: dict[type[EventPayload], Handler] = {cls: ignore for cls in _events_of(REPORTING_REPORTS.name)}
    handlers[EvaluationDistributed] = _evaluation_handler(config)
    return EventConsumer(name="invitations.reporting-notices", topic=REPORTING_REPORTS, handlers=handlers)


def notice_consumers(config: NoticeConfig) -> list[EventConsumer]:
    return [planning_notices_consumer(config), reporting_notices_consumer(config)]
