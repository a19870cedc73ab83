"""Client of the operations page: each service's /health and /ready, and Prometheus (setting
``prometheus_url``): instant queries for now, range queries over the last hour for the charts."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import defaultdict
from typing import Any

import httpx

from quartier_gateway.clients.base import tls_context
from quartier_gateway.ops.rules import (
    HOUR,
    Q_BACKLOG,
    Q_BACKLOG_AGE,
    Q_DEAD_HOUR,
    Q_GROUP_LAG,
    Q_UP,
    R_BACKLOG,
    R_DEAD,
    R_GROUP_LAG,
    SERVICE_TITLES,
    STEP_SECONDS,
    Alert,
    Overview,
    ServiceRow,
    add_series,
    chart,
    service_of_group,
)
from quartier_gateway.settings import GatewaySettings

log = logging.getLogger(__name__)


class OpsClient:
    """Reads the services' /health and /ready and queries Prometheus."""

    def __init__(self, settings: GatewaySettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.http = httpx.AsyncClient(
            timeout=min(settings.upstream_timeout_seconds, 3.0), transport=transport, verify=tls_context()
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    def service_urls(self) -> dict[str, str]:
        s = self.settings
        return {
            "registry": s.registry_url,
            "planning": s.planning_url,
            "invitations": s.invitations_url,
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
