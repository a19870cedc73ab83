"""Prometheus metrics every service exposes on /metrics.

Names follow Prometheus conventions (unit suffixes, ``_total`` for counters). One process-wide registry
so that faststream's middleware, the HTTP middleware and the backbone all report in one place.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match

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
DB_POOL_SIZE = Gauge("quartier_db_pool_connections", "Connections in the database pool.", ["state"], registry=REGISTRY)


def route_template(request: Request) -> str:
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match == Match.FULL:
            return str(getattr(route, "path", request.url.path))
    return "unmatched"


async def http_metrics_middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    route = route_template(request)
    start = time.perf_counter()
    status = 500
    try:
        response = await call_next(request)
        status = response.status_code
        return response
    finally:
        HTTP_LATENCY.labels(request.method, route).observe(time.perf_counter() - start)
        HTTP_REQUESTS.labels(request.method, route, str(status)).inc()
