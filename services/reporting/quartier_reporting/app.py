"""Wiring of the reporting service."""

from __future__ import annotations

from fastapi import FastAPI

from quartier_reporting import db
from quartier_reporting.api import router
from quartier_reporting.consumers import territory_consumer
from quartier_shared.runtime import ServiceSpec, create_app
from quartier_shared.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    service_name: str = "reporting"
    http_port: int = 8104


SPEC = ServiceSpec(
    name="reporting",
    title="Quartier Berichte",
    migrations=db.MIGRATIONS,
    routers=[router],
    consumers=lambda: [territory_consumer()],
)


def create(settings: ReportingSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or ReportingSettings())
