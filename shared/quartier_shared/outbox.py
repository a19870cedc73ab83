"""The transactional outbox and its relay.

``enqueue`` is called inside the use case's transaction. The relay claims unpublished rows in id
order, publishes them with an idempotent producer (acks=all), waits for the broker's confirmation and
only then marks them. A crash between publishing and marking publishes again: consumers deduplicate by
event id. One relay per service is active at a time (advisory lock), which keeps per-key order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer

from quartier_shared.db import advisory_key
from quartier_shared.events.envelope import CloudEvent, EventPayload, new_event
from quartier_shared.logging import correlation_id_var
from quartier_shared.metrics import OUTBOX_BACKLOG, OUTBOX_OLDEST_AGE, OUTBOX_PUBLISHED, OUTBOX_RELAY_ACTIVE

log = logging.getLogger(__name__)


async def enqueue(
    conn: asyncpg.Connection, payload: EventPayload, *, source: str, correlation_id: str | None = None
) -> CloudEvent:
    """Writes the event announcing a state change; call inside the same transaction as the change."""
    event = new_event(payload, source=source, correlation_id=correlation_id or correlation_id_var.get())
    await conn.execute(
        """
        INSERT INTO outbox (event_id, topic, partition_key, event_type, source, subject, occurred_at,
                            correlation_id, payload)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
        """,
        event.id,
        payload.topic,
        payload.partition_key(),
        event.type,
        event.source,
        event.subject,
        event.time,
        event.correlationid,
        json.dumps(event.data, ensure_ascii=False),
    )
    return event


def _row_event(row: asyncpg.Record) -> CloudEvent:
    return CloudEvent(
        id=row["event_id"],
        source=row["source"],
        type=row["event_type"],
        time=row["occurred_at"],
        subject=row["subject"],
        correlationid=row["correlation_id"],
        data=json.loads(row["payload"]),
    )


class OutboxRelay:
    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        schema: str,
        bootstrap_servers: str,
        topic_prefix: str = "",
        batch_size: int = 200,
        idle_poll_seconds: float = 2.0,
    ) -> None:
        self.pool = pool
        self.schema = schema
        self.bootstrap_servers = bootstrap_servers
        self.topic_prefix = topic_prefix
        self.batch_size = batch_size
        self.idle_poll_seconds = idle_poll_seconds
        self._wake = asyncio.Event()
        self._stopping = False
        self._producer: AIOKafkaProducer | None = None

    async def run(self) -> None:
        """Waits to become the active relay, then publishes until stopped; survives broker and database
        outages by starting over."""
        while not self._stopping:
            try:
                await self._run_while_active()
            except Exception:
                log.exception("outbox relay interrupted; starting over")
                await asyncio.sleep(self.idle_poll_seconds)

    async def _run_while_active(self) -> None:
        lock_conn: asyncpg.Connection = await self.pool.acquire()
        try:
            while not self._stopping:
                if await lock_conn.fetchval("SELECT pg_try_advisory_lock($1)", advisory_key(f"relay:{self.schema}")):
                    break
                await asyncio.sleep(self.idle_poll_seconds)
            if self._stopping:
                return
            OUTBOX_RELAY_ACTIVE.set(1)
            await lock_conn.add_listener(f"{self.schema}_outbox", self._on_notify)
            self._producer = AIOKafkaProducer(
                bootstrap_servers=self.bootstrap_servers,
                enable_idempotence=True,
                acks="all",
                client_id=f"{self.schema}-outbox-relay",
            )
            await self._producer.start()
            try:
                while not self._stopping:
                    # Cleared before draining, so a NOTIFY that arrives during the drain is not lost.
                    self._wake.clear()
                    try:
                        published = await self.drain_once()
                    except Exception:
                        log.exception("outbox relay failed; retrying")
                        await asyncio.sleep(1.0)
                        continue
                    if published == 0:
                        # The advisory lock lives on this connection: if it is gone, so is our claim
                        # to be the only relay, and the error starts everything over.
                        await lock_conn.execute("SELECT 1")
                        await self._update_backlog()
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._wake.wait(), self.idle_poll_seconds)
            finally:
                await self._producer.stop()
        finally:
            OUTBOX_RELAY_ACTIVE.set(0)
            with contextlib.suppress(Exception):
                await lock_conn.remove_listener(f"{self.schema}_outbox", self._on_notify)
            with contextlib.suppress(Exception):
                await lock_conn.execute("SELECT pg_advisory_unlock_all()")
            await self.pool.release(lock_conn)

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    async def drain_once(self) -> int:
        """Publishes one batch of unpublished events; returns how many."""
        assert self._producer is not None
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """
                SELECT id, event_id, topic, partition_key, event_type, source, subject, occurred_at,
                       correlation_id, payload::text AS payload
                FROM outbox WHERE published_at IS NULL
                ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
                """,
                self.batch_size,
            )
            if not rows:
                return 0
            futures = []
            for row in rows:
                event = _row_event(row)
                futures.append(
                    await self._producer.send(
                        self.topic_prefix + row["topic"],
                        value=event.kafka_value(),
                        key=row["partition_key"].encode(),
                        headers=event.kafka_headers(),
                    )
                )
            # Every record is confirmed by all in-sync replicas before any row is marked.
            await asyncio.gather(*futures)
            await self._mark_published(conn, [row["id"] for row in rows])
        OUTBOX_PUBLISHED.inc(len(rows))
        return len(rows)

    async def _mark_published(self, conn: asyncpg.Connection, ids: Sequence[int]) -> None:
        await conn.execute("UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])", list(ids))

    async def _update_backlog(self) -> None:
        await update_backlog_metrics(self.pool)


async def update_backlog_metrics(pool: asyncpg.Pool) -> None:
    """Sets the backlog gauges from the outbox itself; called by the relay when idle and by the service's
    periodic metrics, so that a relay that cannot publish (broker gone) still shows its backlog growing."""
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            """
            SELECT count(*) AS backlog,
                   coalesce(extract(epoch FROM now() - min(created_at)), 0) AS oldest
            FROM outbox WHERE published_at IS NULL
            """
        )
    assert row is not None
    OUTBOX_BACKLOG.set(row["backlog"])
    OUTBOX_OLDEST_AGE.set(float(row["oldest"]))
