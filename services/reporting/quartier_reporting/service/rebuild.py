"""Rebuilding every read model from the events: replay all topics from the beginning into fresh shadow
tables, then swap them in atomically.

1. On one dedicated connection, a temporary (shadow) copy of every read-model table is created; the
   temporary schema comes first in the search path, so the consumers' own handlers write into the shadow
   tables without knowing it. Outgoing events are switched off (``REPLAYING``): a replayed distribution is
   recorded again, never announced again.
2. Every record of every subscribed topic is read from the beginning up to the end offsets, decoded and
   applied by the same handlers (each event id once per consumer, as the inbox would).
3. In one transaction the live tables are locked against the live consumers, the events that arrived in
   the meantime are replayed too, and the live tables' rows are replaced by the shadow rows. Readers see the
   old models until the commit and the rebuilt ones after it; events after the swap land on the new rows.

The live consumers' inbox is not touched: what they applied stays applied.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from quartier_reporting.consumers import consumers as make_consumers
from quartier_reporting.db import rebuild as db
from quartier_reporting.db.read_models import TABLES
from quartier_reporting.service.distribution import REPLAYING
from quartier_shared.consumer import EventConsumer
from quartier_shared.events.envelope import PoisonEvent, decode_record

log = logging.getLogger(__name__)


@dataclass
class RebuildResult:
    events_applied: int = 0
    events_skipped: int = 0  # duplicates, poison records, types no handler cares about
    tables: dict[str, int] = field(default_factory=dict)  # rows per table after the swap
    seconds: float = 0.0


class _Replay:
    def __init__(self, conn: asyncpg.Connection, bootstrap: str, prefix: str) -> None:
        self.conn = conn
        self.bootstrap = bootstrap
        self.by_topic: dict[str, EventConsumer] = {}
        for consumer in make_consumers():
            consumer.topic_prefix = prefix
            self.by_topic[consumer.topic_name] = consumer
        self.seen: set[tuple[str, uuid.UUID]] = set()
        self.positions: dict[TopicPartition, int] = {}
        self.kafka: AIOKafkaConsumer | None = None
        self.result = RebuildResult()

    async def start(self) -> None:
        self.kafka = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await self.kafka.start()
        await self.kafka._client.force_metadata_update()
        tps: list[TopicPartition] = []
        for topic in self.by_topic:
            for partition in sorted(self.kafka.partitions_for_topic(topic) or ()):
                tps.append(TopicPartition(topic, partition))
        self.kafka.assign(tps)
        await self.kafka.seek_to_beginning(*tps)
        for tp in tps:
            self.positions[tp] = await self.kafka.position(tp)

    async def stop(self) -> None:
        if self.kafka is not None:
            await self.kafka.stop()

    async def catch_up(self) -> None:
        """Applies every record up to the topics' current end offsets."""
        assert self.kafka is not None
        tps = list(self.positions)
        ends = await self.kafka.end_offsets(tps)
        remaining = {tp for tp in tps if ends[tp] > self.positions[tp]}
        while remaining:
            batch = await self.kafka.getmany(*remaining, timeout_ms=1000, max_records=500)
            for tp, records in batch.items():
                for record in records:
                    if record.offset >= ends[tp]:
                        break
                    await self._apply(record)
                    self.positions[tp] = record.offset + 1
                if self.positions[tp] >= ends[tp]:
                    remaining.discard(tp)
                    self.kafka.seek(tp, self.positions[tp])

    async def _apply(self, record: ConsumerRecord[bytes, bytes]) -> None:
        consumer = self.by_topic[record.topic]
        try:
            event = decode_record(record.headers, record.value)
            payload = event.payload()
        except PoisonEvent:
            self.result.events_skipped += 1
            return
        handler = consumer.handlers.get(type(payload))
        if handler is None or (consumer.name, event.id) in self.seen:
            self.result.events_skipped += 1
            return
        self.seen.add((consumer.name, event.id))
        try:
            async with self.conn.transaction():
                await handler(self.conn, event, payload)
        except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, asyncpg.DeadlockDetectedError):
            raise
        except Exception:
            # What the live consumer dead-letters, the replay leaves out too (its effect is rolled back).
            log.warning("rebuild: event %s of %s not applicable; left out", event.id, event.type, exc_info=True)
            self.result.events_skipped += 1
            return
        self.result.events_applied += 1


async def rebuild(pool: asyncpg.Pool, *, bootstrap: str, topic_prefix: str, schema: str) -> RebuildResult:
    """Replays every topic into shadow tables and swaps them in; one rebuild at a time per schema."""
    started = time.monotonic()
    async with pool.acquire() as conn:
        await db.lock(conn, schema)
        token = REPLAYING.set(True)
        replay = _Replay(conn, bootstrap, topic_prefix)
        try:
            await db.create_shadow_tables(conn, schema, TABLES)
            # statements prepared earlier (a previous rebuild's shadow tables, the live tables) must not be
            # reused: the same SQL now means the new shadow tables
            await conn.reload_schema_state()
            await replay.start()
            await replay.catch_up()
            await _swap(conn, replay, schema)
            replay.result.tables.update(await db.row_counts(conn, schema, TABLES))
        finally:
            REPLAYING.reset(token)
            await replay.stop()
            await db.drop_shadow_tables(conn, TABLES)
            # the pooled connection goes back to the live consumers: no statement may point to a shadow table
            await conn.reload_schema_state()
            await db.unlock(conn, schema)
    replay.result.seconds = round(time.monotonic() - started, 3)
    log.info(
        "read models rebuilt",
        extra={"events_applied": replay.result.events_applied, "seconds": replay.result.seconds},
    )
    return replay.result


async def _swap(conn: asyncpg.Connection, replay: _Replay, schema: str) -> None:
    for attempt in range(5):
        positions, seen, applied = dict(replay.positions), set(replay.seen), replay.result.events_applied
        try:
            async with conn.transaction():
                # Blocks the live consumers' writes (readers go on) until the commit; what they committed
                # before is on the broker below the new end offsets, so the last catch-up includes it.
                await db.lock_live_tables(conn, schema, TABLES)
                await replay.catch_up()
                await db.replace_live_rows(conn, schema, TABLES)
            return
        except asyncpg.DeadlockDetectedError:
            # The shadow rows of the aborted catch-up are gone with the transaction: read those records again.
            replay.positions, replay.seen, replay.result.events_applied = positions, seen, applied
            assert replay.kafka is not None
            for tp, offset in positions.items():
                replay.kafka.seek(tp, offset)
            log.warning("rebuild swap hit a deadlock; retrying (attempt %d)", attempt + 1)
    raise RuntimeError("rebuild: the swap kept deadlocking with the live consumers")
