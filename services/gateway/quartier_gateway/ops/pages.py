"""The operations page (/betrieb, administrators only): is every service up and ready, do events flow,
where do they pile up, what was dead-lettered; with small charts of the last hour.

Health and readiness come from each service's own /health and /ready; the figures and charts come from
Prometheus (setting ``prometheus_url``): instant queries for now, range queries over the last hour for the
charts, drawn as inline SVG (no script, CSP-clean). Without Prometheus the page still shows health and
readiness and says why the figures are missing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from quartier_gateway.settings import GatewaySettings
from quartier_gateway.web.middleware import gateway_of, render, require_admin

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

SERVICE_TITLES = {
    "registry": "Register",
    "planning": "Jahresplanung",
    "invitations": "Einladungen",
    "reporting": "Berichte",
    "gateway": "Gateway (diese Oberfläche)",
}
HOUR = dt.timedelta(hours=1)
STEP_SECONDS = 30
CHART_WIDTH, CHART_HEIGHT = 120, 32

# Now: one value per service (job) or consumer group.
Q_UP = "up"
Q_BACKLOG = "max by (job) (quartier_outbox_backlog_events)"
Q_BACKLOG_AGE = "max by (job) (quartier_outbox_oldest_unpublished_age_seconds)"
Q_DEAD_HOUR = "sum by (job) (increase(quartier_events_dead_lettered_total[1h]))"
# The lag of each consumer group on each topic, from the broker's group offsets as the topic's owner
# reports them (it keeps counting while the consumer is down); summed over partitions.
Q_GROUP_LAG = "max by (group, topic) (sum without (partition) (quartier_consumer_group_lag_messages))"
# The last hour, one point every 30 s.
R_BACKLOG = Q_BACKLOG
R_DEAD = "sum by (job) (increase(quartier_events_dead_lettered_total[5m]))"
R_GROUP_LAG = "sum by (group) (max by (group, topic) (sum without (partition) (quartier_consumer_group_lag_messages)))"


@dataclass(frozen=True)
class Chart:
    """A small line chart of one series: SVG polyline points in a 120×32 box and its text equivalent."""

    points: str
    low: float
    high: float
    last: float
    label: str


@dataclass
class ServiceRow:
    name: str
    title: str
    healthy: bool
    ready: bool
    checks: dict[str, bool]
    scraped: bool | None = None
    backlog: float | None = None
    backlog_age: float | None = None
    backlog_chart: Chart | None = None
    lag: float | None = None
    lag_chart: Chart | None = None
    dead_letters: float | None = None
    dead_chart: Chart | None = None


@dataclass
class Alert:
    name: str
    severity: str
    summary: str
    since: dt.datetime | None


@dataclass
class Overview:
    services: list[ServiceRow]
    groups: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    prometheus_error: str | None = None


# --- pure helpers ----------------------------------------------------------------------------------------


def chart(points: list[tuple[float, float]], label: str) -> Chart | None:
    """The series (time, value) as polyline points: time left to right over its span, values bottom to
    top between 0 (or the lowest value, if negative) and the highest; ``None`` without points."""
    finite = [(t, v) for t, v in points if math.isfinite(v)]
    if not finite:
        return None
    finite.sort()
    values = [v for _, v in finite]
    low, high = min(min(values), 0.0), max(values)
    t0, t1 = finite[0][0], finite[-1][0]
    span_t = (t1 - t0) or 1.0
    span_v = (high - low) or 1.0
    pad = 2.0
    coords = []
    for t, v in finite:
        x = CHART_WIDTH * (t - t0) / span_t if len(finite) > 1 else 0.0
        y = CHART_HEIGHT - pad - (CHART_HEIGHT - 2 * pad) * (v - low) / span_v
        coords.append(f"{x:.1f},{y:.1f}")
    if len(finite) == 1:
        coords.append(f"{CHART_WIDTH:.1f},{coords[0].split(',')[1]}")
    return Chart(" ".join(coords), min(values), high, values[-1], label)


def number(value: float | None) -> str:
    """A count for the page: German digit grouping, no decimals; a dash without a value."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{round(value):,}".replace(",", ".")


