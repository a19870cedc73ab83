"""Operations: every service's /metrics passes `promtool check metrics`, the consumer lag rises while a
consumer is stopped and falls after its restart, and a poison event counts as a dead letter whose alert
fires in `promtool test rules`."""

from __future__ import annotations

import subprocess
import tempfile
import uuid
from pathlib import Path

import httpx
import yaml

from quartier_shared.events.topics import REGISTRY_TERRITORY
from tests.support.helpers import eventually
from tests.support.kafka import produce
from tests.support.prometheus import JOBS, PROMTOOL, RULES, require
from tests.support.stack import Stack

# What operators rely on, per service (besides the backbone every service has).
BACKBONE = (
    "quartier_http_requests_total",
    "quartier_http_request_duration_seconds_bucket",
    "quartier_outbox_backlog_events",
    "quartier_outbox_oldest_unpublished_age_seconds",
    "quartier_outbox_relay_active",
    "quartier_db_pool_connections",
    "quartier_db_pool_max_connections",
    "process_resident_memory_bytes",
)
CONSUMING = (
    "quartier_events_received_total",
    "quartier_events_processed_total",
    "quartier_events_failed_total",
    "quartier_events_dead_lettered_total",
    "quartier_consumer_lag_messages",
    "faststream_received_messages_total",
)
BUSINESS = {
    "registry": ("quartier_registry_offers", "quartier_registry_duplicate_pairs", "quartier_registry_bodies"),
    "planning": ("quartier_planning_plans", "quartier_planning_needs", "quartier_planning_overdue_steps"),
    "reporting": ("quartier_reporting_territory_entries", "quartier_reporting_territory_changes"),
}


def samples(text: str, name: str, **labels: str) -> list[float]:
    """The values of the samples of ``name`` whose labels include ``labels``."""
    found = []
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        head, value = line.rsplit(" ", 1)
        if all(f'{k}="{v}"' in head for k, v in labels.items()):
            found.append(float(value))
    return found


def metrics(stack: Stack, service: str) -> str:
    return httpx.get(f"{stack.url(service)}/metrics", timeout=10).text


async def test_every_service_exposes_metrics_that_pass_promtool(stack: Stack) -> None:
    promtool = require(PROMTOOL, "prometheus")
    for service in JOBS:
        stack.start(service)
    async with httpx.AsyncClient() as client:  # an event for the consumers to receive
        await _rename(stack, client, "pelkum")

    async def received() -> bool:
        return all(
            sum(samples(metrics(stack, s), "faststream_received_messages_total")) > 0 for s in ("planning", "reporting")
        )

    await eventually(received, timeout=30)
    for service in JOBS:
        text = metrics(stack, service)
        check = subprocess.run([promtool, "check", "metrics"], input=text.encode(), capture_output=True, timeout=30)
        report = (check.stdout + check.stderr).decode()
        assert check.returncode == 0 and report.strip() == "", f"{service}: {report}"
        names = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if not line.startswith("#")}
        expected = BACKBONE + (CONSUMING if service in ("planning", "reporting") else ()) + BUSINESS.get(service, ())
        assert set(expected) <= names, f"{service} lacks {sorted(set(expected) - names)}"
    # the route is the template, never the concrete address (bounded label values)
    httpx.get(f"{stack.url('registry')}/api/v1/social-areas/westen")
    registry = metrics(stack, "registry")
    assert samples(registry, "quartier_http_requests_total", route="/api/v1/social-areas/{key}", status="200")
    assert not samples(registry, "quartier_http_requests_total", route="/api/v1/social-areas/westen")
    # business figures are real: the territory of Hamm as reporting learned it
    reporting = metrics(stack, "reporting")
    assert samples(reporting, "quartier_reporting_territory_entries", kind="social_areas") == [9.0]


async def _rename(stack: Stack, client: httpx.AsyncClient, area: str) -> None:
    response = await client.put(
        f"{stack.url('registry')}/api/v1/social-areas/{area}/community-centre",
        json={"name": f"Stadtteilzentrum {area} ({uuid.uuid4().hex[:6]})"},
        headers={"X-Quartier-Actor": "test"},
    )
    assert response.status_code == 200, response.text


