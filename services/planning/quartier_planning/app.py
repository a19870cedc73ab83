"""Wiring of the planning service: the Jahresplan cycle of every Sozialraum."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from pydantic import Field, field_validator

from quartier_planning import db
from quartier_planning.api import agreements as agreements_api
from quartier_planning.api import deadlines as deadlines_api
from quartier_planning.api import goals as goals_api
from quartier_planning.api import needs as needs_api
from quartier_planning.api import plans as plans_api
from quartier_planning.consumers import consumers
from quartier_planning.domain.deadlines import parse_rules
from quartier_planning.metrics import refresh_metrics
from quartier_planning.service import agreements as agreements_service
from quartier_planning.service import deadlines as deadlines_service
from quartier_planning.service import goals as goals_service
from quartier_shared.events.topics import PLANNING_AGREEMENTS, PLANNING_GOALS, PLANNING_PLANS
from quartier_shared.runtime import ServiceContext, ServiceSpec, create_app
from quartier_shared.settings import ServiceSettings

log = logging.getLogger(__name__)


class PlanningSettings(ServiceSettings):
    service_name: str = "planning"
    http_port: int = 8102
    # Deadlines of the cycle (see domain/deadlines.py): step → "Y-1-09-30" style rule, e.g.
    # QUARTIER_DEADLINES='{"draft": "Y-1-10-15"}'; steps not named keep their defaults.
    deadlines: dict[str, str] = Field(default_factory=dict)
    deadline_warning_days: int = Field(default=14, ge=0)
    # How often the service announces approaching and missed deadlines; 0 switches the check off.
    deadline_check_interval_seconds: float = Field(default=3600, ge=0)
    # The three Steuerungsziele of the concept with fictitious council decisions (data/demo-goals.yaml) for
    # the local demo (`make up`); never in production.
    demo_data: bool = False

    @field_validator("deadlines")
    @classmethod
    def _valid_deadlines(cls, value: dict[str, str]) -> dict[str, str]:
        parse_rules(value)  # refuses an unknown step or a date that is none
        return value


async def deadline_check(ctx: ServiceContext) -> None:
    interval = float(getattr(ctx.settings, "deadline_check_interval_seconds", 0))
    if interval > 0:
        await deadlines_service.run_periodically(ctx.pool, deadlines_service.config_of(ctx.settings), interval)


async def _start(ctx: ServiceContext) -> None:
    if getattr(ctx.settings, "demo_data", False):
        created = await goals_service.load_demo_goals(ctx.pool)
        log.info("demo goals loaded", extra={"goals": created})


async def demo_agreements(ctx: ServiceContext) -> None:
    """The demo agreements (data/demo-agreements.yaml) once the registry copy knows their providers."""
    if getattr(ctx.settings, "demo_data", False):
        await agreements_service.load_demo_agreements_when_ready(ctx.pool)


SPEC = ServiceSpec(
    name="planning",
    title="Quartier Jahresplanung",
    migrations=db.MIGRATIONS,
    background=[deadline_check, refresh_metrics, demo_agreements],
    routers=[plans_api.router, deadlines_api.router, needs_api.router, goals_api.router, agreements_api.router],
    consumers=consumers,
    on_startup=_start,
    publishes=[PLANNING_PLANS, PLANNING_GOALS, PLANNING_AGREEMENTS],
)


def create(settings: PlanningSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or PlanningSettings())
