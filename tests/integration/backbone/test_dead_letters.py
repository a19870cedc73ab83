"""A poison event goes to the dead-letter topic with its error, and the partition keeps flowing."""

from __future__ import annotations

import json
import uuid

import asyncpg
import httpx

from quartier_shared.events.topics import DLQ_SUFFIX, REGISTRY_TERRITORY
from tests.support.helpers import eventually
from tests.support.kafka import header, produce, read_topic
from tests.support.stack import Stack


def _renamed_headers(event_id: str) -> list[tuple[str, bytes]]:
    """CloudEvents headers of a CommunityCentreRenamed event from a test."""
    return [
        ("ce_id", event_id.encode()),
        ("ce_source", b"/test"),
        ("ce_type", b"quartier.registry.CommunityCentreRenamed.v1"),
        ("ce_specversion", b"1.0"),
    ]


async def test_poison_events_are_dead_lettered_and_the_next_event_is_processed(
    stack: Stack, reporting_db: asyncpg.Connection
) -> None:
    bootstrap = stack.env["QUARTIER_KAFKA_BOOTSTRAP"]
    topic = stack.topic_prefix + REGISTRY_TERRITORY.name
    key = b"social-area/uentrop"  # the same partition as the valid change that follows
    not_json = str(uuid.uuid4())
    await produce(
        bootstrap,
        topic,
        b"{not json",
        key=key,
        headers=_renamed_headers(not_json),
    )
    wrong_payload = str(uuid.uuid4())
    await produce(
        bootstrap,
        topic,
        json.dumps({"city": "Hamm", "social_area_key": "uentrop"}).encode(),
        key=key,
        headers=_renamed_headers(wrong_payload),
    )
    await produce(bootstrap, topic, b"no envelope at all", key=key, headers=[])

    new_name = f"Alte Schule Werries ({uuid.uuid4().hex[:6]})"
    response = httpx.put(
        f"{stack.url('registry')}/api/v1/social-areas/uentrop/community-centre", json={"name": new_name}
    )
    assert response.status_code == 200, response.text

    async def renamed() -> bool:
        name = await reporting_db.fetchval(
            "SELECT community_centre_name FROM registry_social_areas WHERE key = 'uentrop'"
        )
        return name == new_name

    await eventually(renamed)

    async def dead_letters() -> list:
        # Every consumer group of the topic dead-letters on its own; this test follows reporting's.
        records = [
            r
            for r in await read_topic(bootstrap, topic + DLQ_SUFFIX)
            if header(r, "dlq_consumer") == "reporting.territory"
        ]
        return records if len(records) >= 3 else []

    records = await eventually(dead_letters)
    by_id = {header(r, "ce_id"): r for r in records}
    assert "value is not JSON" in header(by_id[not_json], "dlq_error")
    assert "invalid payload" in header(by_id[wrong_payload], "dlq_error")
    assert header(by_id[wrong_payload], "dlq_original_topic") == topic
    no_envelope = by_id[None]
    assert no_envelope.value == b"no envelope at all"
    assert "missing CloudEvents headers" in header(no_envelope, "dlq_error")
    assert header(no_envelope, "dlq_consumer") == "reporting.territory"

    metrics = httpx.get(f"{stack.url('reporting')}/metrics").text
    dead = [line for line in metrics.splitlines() if line.startswith("quartier_events_dead_lettered_total{")]
    assert sum(float(line.rsplit(" ", 1)[1]) for line in dead) >= 3
