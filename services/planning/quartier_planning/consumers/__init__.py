"""Planning's subscribers: the registry's events into its registry replica (``replica``) and the needs
residents raise at a Stadtteilkonferenz into planning's needs (``needs``). ``consumers()`` is the list the
service runs; the consumer group names are those the deployed groups keep their offsets under."""

from __future__ import annotations

from quartier_planning.consumers.needs import conference_needs_consumer
from quartier_planning.consumers.replica import directory_consumer, offers_consumer, territory_consumer
from quartier_shared.consumer import EventConsumer

__all__ = ["conference_needs_consumer", "consumers", "directory_consumer", "offers_consumer", "territory_consumer"]


def consumers() -> list[EventConsumer]:
    return [territory_consumer(), directory_consumer(), offers_consumer(), conference_needs_consumer()]