def duration(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds) or seconds < 1:
        return ""
    if seconds < 120:
        return f"{round(seconds)} Sekunden"
    if seconds < 7200:
        return f"{round(seconds / 60)} Minuten"
    return f"{round(seconds / 3600)} Stunden"


def service_of_group(group: str, topic_prefix: str = "") -> str:
    """The service a consumer group belongs to: groups are named ``<service>.<what it reads>``."""
    return group.removeprefix(topic_prefix).split(".", 1)[0]


def add_series(series: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """Point-wise sum of series sampled at the same steps (a missing point counts as 0)."""
    total: dict[float, float] = defaultdict(float)
    for points in series:
        for t, v in points:
            total[t] += v
    return sorted(total.items())


# --- data ------------------------------------------------------------------------------------------------


class OpsClient:
    """Reads the services' /health and /ready and queries Prometheus."""

    def __init__(self, settings: GatewaySettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.http = httpx.AsyncClient(timeout=min(settings.upstream_timeout_seconds, 3.0), transport=transport)

    async def aclose(self) -> None:
        await self.http.aclose()

    def service_urls(self) -> dict[str, str]:
        s = self.settings
        return {
            "registry": s.registry_url,
            "planning": s.planning_url,
            "invitations": getattr(s, "invitations_url", "http://127.0.0.1:8103"),
            "reporting": s.reporting_url,
            "gateway": f"http://127.0.0.1:{s.http_port}",
        }

    async def status(self, name: str, url: str) -> ServiceRow:
        healthy, ready, checks = False, False, {}
        try:
            healthy = (await self.http.get(f"{url}/health")).status_code == 200
            answer = await self.http.get(f"{url}/ready")
            ready = answer.status_code == 200
            body = answer.json()
            checks = {k: bool(v) for k, v in body.get("checks", {}).items()} if isinstance(body, dict) else {}
        except (httpx.HTTPError, ValueError):
            pass
        return ServiceRow(name, SERVICE_TITLES.get(name, name), healthy, ready, checks)

    async def _prometheus(self, path: str, params: dict[str, Any] | None = None) -> Any:
        response = await self.http.get(self.settings.prometheus_url.rstrip("/") + path, params=params)
        body = response.json()
        if response.status_code != 200 or body.get("status") != "success":
            raise RuntimeError(body.get("error") or f"HTTP {response.status_code}")
        return body["data"]

    async def query(self, expr: str) -> list[dict[str, Any]]:
        data = await self._prometheus("/api/v1/query", {"query": expr})
        result: list[dict[str, Any]] = data["result"]
        return result

    async def query_range(self, expr: str, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
        params = {"query": expr, "start": start.timestamp(), "end": end.timestamp(), "step": STEP_SECONDS}
        data = await self._prometheus("/api/v1/query_range", params)
        result: list[dict[str, Any]] = data["result"]
        return result

    async def alerts(self) -> list[Alert]:
        data = await self._prometheus("/api/v1/alerts")
        out = []
        for a in data.get("alerts", []):
            if a.get("state") != "firing":
                continue
            since = None
            if a.get("activeAt"):
                since = dt.datetime.fromisoformat(a["activeAt"].replace("Z", "+00:00"))
            out.append(
                Alert(
                    a["labels"].get("alertname", ""),
                    a["labels"].get("severity", ""),
                    a.get("annotations", {}).get("summary", ""),
                    since,
                )
            )
        return sorted(out, key=lambda a: (a.severity != "critical", a.name, a.summary))

    async def overview(self, now: dt.datetime) -> Overview:
        urls = self.service_urls()
        rows = list(await asyncio.gather(*(self.status(name, url) for name, url in urls.items())))
        result = Overview(rows)
        if not self.settings.prometheus_url:
            result.prometheus_error = "Prometheus ist nicht eingerichtet (Einstellung QUARTIER_PROMETHEUS_URL)."
            return result
        try:
            up, backlog, age, dead, group_lag, r_backlog, r_dead, r_lag = await asyncio.gather(
                *(self.query(q) for q in (Q_UP, Q_BACKLOG, Q_BACKLOG_AGE, Q_DEAD_HOUR, Q_GROUP_LAG)),
                *(self.query_range(q, now - HOUR, now) for q in (R_BACKLOG, R_DEAD, R_GROUP_LAG)),
            )
            alerts = await self.alerts()
        except (httpx.HTTPError, ValueError, RuntimeError, KeyError) as exc:
            log.warning("prometheus query failed", extra={"error": repr(exc)})
            result.prometheus_error = "Prometheus ist nicht erreichbar; Zahlen und Verläufe fehlen deshalb."
            return result
        prefix = self.settings.topic_prefix

        def by_job(samples: list[dict[str, Any]]) -> dict[str, float]:
            return {s["metric"].get("job", ""): float(s["value"][1]) for s in samples}

        def ranges_by(samples: list[dict[str, Any]], key: str) -> dict[str, list[tuple[float, float]]]:
            return {s["metric"].get(key, ""): [(float(t), float(v)) for t, v in s["values"]] for s in samples}

        up_now, backlog_now, age_now, dead_now = by_job(up), by_job(backlog), by_job(age), by_job(dead)
        backlog_hour, dead_hour = ranges_by(r_backlog, "job"), ranges_by(r_dead, "job")
        lag_now: dict[str, float] = defaultdict(float)
        for s in group_lag:
            lag_now[service_of_group(s["metric"].get("group", ""), prefix)] += float(s["value"][1])
        lag_hour: dict[str, list[list[tuple[float, float]]]] = defaultdict(list)
        for group, points in ranges_by(r_lag, "group").items():
            lag_hour[service_of_group(group, prefix)].append(points)
        for row in rows:
            n = row.name
            row.scraped = up_now.get(n) == 1.0 if n in up_now else None
            row.backlog, row.backlog_age, row.dead_letters = backlog_now.get(n), age_now.get(n), dead_now.get(n)
            row.backlog_chart = chart(backlog_hour.get(n, []), f"Outbox von {row.title} in der letzten Stunde")
            row.dead_chart = chart(dead_hour.get(n, []), f"Aussortierte Ereignisse von {row.title} (je 5 Minuten)")
            if n in lag_now or n in lag_hour:
                row.lag = lag_now.get(n, 0.0)
                row.lag_chart = chart(add_series(lag_hour.get(n, [])), f"Rückstand von {row.title}")
        result.groups = sorted(
            (
                {
                    "group": s["metric"].get("group", "").removeprefix(prefix),
                    "topic": s["metric"].get("topic", "").removeprefix(prefix),
                    "lag": float(s["value"][1]),
                }
                for s in group_lag
            ),
            key=lambda g: (-g["lag"], g["group"], g["topic"]),
        )
        result.alerts = alerts
        return result


def ops_client_of(request: Request) -> OpsClient:
    client: OpsClient | None = getattr(request.app.state, "ops_client", None)
    if client is None:
        client = OpsClient(gateway_of(request).settings)
        request.app.state.ops_client = client
    return client


@router.get("/betrieb", response_class=HTMLResponse)
async def operations(request: Request) -> Response:
    require_admin(request)
    now = dt.datetime.now(dt.UTC)
    overview = await ops_client_of(request).overview(now)
    return render(
        request,
        "ops/index.html",
        {
            "title": "Betrieb",
            "now": now,
            "overview": overview,
            "number": number,
            "duration": duration,
            "chart_width": CHART_WIDTH,
            "chart_height": CHART_HEIGHT,
        },
    )
