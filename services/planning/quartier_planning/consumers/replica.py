"""Planning's subscribers to the registry's events, into its registry replica (``quartier_registry_replica``):
the territory (districts, social and residential areas, vocabularies), the directory (actors, people by id,
bodies, memberships) and the offers (whether an offer exists and is withdrawn), one consumer group each.

Each event is applied once (the shared inbox) and the replica only moves forward in event time, so replays
converge. ``PersonErased`` drops what planning holds about the person; only the memberships the registry
retains stay.
"""

from __future__ import annotations

from quartier_registry_replica import handlers as replica
from quartier_shared.consumer import EventConsumer
from quartier_shared.events.topics import REGISTRY_DIRECTORY, REGISTRY_OFFERS, REGISTRY_TERRITORY


def territory_consumer() -> EventConsumer:
    return EventConsumer(name="planning.territory", topic=REGISTRY_TERRITORY, handlers={**replica.TERRITORY})


def directory_consumer() -> EventConsumer:
    return EventConsumer(name="planning.directory", topic=REGISTRY_DIRECTORY, handlers={**replica.DIRECTORY})


def offers_consumer() -> EventConsumer:
    return EventConsumer(name="planning.offers", topic=REGISTRY_OFFERS, handlers={**replica.OFFERS})
