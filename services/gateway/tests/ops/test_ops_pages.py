"""The operations page (/betrieb) through the whole ASGI stack, with fake services (/health, /ready) and a
fake Prometheus (its HTTP API's JSON), and the chart and number helpers on their own."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from quartier_gateway.app import Transports, build_app
from quartier_gateway.ops.rules import (
    add_series,
    chart,
    duration,
    number,
    service_of_group,
)
from quartier_gateway.settings import GatewaySettings

from ..conftest import login_as
from ..test_pages import assert_accessible_page

NOW = 1_790_000_000.0


def vector(**by_labels: float) -> list[dict[str, Any]]:
    return [{"metric": json.loads(k), "value": [NOW, str(v)]} for k, v in by_labels.items()]


def job(name: str) -> str:
    return json.dumps({"job": name})


class FakeBackends:
    """The services' /health and /ready, and Prometheus' /api/v1/{query,query_range,alerts}."""

    def __init__(self) -> None:
        self.down: set[str] = {"invitations.test"}
        self.not_ready: set[str] = {"planning.test"}
        self.prometheus_up = True
        self.queries: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        host, path = request.url.host, request.url.path
        if host == "prometheus.test":
            return self.prometheus(request)
        if host in self.down:
            raise httpx.ConnectError("refused", request=request)
        if path == "/health":
            return httpx.Response(200, json={"status": "ok"})
        if path == "/ready":
            ok = host not in self.not_ready
            checks = {"database": True, "broker": ok}
            return httpx.Response(200 if ok else 503, json={"status": "ready" if ok else "not ready", "checks": checks})
        return httpx.Response(404)

    def prometheus(self, request: httpx.Request) -> httpx.Response:
        if not self.prometheus_up:
            raise httpx.ConnectError("refused", request=request)
        path = request.url.path
        if path == "/api/v1/alerts":
            alerts = [
                {
                    "labels": {"alertname": "DeadLetters", "severity": "warning", "job": "reporting"},
                    "annotations": {"summary": "reporting.territory hat Ereignisse aussortiert (poison)"},
                    "state": "firing",
                    "activeAt": "2026-11-25T10:00:00.123Z",
                },
                {"labels": {"alertname": "Pending"}, "annotations": {}, "state": "pending"},
            ]
            return httpx.Response(200, json={"status": "success", "data": {"alerts": alerts}})
        query = request.url.params["query"]
        self.queries.append(query)
        if path == "/api/v1/query":
            result: list[dict[str, Any]] = []
            if query == "up":
                result = vector(**{job("registry"): 1, job("planning"): 1, job("invitations"): 0, job("reporting"): 1})
            elif "quartier_outbox_backlog_events" in query:
                result = vector(**{job("registry"): 3, job("planning"): 0})
            elif "oldest_unpublished" in query:
                result = vector(**{job("registry"): 420})
            elif "dead_lettered" in query:
                result = vector(**{job("reporting"): 2, job("planning"): 0})
            elif "consumer_group_lag" in query:
                result = vector(
                    **{
                        json.dumps({"group": "p-reporting.territory", "topic": "p-quartier.registry.territory"}): 7,
                        json.dumps({"group": "p-planning.territory", "topic": "p-quartier.registry.territory"}): 0,
                    }
                )
            return httpx.Response(200, json={"status": "success", "data": {"resultType": "vector", "result": result}})
        series: list[dict[str, Any]] = []
        points = [[NOW - 90, "0"], [NOW - 60, "2"], [NOW - 30, "5"], [NOW, "7"]]
        if "consumer_group_lag" in query:
            series = [{"metric": {"group": "p-reporting.territory"}, "values": points}]
        elif "quartier_outbox_backlog_events" in query:
            series = [{"metric": {"job": "registry"}, "values": points}]
        return httpx.Response(200, json={"status": "success", "data": {"resultType": "matrix", "result": series}})


@pytest.fixture
def backends() -> FakeBackends:
    return FakeBackends()


def ops_settings(prometheus_url: str = "http://prometheus.test") -> GatewaySettings:
    return GatewaySettings(
        registry_url="http://registry.test",
        planning_url="http://planning.test",
        invitations_url="http://invitations.test",
        reporting_url="http://reporting.test",
        prometheus_url=prometheus_url,
        topic_prefix="p-",
        http_port=8080,
    )


async def ops_client(registry: Any, store: Any, backends: FakeBackends, settings: GatewaySettings) -> httpx.AsyncClient:
    app = build_app(
        settings,
        transports=Transports(
            registry=httpx.MockTransport(registry.handler), ops=httpx.MockTransport(backends.handler)
        ),
        auth_store=store,
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test")


@pytest.fixture
async def client(registry: Any, store: Any, backends: FakeBackends) -> AsyncIterator[httpx.AsyncClient]:
    async with await ops_client(registry, store, backends, ops_settings()) as c:
        yield c


async def test_only_administrators_see_the_operations_page(client: httpx.AsyncClient) -> None:
    anonymous = await client.get("/betrieb")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/anmelden?weiter=/betrieb"
    await login_as(client, "koordination.westen")
    assert (await client.get("/betrieb")).status_code == 403
    start = await client.get("/sozialraeume")
    assert 'href="/betrieb"' not in start.text


async def test_the_page_shows_health_readiness_lag_backlog_dead_letters_and_alerts(
    client: httpx.AsyncClient, backends: FakeBackends, structure: Any
) -> None:
    await login_as(client, "admin")
    page = await client.get("/betrieb")
    assert page.status_code == 200, page.text
    html = page.text
    assert_accessible_page(html, structure)
    assert 'href="/betrieb"' in html and 'aria-current="page"' in html
    rows = {
        name: html.split(f'id="dienst-{name}"', 1)[1].split("</tr>", 1)[0]
        for name in ("registry", "planning", "invitations", "reporting", "gateway")
    }
    # health and readiness from the services themselves
    assert "Datenbank ja, Kafka ja" in rows["registry"]
    assert "Datenbank ja, Kafka nein" in rows["planning"]
    assert rows["invitations"].count("nein") >= 2 and "Prometheus erreicht den Dienst nicht" in rows["invitations"]
    # figures from Prometheus: the registry's backlog (7 minutes old), reporting's lag and dead letters
    assert ">3" in rows["registry"].replace("\n", "").replace(" ", "") and "7 Minuten" in rows["registry"]
    assert "<polyline" in rows["registry"] and "Outbox von Register in der letzten Stunde" in rows["registry"]
    assert "Rückstand von Berichte: zwischen 0 und 7, zuletzt 7" in rows["reporting"]
    assert "liest keine Ereignisse" in rows["registry"]
    assert ">2" in rows["reporting"].replace("\n", "").replace(" ", "")
    # the consumer groups without the test prefix, the largest lag first
    groups = html.split('id="gruppen-tabelle"', 1)[1]
    assert groups.index("reporting.territory") < groups.index("planning.territory")
    assert "p-quartier" not in groups
    # the firing alert (not the pending one), with its time in Europe/Berlin
    assert "Aktive Alarme: 1" in html and "DeadLetters" in html and "Pending" not in html
    assert "25.11.2026, 11:00 Uhr" in html
    assert any("increase(quartier_events_dead_lettered_total[1h])" in q for q in backends.queries)


async def test_without_prometheus_the_page_says_so_and_still_shows_health(
    client: httpx.AsyncClient, backends: FakeBackends
) -> None:
    backends.prometheus_up = False
    await login_as(client, "admin")
    page = await client.get("/betrieb")
    assert page.status_code == 200
    assert "Prometheus ist nicht erreichbar" in page.text
    assert "Datenbank ja, Kafka nein" in page.text
    assert "<polyline" not in page.text


async def test_without_a_configured_prometheus_the_page_names_the_setting(
    registry: Any, store: Any, backends: FakeBackends
) -> None:
    async with await ops_client(registry, store, backends, ops_settings(prometheus_url="")) as c:
        await login_as(c, "admin")
        page = await c.get("/betrieb")
    assert "QUARTIER_PROMETHEUS_URL" in page.text
    assert backends.queries == []


def test_chart_scales_time_and_value_into_the_box() -> None:
    c = chart([(10.0, 0.0), (20.0, 4.0), (30.0, 2.0)], "Test")
    assert c is not None
    assert c.points == "0.0,30.0 60.0,2.0 120.0,16.0"
    assert (c.low, c.high, c.last) == (0.0, 4.0, 2.0)
    flat = chart([(10.0, 5.0)], "Ein Punkt")
    assert flat is not None and flat.points == "0.0,2.0 120.0,2.0"
    assert chart([], "leer") is None
    assert chart([(1.0, float("nan"))], "NaN") is None


def test_numbers_durations_groups_and_sums() -> None:
    assert number(1234.4) == "1.234"
    assert number(None) == "–"
    assert duration(420) == "7 Minuten" and duration(30) == "30 Sekunden" and duration(0) == ""
    assert service_of_group("test1-reporting.territory", "test1-") == "reporting"
    assert service_of_group("planning.directory") == "planning"
    assert add_series([[(1.0, 2.0), (2.0, 3.0)], [(2.0, 1.0)]]) == [(1.0, 2.0), (2.0, 4.0)]
