"""Wiring of the reporting service."""

from __future__ import annotations

from fastapi import FastAPI

from quartier_reporting import db
from quartier_reporting.api import board as board_api
from quartier_reporting.api import reports as reports_api
from quartier_reporting.api import territory as territory_api
from quartier_reporting.consumers import consumers
from quartier_reporting.metrics import refresh_metrics
from quartier_shared.events.topics import REPORTING_REPORTS
from quartier_shared.runtime import ServiceSpec, create_app
from quartier_shared.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    service_name: str = "reporting"
    http_port: int = 8104


SPEC = ServiceSpec(
    name="reporting",
    title="Quartier Berichte",
    migrations=db.MIGRATIONS,
    routers=[territory_api.router, board_api.router, reports_api.router],
    consumers=consumers,
    background=[refresh_metrics],
    publishes=[REPORTING_REPORTS],
)


def create(settings: ReportingSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or ReportingSettings())
