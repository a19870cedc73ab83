"""Operations: every service logs JSON lines with its name and the level, and the correlation id of a
user's request follows it into the events it causes and the logs of the services that apply them."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from quartier_shared.events.topics import REGISTRY_TERRITORY
from tests.support.helpers import eventually
from tests.support.kafka import header, read_topic
from tests.support.stack import Stack


def log_lines(stack: Stack, service: str) -> list[str]:
    return stack.services[service].log_path.read_text(errors="replace").splitlines()


def entries(stack: Stack, service: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log_lines(stack, service) if line.startswith("{")]


async def test_a_requests_correlation_id_reaches_the_logs_of_every_service_that_applies_its_event(
    stack: Stack,
) -> None:
    correlation_id = f"betrieb-{uuid.uuid4().hex}"
    response = httpx.put(
        f"{stack.url('registry')}/api/v1/social-areas/westen/community-centre",
        json={"name": f"Stadtteilzentrum an der Wilhelmstraße ({uuid.uuid4().hex[:4]})"},
        headers={"X-Correlation-ID": correlation_id, "X-Quartier-Actor": "test"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["X-Correlation-ID"] == correlation_id

    async def announced() -> list:
        records = await read_topic(stack.env["QUARTIER_KAFKA_BOOTSTRAP"], stack.topic_prefix + REGISTRY_TERRITORY.name)
        return [r for r in records if header(r, "ce_correlationid") == correlation_id]

    (record,) = await eventually(announced)
    event_id = header(record, "ce_id")

    for service, consumer in (("reporting", "reporting.territory"), ("planning", "planning.territory")):

        async def applied(service: str = service) -> list[dict[str, Any]]:
            return [
                e
                for e in entries(stack, service)
                if e.get("correlation_id") == correlation_id and e["message"] == "event applied"
            ]

        (entry,) = await eventually(applied)
        assert entry["service"] == service
        assert entry["level"] == "info"
        assert entry["event_id"] == event_id
        assert entry["consumer"] == consumer
        assert entry["event_type"] == "quartier.registry.CommunityCentreRenamed.v1"


def test_every_line_of_every_service_log_is_json_with_service_and_level(stack: Stack) -> None:
    for service in stack.services:
        lines = [line for line in log_lines(stack, service) if line.strip()]
        assert lines, service
        for line in lines:
            entry = json.loads(line)  # fails on a plain-text line
            assert entry["service"] == service, line
            assert entry["level"] in ("debug", "info", "warning", "error", "critical"), line