async def test_lag_rises_while_a_consumer_is_stopped_and_falls_after_its_restart(stack: Stack) -> None:
    group = stack.topic_prefix + "reporting.territory"
    topic = stack.topic_prefix + REGISTRY_TERRITORY.name

    def lag() -> float | None:
        """reporting's lag as the registry (the topic's owner) sees it from the broker's group offsets."""
        values = samples(metrics(stack, "registry"), "quartier_consumer_group_lag_messages", group=group, topic=topic)
        return sum(values) if values else None

    async def caught_up() -> bool:
        return lag() == 0

    async with httpx.AsyncClient() as client:  # reporting has committed on the topic
        await _rename(stack, client, "norden")
    await eventually(caught_up, timeout=30)
    stack.stop("reporting")
    try:
        async with httpx.AsyncClient() as client:
            for area in ("mitte", "rhynern", "heessen", "uentrop"):
                await _rename(stack, client, area)

        async def behind() -> float | None:
            value = lag()
            return value if value is not None and value >= 4 else None

        assert await eventually(behind, timeout=30) >= 4
    finally:
        stack.start("reporting")
    await eventually(caught_up, timeout=60)

    async def consumer_view_caught_up() -> bool:  # reporting's own view (refreshed every 5 s) agrees
        values = samples(metrics(stack, "reporting"), "quartier_consumer_lag_messages", group=group)
        return bool(values) and sum(values) == 0

    await eventually(consumer_view_caught_up, timeout=30)


async def test_a_poison_event_counts_as_dead_letter_and_fires_the_alert(stack: Stack) -> None:
    promtool = require(PROMTOOL, "prometheus")
    topic = stack.topic_prefix + REGISTRY_TERRITORY.name
    labels = {"consumer": "reporting.territory", "topic": topic, "reason": "poison"}
    stack.start("reporting")
    before = samples(metrics(stack, "reporting"), "quartier_events_dead_lettered_total", **labels)
    assert before, "the dead-letter series exists at zero before the first dead letter"
    await produce(
        stack.env["QUARTIER_KAFKA_BOOTSTRAP"],
        topic,
        b"{kein json",
        key=b"social-area/mitte",
        headers=[
            ("ce_id", str(uuid.uuid4()).encode()),
            ("ce_source", b"/test"),
            ("ce_type", b"quartier.registry.CommunityCentreRenamed.v1"),
            ("ce_specversion", b"1.0"),
        ],
    )

    async def counted() -> float | None:
        (value,) = samples(metrics(stack, "reporting"), "quartier_events_dead_lettered_total", **labels)
        return value if value > before[0] else None

    after = await eventually(counted, timeout=30)
    assert after == before[0] + 1

    # The alert rule, fed with the two values just scraped from reporting (before and after the poison).
    series = "quartier_events_dead_lettered_total{" + ", ".join(
        f'{k}="{v}"' for k, v in {"job": "reporting", **labels}.items()
    )
    unit_test = {
        "rule_files": [str(RULES / "quartier.yml")],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": series + "}", "values": f"{before[0]:g} {before[0]:g} {after:g} {after:g}"}
                ],
                "alert_rule_test": [
                    {"eval_time": "1m", "alertname": "DeadLetters", "exp_alerts": []},
                    {
                        "eval_time": "3m",
                        "alertname": "DeadLetters",
                        "exp_alerts": [
                            {
                                "exp_labels": {"severity": "warning", "job": "reporting", **labels},
                                "exp_annotations": {
                                    "summary": f"reporting.territory hat Ereignisse aus {topic} aussortiert (poison)",
                                    "description": f"Nicht verarbeitbare Ereignisse liegen in {topic}.dlq "
                                    "(Header dlq_error).",
                                },
                            }
                        ],
                    },
                ],
            }
        ],
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dead_letter_test.yml"
        path.write_text(yaml.safe_dump(unit_test, allow_unicode=True))
        run = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, timeout=60)
    assert run.returncode == 0, (run.stdout + run.stderr).decode()
