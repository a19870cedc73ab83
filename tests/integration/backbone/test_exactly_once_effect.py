"""Duplicates have one effect: a redelivered event, and a relay killed between publishing and marking."""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid

import asyncpg
import httpx

from quartier_shared.events.topics import REGISTRY_TERRITORY
from tests.support.helpers import eventually, pool_as
from tests.support.kafka import header, produce, read_topic
from tests.support.stack import ROOT, Stack


async def _history_count(reporting_db: asyncpg.Connection, event_id: uuid.UUID) -> int:
    return int(await reporting_db.fetchval("SELECT count(*) FROM territory_history WHERE event_id = $1", event_id))


async def _metric(stack: Stack, service: str, name: str) -> float:
    text = httpx.get(f"{stack.url(service)}/metrics").text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


async def test_the_same_event_delivered_twice_has_one_effect(
    stack: Stack, registry_db: asyncpg.Connection, reporting_db: asyncpg.Connection
) -> None:
    response = httpx.put(
        f"{stack.url('registry')}/api/v1/social-areas/rhynern/community-centre",
        json={"name": f"Ju&St Rhynern ({uuid.uuid4().hex[:6]})"},
    )
    assert response.status_code == 200, response.text
    event_id = await registry_db.fetchval(
        "SELECT event_id FROM outbox WHERE event_type LIKE '%CommunityCentreRenamed%' ORDER BY id DESC LIMIT 1"
    )
    await eventually(lambda: _history_count(reporting_db, event_id))

    bootstrap = stack.env["QUARTIER_KAFKA_BOOTSTRAP"]
    topic = stack.topic_prefix + REGISTRY_TERRITORY.name
    original = next(r for r in await read_topic(bootstrap, topic) if header(r, "ce_id") == str(event_id))
    duplicates_before = await _metric(stack, "reporting", "quartier_events_duplicate_total")
    await produce(bootstrap, topic, original.value, key=original.key, headers=list(original.headers))

    async def duplicate_seen() -> bool:
        return await _metric(stack, "reporting", "quartier_events_duplicate_total") > duplicates_before

    await eventually(duplicate_seen)
    assert await _history_count(reporting_db, event_id) == 1
    inbox = await reporting_db.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", event_id)
    assert inbox == 1


async def test_relay_killed_after_publishing_publishes_again_and_the_consumer_applies_once(
    stack: Stack, registry_db: asyncpg.Connection, reporting_db: asyncpg.Connection
) -> None:
    # Only the crashing relay may run: stop the registry (and with it its relay) first.
    assert stack.stop("registry") in (0, -signal.SIGTERM)  # uvicorn re-raises SIGTERM after a clean shutdown
    from quartier_registry.service import territory as service

    pool = await pool_as(stack.env, "registry")
    try:
        event = await service.move_residential_area(pool, 43, "herringen", actor="test")
    finally:
        await pool.close()

    env = stack.service_env("registry", 0)
    crashed = subprocess.run(
        [sys.executable, "-m", "tests.support.crashing_relay"], cwd=ROOT, env=env, capture_output=True, timeout=60
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr.decode()
    assert b"dying before marking" in crashed.stdout

    published_at = await registry_db.fetchval("SELECT published_at FROM outbox WHERE event_id = $1", event.id)
    assert published_at is None, "the killed relay must not have marked the event"
    bootstrap = stack.env["QUARTIER_KAFKA_BOOTSTRAP"]
    topic = stack.topic_prefix + REGISTRY_TERRITORY.name

    async def copies() -> int:
        return sum(1 for r in await read_topic(bootstrap, topic) if header(r, "ce_id") == str(event.id))

    assert await copies() == 1

    stack.start("registry")

    async def marked() -> bool:
        return await registry_db.fetchval("SELECT published_at FROM outbox WHERE event_id = $1", event.id) is not None

    await eventually(marked)
    assert await copies() == 2, "the restarted relay publishes the unmarked event again"
    await eventually(lambda: _history_count(reporting_db, event.id))

    async def both_copies_consumed() -> bool:
        lag = await _metric(stack, "reporting", "quartier_consumer_lag_messages")
        return lag == 0

    await eventually(both_copies_consumed, timeout=30)
    assert await _history_count(reporting_db, event.id) == 1
    area = await reporting_db.fetchval("SELECT social_area_key FROM registry_residential_areas WHERE number = 43")
    assert area == "herringen"
    undo = httpx.post(f"{stack.url('registry')}/api/v1/residential-areas/43/move", json={"social_area_key": "pelkum"})
    assert undo.status_code == 200, undo.text
