"""Prometheus metrics every service exposes on /metrics.

Names follow Prometheus conventions (prefix ``quartier_``, the unit as suffix: ``_seconds``, ``_messages``,
``_events``, ``_connections``; ``_total`` for counters). One process-wide registry so that faststream's
middleware, the HTTP middleware, the backbone and the service's business figures all report in one place.

What operators watch (alert rules in ``infra/prometheus/rules/``, dashboards in ``infra/grafana/``):

- HTTP: ``quartier_http_requests_total{method,route,status}`` (route is the template, ``/plans/{plan_id}``,
  never the concrete URL) and ``quartier_http_request_duration_seconds``;
- consumers: received, processed, duplicate, failed and dead-lettered events per consumer, and the lag of
  every consumer group, seen by the consumer (``quartier_consumer_lag_messages``) and, surviving the
  consumer's death, by the service that owns the topic (``quartier_consumer_group_lag_messages``);
- the outbox: backlog, age of the oldest unpublished event, events published;
- the database pool; and each service's business figures (``quartier_<service>_…``), refreshed from the
  service's own tables by ``periodic``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

HTTP_REQUESTS = Counter(
    "quartier_http_requests_total",
    "HTTP requests by route and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "quartier_http_request_duration_seconds",
    "HTTP request latency by route.",
    ["method", "route"],
    registry=REGISTRY,
)
OUTBOX_BACKLOG = Gauge("quartier_outbox_backlog_events", "Events written but not yet published.", registry=REGISTRY)
OUTBOX_OLDEST_AGE = Gauge(
    "quartier_outbox_oldest_unpublished_age_seconds", "Age of the oldest unpublished event.", registry=REGISTRY
)
OUTBOX_PUBLISHED = Counter(
    "quartier_outbox_published_events_total", "Events published by the relay.", registry=REGISTRY
)
OUTBOX_RELAY_ACTIVE = Gauge(
    "quartier_outbox_relay_active", "1 while this process is the active relay.", registry=REGISTRY
)
CONSUMER_LAG = Gauge(
    "quartier_consumer_lag_messages",
    "Records behind the end of the partition (committed offset).",
    ["group", "topic", "partition"],
    registry=REGISTRY,
)
CONSUMER_GROUP_LAG = Gauge(
    "quartier_consumer_group_lag_messages",
    "Records a consumer group has not yet committed on a topic this service publishes (broker's group offsets).",
    ["group", "topic", "partition"],
    registry=REGISTRY,
)
EVENTS_RECEIVED = Counter(
    "quartier_events_received_total",
    "Records a consumer received from its topic (before decoding; other consumers' events included).",
    ["consumer", "topic"],
    registry=REGISTRY,
)
EVENTS_FAILED = Counter(
    "quartier_events_failed_total",
    "Handler attempts that failed with an error of the event (retried, then dead-lettered).",
    ["consumer"],
    registry=REGISTRY,
)
EVENTS_PROCESSED = Counter(
    "quartier_events_processed_total",
    "Events applied by a consumer (duplicates excluded).",
    ["consumer", "event_type"],
    registry=REGISTRY,
)
EVENTS_DUPLICATE = Counter(
    "quartier_events_duplicate_total",
    "Events skipped because the inbox had seen them.",
    ["consumer"],
    registry=REGISTRY,
)
EVENTS_DEAD_LETTERED = Counter(
    "quartier_events_dead_lettered_total",
    "Events sent to a dead-letter topic.",
    ["consumer", "topic", "reason"],
    registry=REGISTRY,
)
DB_POOL_SIZE = Gauge(
    "quartier_db_pool_connections",
    "Connections in the database pool (open, idle, in_use).",
    ["state"],
    registry=REGISTRY,
)
DB_POOL_MAX = Gauge(
    "quartier_db_pool_max_connections", "Largest number of connections the pool may open.", registry=REGISTRY
)


def route_template(request: Request) -> str:
    """The template of the route that handled the request (``/plans/{plan_id}``), so that label values stay
    bounded; ``unmatched`` for addresses no route knows. The router records the route in the scope it
    shares with the middleware (also for routes of included routers, whose matching FastAPI defers)."""
    route = request.scope.get("route")
    if route is not None:
        template = getattr(route, "path_format", None) or getattr(route, "path", None)
        if isinstance(template, str) and template:
            return template
    for candidate in request.app.router.routes:  # before the router ran (an error in an outer middleware)
        match, _ = candidate.matches(request.scope)
        if match == Match.FULL and isinstance(getattr(candidate, "path", None), str):
            return str(candidate.path)
    return "unmatched"


async def http_metrics_middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    start = time.perf_counter()
    status = 500
    try:
        response = await call_next(request)
        status = response.status_code
        return response
    finally:
        route = route_template(request)
        HTTP_LATENCY.labels(request.method, route).observe(time.perf_counter() - start)
        HTTP_REQUESTS.labels(request.method, route, str(status)).inc()


Ctx = TypeVar("Ctx")


def periodic(
    refresh: Callable[[Ctx], Awaitable[None]], interval_seconds: float = 15.0
) -> Callable[[Ctx], Coroutine[Any, Any, None]]:
    """A background task (``ServiceSpec.background``) that calls ``refresh`` every ``interval_seconds``.

    Business figures are computed from the service's own tables this way rather than on each scrape: a slow
    query never delays /metrics, and a failed round keeps the last values and is logged.
    """

    async def refresh_periodically(ctx: Ctx) -> None:
        while True:
            try:
                await refresh(ctx)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("metrics refresh failed", exc_info=True)
            await asyncio.sleep(interval_seconds)

    refresh_periodically.__name__ = f"metrics:{getattr(refresh, '__name__', 'refresh')}"
    return refresh_periodically
