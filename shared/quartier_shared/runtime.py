"""The common anatomy of a service process: wiring, lifespan, health, readiness and metrics.

Every service builds a ``ServiceSpec`` (its migrations, routes, consumers and start-up work) and hands
it to ``create_app``; ``run`` serves it with uvicorn on the configured loopback port.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import uvicorn
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from quartier_shared.asyncapi import asyncapi_document
from quartier_shared.consumer import EventConsumer, GroupLagMonitor
from quartier_shared.context import ServiceContext
from quartier_shared.db import create_pool, migrate
from quartier_shared.events.topics import TOPICS, TopicSpec
from quartier_shared.http import install_problem_handlers
from quartier_shared.kafka_admin import ensure_topics
from quartier_shared.logging import configure_logging, correlation_id_var
from quartier_shared.metrics import DB_POOL_MAX, DB_POOL_SIZE, REGISTRY, http_metrics_middleware
from quartier_shared.outbox import OutboxRelay, update_backlog_metrics
from quartier_shared.settings import ServiceSettings

__all__ = ["ServiceContext", "ServiceSpec", "StartupRefused", "create_app", "run", "serve"]

log = logging.getLogger(__name__)


class StartupRefused(Exception):
    """Raised by a start-up hook when the service must not start (e.g. a broken data file)."""


@dataclass
class ServiceSpec:
    name: str
    title: str
    migrations: Path
    routers: Sequence[APIRouter] = ()
    consumers: Callable[[], list[EventConsumer]] = list
    on_startup: Callable[[ServiceContext], Awaitable[None]] | None = None
    topics: Sequence[TopicSpec] = TOPICS
    configure_app: Callable[[FastAPI], None] | None = None
    # The topics this service announces events on (its outbox); documented in /asyncapi.json.
    publishes: Sequence[TopicSpec] = ()
    # Long-running work of the service (e.g. periodic checks): started after start-up, cancelled before
    # the pool closes.
    background: Sequence[Callable[[ServiceContext], Coroutine[Any, Any, None]]] = ()
    # Migrations of workspace libraries the service uses (source name, folder), applied before its own.
    library_migrations: Sequence[tuple[str, Path]] = ()


METRICS_INTERVAL_SECONDS = 5.0


async def _periodic_metrics(ctx: ServiceContext, publishes: Sequence[TopicSpec] = ()) -> None:
    """Pool, outbox backlog and consumer lag, every few seconds; each part on its own, so that a broker
    outage does not freeze the outbox figures (which are then the ones that matter)."""
    settings = ctx.settings
    monitor = GroupLagMonitor(
        settings.kafka_bootstrap, [settings.topic_prefix + t.name for t in publishes], settings.topic_prefix
    )
    try:
        while True:
            size, idle = ctx.pool.get_size(), ctx.pool.get_idle_size()
            DB_POOL_SIZE.labels("open").set(size)
            DB_POOL_SIZE.labels("idle").set(idle)
            DB_POOL_SIZE.labels("in_use").set(size - idle)
            DB_POOL_MAX.set(ctx.pool.get_max_size())
            steps: list[tuple[str, Callable[[], Awaitable[None]]]] = [
                ("outbox", lambda: update_backlog_metrics(ctx.pool)),
                ("group lag", monitor.update),
                *((f"lag of {c.name}", c.update_lag) for c in ctx.consumers),
            ]
            for what, step in steps:
                try:
                    await asyncio.wait_for(step(), METRICS_INTERVAL_SECONDS * 2)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.debug("metrics refresh failed: %s", what, exc_info=True)
            await asyncio.sleep(METRICS_INTERVAL_SECONDS)
    finally:
        with contextlib.suppress(Exception):
            await monitor.close()


CORRELATION_HEADER = "X-Correlation-ID"


async def correlation_middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Carries the caller's correlation id (or a new one) into logs and the events this request causes."""
    correlation_id = request.headers.get(CORRELATION_HEADER) or uuid.uuid4().hex
    token = correlation_id_var.set(correlation_id[:128])
    try:
        response = await call_next(request)
    finally:
        correlation_id_var.reset(token)
    response.headers[CORRELATION_HEADER] = correlation_id[:128]
    return response


@dataclass
class _Running:
    """What the lifespan started, so that ``_shutdown`` stops exactly that (also after a failed start)."""

    pool: asyncpg.Pool
    broker: KafkaBroker | None = None
    dlq_producer: AIOKafkaProducer | None = None
    relay: OutboxRelay | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


async def _prepare_storage(spec: ServiceSpec, settings: ServiceSettings, pool: asyncpg.Pool) -> None:
    """The service's tables (its libraries' first) and the topics it reads and writes."""
    await migrate(pool, settings.db_schema, spec.migrations, spec.library_migrations)
    await ensure_topics(
        settings.kafka_bootstrap,
        spec.topics,
        prefix=settings.topic_prefix,
        replication_factor=settings.topic_replication_factor,
    )


def _build_broker(settings: ServiceSettings) -> KafkaBroker:
    return KafkaBroker(
        settings.kafka_bootstrap,
        enable_idempotence=True,
        client_id=f"quartier-{settings.service_name}",
        # faststream logs through our JSON handlers; per-message lines only at DEBUG.
        logger=logging.getLogger("faststream"),
        log_level=logging.DEBUG,
        middlewares=[KafkaPrometheusMiddleware(registry=REGISTRY, app_name=settings.service_name)],
    )


def _build_dlq_producer(settings: ServiceSettings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        enable_idempotence=True,
        acks="all",
        client_id=f"quartier-{settings.service_name}-dlq",
    )


