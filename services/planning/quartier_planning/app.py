"""Wiring of the planning service (a shell: it starts, migrates its schema and answers /health)."""

from __future__ import annotations

from fastapi import FastAPI

from quartier_planning import db
from quartier_shared.runtime import ServiceSpec, create_app
from quartier_shared.settings import ServiceSettings


class PlanningSettings(ServiceSettings):
    service_name: str = "planning"
    http_port: int = 8102


SPEC = ServiceSpec(name="planning", title="Quartier Jahresplanung", migrations=db.MIGRATIONS)


def create(settings: PlanningSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or PlanningSettings())
