"""Wiring of the planning service: the Jahresplan cycle of every Sozialraum."""

from __future__ import annotations

from fastapi import FastAPI

from quartier_planning import db
from quartier_planning.api import plans as plans_api
from quartier_planning.consumers import consumers
from quartier_shared.events.topics import PLANNING_PLANS
from quartier_shared.runtime import ServiceSpec, create_app
from quartier_shared.settings import ServiceSettings


class PlanningSettings(ServiceSettings):
    service_name: str = "planning"
    http_port: int = 8102


SPEC = ServiceSpec(
    name="planning",
    title="Quartier Jahresplanung",
    migrations=db.MIGRATIONS,
    routers=[plans_api.router],
    consumers=consumers,
    publishes=[PLANNING_PLANS],
)


def create(settings: PlanningSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or PlanningSettings())
