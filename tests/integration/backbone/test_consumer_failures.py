"""A handler that keeps failing: retried, then dead-lettered with its error; its partition flows on and
nothing of the failed attempts is left in the database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker

from quartier_shared.consumer import EventConsumer
from quartier_shared.events.envelope import CloudEvent, new_event
from quartier_shared.events.territory import CommunityCentreRenamed, VocabularyPublished
from quartier_shared.events.topics import TopicSpec
from quartier_shared.kafka_admin import ensure_topics
from tests.support.helpers import eventually, pool_as
from tests.support.kafka import header, produce, read_topic
from tests.support.stack import Stack


@pytest.fixture
async def reporting_pool(env: dict[str, str], stack: Stack) -> AsyncIterator[asyncpg.Pool]:
    """The reporting role's pool, on its schema as the running reporting service migrated it."""
    pool = await pool_as(env, "reporting")
    await pool.execute("CREATE TABLE IF NOT EXISTS test_effects (event_id uuid, note text)")
    yield pool
    await pool.execute("DROP TABLE test_effects")
    await pool.close()


async def test_a_failing_handler_is_retried_then_dead_lettered(
    env: dict[str, str], topic_prefix: str, reporting_pool: asyncpg.Pool
) -> None:
    bootstrap = env["QUARTIER_KAFKA_BOOTSTRAP"]
    spec = TopicSpec(f"failures-{uuid.uuid4().hex[:8]}", partitions=1)
    await ensure_topics(bootstrap, [spec], prefix=topic_prefix)
    attempts: list[uuid.UUID] = []

    async def explodes(conn: asyncpg.Connection, event: CloudEvent, payload: CommunityCentreRenamed) -> None:
        attempts.append(event.id)
        await conn.execute("INSERT INTO test_effects VALUES ($1, 'half-done')", event.id)
        raise RuntimeError("Regel verletzt")

    async def works(conn: asyncpg.Connection, event: CloudEvent, payload: VocabularyPublished) -> None:
        await conn.execute("INSERT INTO test_effects VALUES ($1, 'done')", event.id)

    dlq_producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    consumer = EventConsumer(
        name=f"test.failures.{uuid.uuid4().hex[:6]}",
        topic=spec,
        handlers={CommunityCentreRenamed: explodes, VocabularyPublished: works},
        max_attempts=3,
        retry_base_seconds=0.01,
        pool=reporting_pool,
        dlq_producer=dlq_producer,
        topic_prefix=topic_prefix,
    )
    broker = KafkaBroker(bootstrap)
    consumer.subscribe(broker)
    await dlq_producer.start()
    await broker.start()
    try:
        failing = new_event(
            CommunityCentreRenamed(city="Hamm", social_area_key="mitte", old_name="A", new_name="B"), source="/test"
        )
        following = new_event(VocabularyPublished(city="Hamm", vocabulary="x", terms=["y"]), source="/test")
        topic = topic_prefix + spec.name
        for event in (failing, following):
            await produce(bootstrap, topic, event.kafka_value(), key=b"k", headers=event.kafka_headers())

        async def following_applied() -> bool:
            return bool(await reporting_pool.fetchval("SELECT count(*) FROM test_effects WHERE note = 'done'"))

        await eventually(following_applied)
    finally:
        await broker.stop()
        await dlq_producer.stop()

    assert attempts == [failing.id] * 3
    assert await reporting_pool.fetchval("SELECT count(*) FROM test_effects WHERE note = 'half-done'") == 0
    assert await reporting_pool.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", failing.id) == 0
    assert await reporting_pool.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", following.id) == 1
    (dead,) = await read_topic(bootstrap, topic + ".dlq")
    assert header(dead, "ce_id") == str(failing.id)
    assert header(dead, "dlq_reason") == "failed"
    assert "RuntimeError: Regel verletzt" in header(dead, "dlq_error")
    assert dead.value == failing.kafka_value()
