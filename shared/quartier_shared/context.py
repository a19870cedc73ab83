"""What a running service hands its routes, consumers and background work: settings, pool, broker."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker

from quartier_shared.consumer import EventConsumer
from quartier_shared.outbox import OutboxRelay
from quartier_shared.settings import ServiceSettings


@dataclass
class ServiceContext:
    settings: ServiceSettings
    pool: asyncpg.Pool
    broker: KafkaBroker
    dlq_producer: AIOKafkaProducer
    consumers: list[EventConsumer]
    relay: OutboxRelay | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> str:
        """The CloudEvents ``source`` of everything this service announces."""
        return f"/quartier/{self.settings.service_name}"
