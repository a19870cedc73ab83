"""Explicit topic creation: partitions and retention are decided here, never by broker defaults."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from quartier_shared.events.topics import TopicSpec

log = logging.getLogger(__name__)


def with_dead_letters(specs: Iterable[TopicSpec]) -> list[TopicSpec]:
    out: list[TopicSpec] = []
    for spec in specs:
        out += [spec, spec.dlq()]
    return out


async def ensure_topics(
    bootstrap_servers: str, specs: Iterable[TopicSpec], *, prefix: str = "", replication_factor: int = 1
) -> list[str]:
    """Creates the missing topics; returns the names it created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="quartier-topic-setup")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [s for s in with_dead_letters(specs) if prefix + s.name not in existing]
        created: list[str] = []
        for spec in wanted:
            try:
                await admin.create_topics(
                    [
                        NewTopic(
                            name=prefix + spec.name,
                            num_partitions=spec.partitions,
                            replication_factor=replication_factor,
                            topic_configs={
                                "retention.ms": str(spec.retention_ms),
                                "cleanup.policy": spec.cleanup_policy,
                            },
                        )
                    ]
                )
                created.append(prefix + spec.name)
            except TopicAlreadyExistsError:
                pass  # another service created it a moment ago
        if created:
            log.info("topics created", extra={"topics": created})
        return created
    finally:
        await admin.close()


async def delete_topics(bootstrap_servers: str, names: list[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="quartier-topic-setup")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        doomed = [n for n in names if n in existing]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()