def _wire_consumers(spec: ServiceSpec, settings: ServiceSettings, running: _Running) -> list[EventConsumer]:
    assert running.broker is not None
    consumers = spec.consumers()
    for consumer in consumers:
        consumer.pool = running.pool
        consumer.dlq_producer = running.dlq_producer
        consumer.topic_prefix = settings.topic_prefix
        consumer.max_attempts = settings.consumer_max_attempts
        consumer.subscribe(running.broker)
    return consumers


def _build_relay(settings: ServiceSettings, pool: asyncpg.Pool) -> OutboxRelay | None:
    if not settings.relay_enabled:
        return None
    return OutboxRelay(
        pool,
        schema=settings.db_schema,
        bootstrap_servers=settings.kafka_bootstrap,
        topic_prefix=settings.topic_prefix,
        batch_size=settings.relay_batch_size,
    )


async def _connect(spec: ServiceSpec, settings: ServiceSettings, running: _Running) -> ServiceContext:
    """Storage ready, broker and consumers wired, relay built: the service's context."""
    await _prepare_storage(spec, settings, running.pool)
    broker = running.broker = _build_broker(settings)
    dlq_producer = running.dlq_producer = _build_dlq_producer(settings)
    consumers = _wire_consumers(spec, settings, running)
    running.relay = _build_relay(settings, running.pool)
    return ServiceContext(settings, running.pool, broker, dlq_producer, consumers, running.relay)


async def _start_background(spec: ServiceSpec, ctx: ServiceContext, running: _Running) -> None:
    """Broker and dead-letter producer started, then relay, metrics and the service's own work."""
    assert running.dlq_producer is not None and running.broker is not None
    await running.dlq_producer.start()
    await running.broker.start()
    if running.relay is not None:
        running.tasks.append(asyncio.create_task(running.relay.run(), name="outbox-relay"))
    running.tasks.append(asyncio.create_task(_periodic_metrics(ctx, spec.publishes), name="metrics"))
    for work in spec.background:
        running.tasks.append(asyncio.create_task(work(ctx), name=getattr(work, "__name__", "background")))


async def _shutdown(running: _Running) -> None:
    """The relay finishes its batch (it is stopped, not cancelled), the rest is cancelled; then the pool closes."""
    if running.relay is not None:
        running.relay.stop()
    for task in running.tasks:
        if task.get_name() != "outbox-relay":
            task.cancel()
    for task in running.tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, 10)
    if running.broker is not None:
        await running.broker.stop()
    if running.dlq_producer is not None:
        with contextlib.suppress(Exception):
            await running.dlq_producer.stop()
    await running.pool.close()


def _lifespan(spec: ServiceSpec, settings: ServiceSettings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service_name, settings.log_level)
        running = _Running(await create_pool(settings))
        try:
            ctx = await _connect(spec, settings, running)
            app.state.ctx = ctx
            if spec.on_startup is not None:
                await spec.on_startup(ctx)
            await _start_background(spec, ctx, running)
            log.info("service started", extra={"port": settings.http_port})
            yield
        except StartupRefused as exc:
            log.error("start refused: %s", exc)
            print(f"{settings.service_name}: Start abgebrochen: {exc}", file=sys.stderr, flush=True)
            raise
        finally:
            await _shutdown(running)

    return lifespan


def _add_probes(app: FastAPI, spec: ServiceSpec, settings: ServiceSettings) -> None:
    """``/health``, ``/ready``, ``/asyncapi.json`` and ``/metrics`` (none of them in the OpenAPI document)."""

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": settings.service_name}

    @app.get("/ready", include_in_schema=False)
    async def ready(request: Request) -> JSONResponse:
        ctx: ServiceContext | None = getattr(request.app.state, "ctx", None)
        checks = {"database": False, "broker": False}
        if ctx is not None:
            with contextlib.suppress(Exception):
                async with ctx.pool.acquire(timeout=2) as conn:
                    checks["database"] = await conn.fetchval("SELECT true")
            with contextlib.suppress(Exception):
                checks["broker"] = bool(await ctx.broker.ping(timeout=2))
        ok = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "not ready", "checks": checks}, status_code=200 if ok else 503
        )

    @app.get("/asyncapi.json", include_in_schema=False)
    async def asyncapi() -> dict[str, Any]:
        return asyncapi_document(
            service=settings.service_name,
            title=spec.title,
            bootstrap=settings.kafka_bootstrap,
            publishes=spec.publishes,
            receives=[c.topic for c in spec.consumers()],
        )

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def create_app(spec: ServiceSpec, settings: ServiceSettings | None = None) -> FastAPI:
    """The service's app: lifespan, middleware, problem answers, probes, then its routes."""
    settings = settings or ServiceSettings(service_name=spec.name)
    app = FastAPI(
        title=spec.title,
        lifespan=_lifespan(spec, settings),
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.middleware("http")(http_metrics_middleware)
    app.middleware("http")(correlation_middleware)
    install_problem_handlers(app)
    _add_probes(app, spec, settings)
    for router in spec.routers:
        app.include_router(router)
    if spec.configure_app is not None:
        spec.configure_app(app)
    return app


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Serves ``app`` with uvicorn on the configured (loopback by default) address."""
    configure_logging(settings.service_name, settings.log_level)
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=15,
    )


def run(spec: ServiceSpec, settings: ServiceSettings | None = None) -> None:
    settings = settings or ServiceSettings(service_name=spec.name)
    serve(create_app(spec, settings), settings)
