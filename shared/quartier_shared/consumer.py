"""Kafka subscribers that turn events into use-case calls, exactly once in effect.

Per record: decode the CloudEvent; claim its id in the inbox and apply the handler in one database
transaction; only then does faststream commit the offset (AckPolicy.ACK, never ACK_FIRST). A record
that cannot be decoded, or whose handler keeps failing, is copied to ``<topic>.dlq`` with the error in
headers and acknowledged, so the partition keeps flowing. Losing the database is not the record's
fault: such errors are retried until the database is back, holding the partition's order.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from quartier_shared.events.envelope import CloudEvent, EventPayload, PoisonEvent, decode_record
from quartier_shared.events.topics import DLQ_SUFFIX, TopicSpec
from quartier_shared.inbox import claim
from quartier_shared.logging import correlation_id_var, event_id_var
from quartier_shared.metrics import (
    CONSUMER_GROUP_LAG,
    CONSUMER_LAG,
    EVENTS_DEAD_LETTERED,
    EVENTS_DUPLICATE,
    EVENTS_FAILED,
    EVENTS_PROCESSED,
    EVENTS_RECEIVED,
)

log = logging.getLogger(__name__)

Handler = Callable[[asyncpg.Connection, CloudEvent, Any], Awaitable[None]]

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
)


async def _raw_decoder(msg: Any) -> Any:
    # Decoding is ours (CloudEvents binary mode); faststream must not choke on a poison value.
    return msg.body


@dataclass
class EventConsumer:
    """One consumer group reading one topic, with a handler per payload type it cares about."""

    name: str
    topic: TopicSpec
    handlers: dict[type[EventPayload], Handler]
    max_attempts: int = 3
    retry_base_seconds: float = 0.2
    pool: asyncpg.Pool | None = None
    dlq_producer: AIOKafkaProducer | None = None
    topic_prefix: str = ""
    subscriber: Any = field(default=None, repr=False)

    @property
    def topic_name(self) -> str:
        return self.topic_prefix + self.topic.name

    @property
    def group_id(self) -> str:
        return self.topic_prefix + self.name

    def subscribe(self, broker: KafkaBroker) -> None:
        self.subscriber = broker.subscriber(
            self.topic_name,
            group_id=self.group_id,
            ack_policy=AckPolicy.ACK,
            auto_offset_reset="earliest",
            decoder=_raw_decoder,
        )
        self.subscriber(self._on_message)
        self.init_metrics()

    def init_metrics(self) -> None:
        """Creates this consumer's series at zero, so that the first dead letter is an increase that
        ``increase()`` and the alert rules see, and dashboards show 0 rather than no data."""
        EVENTS_RECEIVED.labels(self.name, self.topic_name)
        EVENTS_FAILED.labels(self.name)
        EVENTS_DUPLICATE.labels(self.name)
        for reason in ("poison", "failed"):
            EVENTS_DEAD_LETTERED.labels(self.name, self.topic_name, reason)
        for payload_type in self.handlers:
            EVENTS_PROCESSED.labels(self.name, payload_type.event_type)

    async def _on_message(self, msg: KafkaMessage) -> None:
        record: ConsumerRecord[bytes, bytes] = msg.raw_message
        await self.process(record)

    async def process(self, record: ConsumerRecord[bytes, bytes]) -> None:
        EVENTS_RECEIVED.labels(self.name, record.topic).inc()
        try:
            event = decode_record(record.headers, record.value)
            payload = event.payload()
        except PoisonEvent as exc:
            await self.dead_letter(record, "poison", str(exc))
            return
        handler = self.handlers.get(type(payload))
        if handler is None:
            return  # another consumer's business; the topic carries more than this one needs
        event_token = event_id_var.set(str(event.id))
        corr_token = correlation_id_var.set(event.correlationid)
        try:
            await self._apply(record, event, payload, handler)
        finally:
            event_id_var.reset(event_token)
            correlation_id_var.reset(corr_token)

    async def _apply(
        self, record: ConsumerRecord[bytes, bytes], event: CloudEvent, payload: EventPayload, handler: Handler
    ) -> None:
        assert self.pool is not None
        attempts = 0
        transient_delay = self.retry_base_seconds
        while True:
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    fresh = await claim(
                        conn, self.name, event, topic=record.topic, partition=record.partition, offset=record.offset
                    )
                    if fresh:
                        await handler(conn, event, payload)
                if fresh:
                    EVENTS_PROCESSED.labels(self.name, event.type).inc()
                    # With the event id and correlation id of the context: a request's trace in the logs.
                    log.info("event applied", extra={"consumer": self.name, "event_type": event.type})
                else:
                    EVENTS_DUPLICATE.labels(self.name).inc()
                    log.info("duplicate event skipped", extra={"consumer": self.name})
                return
            except TRANSIENT_ERRORS:
                log.warning("database unavailable; retrying", exc_info=True)
                await asyncio.sleep(transient_delay)
                transient_delay = min(transient_delay * 2, 10.0)
            except Exception as exc:
                attempts += 1
                EVENTS_FAILED.labels(self.name).inc()
                if attempts >= self.max_attempts:
                    log.exception("event failed %d times; dead-lettered", attempts)
                    await self.dead_letter(record, "failed", "".join(traceback.format_exception_only(exc)).strip())
                    return
                log.warning("event failed (attempt %d); retrying", attempts, exc_info=True)
                await asyncio.sleep(self.retry_base_seconds * 2**attempts)

    async def dead_letter(self, record: ConsumerRecord[bytes, bytes], reason: str, error: str) -> None:
        assert self.dlq_producer is not None
        headers = [
            *(record.headers or ()),
            ("dlq_reason", reason.encode()),
            ("dlq_error", error[:4000].encode("utf-8", "replace")),
            ("dlq_consumer", self.name.encode()),
            ("dlq_original_topic", record.topic.encode()),
            ("dlq_original_partition", str(record.partition).encode()),
            ("dlq_original_offset", str(record.offset).encode()),
        ]
        await self.dlq_producer.send_and_wait(
            record.topic + DLQ_SUFFIX, value=record.value, key=record.key, headers=headers
        )
        EVENTS_DEAD_LETTERED.labels(self.name, record.topic, reason).inc()
        log.error(
            "event dead-lettered",
            extra={
                "consumer": self.name,
                "reason": reason,
                "error": error,
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
            },
        )

    async def update_lag(self) -> None:
        consumer: AIOKafkaConsumer | None = getattr(self.subscriber, "consumer", None)
        if consumer is None:
            return
        assigned: set[TopicPartition] = consumer.assignment()
        if not assigned:
            return
        ends = await consumer.end_offsets(list(assigned))
        for tp in assigned:
            committed = await consumer.committed(tp)
            lag = ends[tp] - (committed or 0)
            CONSUMER_LAG.labels(self.group_id, tp.topic, str(tp.partition)).set(max(lag, 0))


class GroupLagMonitor:
    """The lag of every consumer group on the topics a service publishes, from the broker's committed group
    offsets: unlike ``EventConsumer.update_lag`` it keeps counting while the consumer is down, which is
    when the lag grows. Only groups starting with ``group_prefix`` (a test session's topic prefix) count."""

    def __init__(self, bootstrap_servers: str, topics: list[str], group_prefix: str = "") -> None:
        self.bootstrap_servers = bootstrap_servers
        self.topics = set(topics)
        self.group_prefix = group_prefix
        self._admin: Any = None
        self._consumer: AIOKafkaConsumer | None = None
        self._seen: set[tuple[str, str, str]] = set()

    async def _start(self) -> None:
        from aiokafka.admin import AIOKafkaAdminClient

        if self._admin is None:
            admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap_servers, client_id="quartier-lag-monitor")
            await admin.start()
            self._admin = admin
        if self._consumer is None:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self.bootstrap_servers, enable_auto_commit=False, client_id="quartier-lag-monitor"
            )
            await consumer.start()
            self._consumer = consumer

    async def update(self) -> None:
        if not self.topics:
            return
        await self._start()
        assert self._consumer is not None
        committed: dict[tuple[str, TopicPartition], int] = {}
        for group_id, _protocol in await self._admin.list_consumer_groups():
            if not group_id.startswith(self.group_prefix):
                continue
            offsets = await self._admin.list_consumer_group_offsets(group_id)
            for tp, meta in offsets.items():
                if tp.topic in self.topics and meta.offset >= 0:
                    committed[(group_id, tp)] = meta.offset
        if not committed:
            return
        # A partition the group has not committed on yet (no event there so far) is read from its start.
        await self._consumer.topics()  # refreshes the metadata
        partitions: dict[str, list[TopicPartition]] = {}
        for _, tp in committed:
            if tp.topic not in partitions:
                numbers = self._consumer.partitions_for_topic(tp.topic) or set()
                partitions[tp.topic] = [TopicPartition(tp.topic, p) for p in sorted(numbers)]
        every = sorted({tp for tps in partitions.values() for tp in tps} | {tp for _, tp in committed})
        ends = await self._consumer.end_offsets(every)
        starts = await self._consumer.beginning_offsets(every)
        seen: set[tuple[str, str, str]] = set()
        for group_id in sorted({g for g, _ in committed}):
            own = {tp for g, tp in committed if g == group_id}
            for tp in sorted(own | {tp for topic in {t.topic for t in own} for tp in partitions[topic]}):
                offset = committed.get((group_id, tp), starts[tp])
                labels = (group_id, tp.topic, str(tp.partition))
                CONSUMER_GROUP_LAG.labels(*labels).set(max(ends[tp] - offset, 0))
                seen.add(labels)
        for gone in self._seen - seen:  # a deleted group or topic
            CONSUMER_GROUP_LAG.remove(*gone)
        self._seen = seen

    async def close(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None
        if self._admin is not None:
            await self._admin.close()
            self._admin = None
