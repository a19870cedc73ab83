"""Reporting's subscribers, one module per family: the events of registry, planning and invitations into the
read models. Every handler runs in the consumer's transaction after the shared inbox claimed the event id
(exactly one effect per event). ``CONSUMERS`` lists the factories; the rebuild (``service.rebuild``) replays
the same handlers into shadow tables. The consumer group names are those the deployed groups keep their
offsets under."""

from __future__ import annotations

from collections.abc import Callable

from quartier_reporting.consumers.controlling import agreements_consumer, social_data_consumer
from quartier_reporting.consumers.goals import goals_consumer
from quartier_reporting.consumers.meetings import meetings_consumer
from quartier_reporting.consumers.offers import offers_consumer
from quartier_reporting.consumers.plans import plans_consumer
from quartier_reporting.consumers.territory import territory_consumer
from quartier_shared.consumer import EventConsumer

CONSUMERS: tuple[Callable[[], EventConsumer], ...] = (
    territory_consumer,
    plans_consumer,
    goals_consumer,
    offers_consumer,
    meetings_consumer,
    agreements_consumer,
    social_data_consumer,
)


def consumers() -> list[EventConsumer]:
    return [make() for make in CONSUMERS]
