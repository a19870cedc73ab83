"""Wiring of the planning service: the Jahresplan cycle of every Sozialraum."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from quartier_planning import db
from quartier_planning.api import agreements as agreements_api
from quartier_planning.api import deadlines as deadlines_api
from quartier_planning.api import goals as goals_api
from quartier_planning.api import needs as needs_api
from quartier_planning.api import plans as plans_api
from quartier_planning.consumers import consumers
from quartier_planning.metrics import refresh_metrics
from quartier_planning.service import agreements as agreements_service
from quartier_planning.service import deadlines as deadlines_service
from quartier_planning.service import goals as goals_service
from quartier_planning.settings import PlanningSettings, settings_of
from quartier_registry_replica import LIBRARY_MIGRATIONS as REGISTRY_REPLICA
from quartier_shared.events.topics import PLANNING_AGREEMENTS, PLANNING_GOALS, PLANNING_PLANS
from quartier_shared.runtime import ServiceContext, ServiceSpec, create_app

__all__ = ["SPEC", "PlanningSettings", "create"]

log = logging.getLogger(__name__)


async def deadline_check(ctx: ServiceContext) -> None:
    settings = settings_of(ctx)
    if settings.deadline_check_interval_seconds > 0:
        await deadlines_service.run_periodically(
            ctx.pool, deadlines_service.config_of(settings), settings.deadline_check_interval_seconds
        )


async def _start(ctx: ServiceContext) -> None:
    if settings_of(ctx).demo_data:
        created = await goals_service.load_demo_goals(ctx.pool)
        log.info("demo goals loaded", extra={"goals": created})


async def demo_agreements(ctx: ServiceContext) -> None:
    """The demo agreements (data/demo-agreements.yaml) once the registry replica knows their providers."""
    if settings_of(ctx).demo_data:
        await agreements_service.load_demo_agreements_when_ready(ctx.pool)


SPEC = ServiceSpec(
    name="planning",
    title="Quartier Jahresplanung",
    migrations=db.MIGRATIONS,
    library_migrations=[REGISTRY_REPLICA],
    background=[deadline_check, refresh_metrics, demo_agreements],
    routers=[plans_api.router, deadlines_api.router, needs_api.router, goals_api.router, agreements_api.router],
    consumers=consumers,
    on_startup=_start,
    publishes=[PLANNING_PLANS, PLANNING_GOALS, PLANNING_AGREEMENTS],
)


def create(settings: PlanningSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or PlanningSettings())
