"""Wiring of the reporting service."""

from __future__ import annotations

from fastapi import FastAPI

from quartier_registry_replica import LIBRARY_MIGRATIONS as REGISTRY_REPLICA
from quartier_reporting import db
from quartier_reporting.api import board as board_api
from quartier_reporting.api import reports as reports_api
from quartier_reporting.api import territory as territory_api
from quartier_reporting.consumers import consumers
from quartier_reporting.metrics import refresh_metrics
from quartier_reporting.settings import ReportingSettings
from quartier_shared.events.topics import REPORTING_REPORTS
from quartier_shared.runtime import ServiceSpec, create_app

__all__ = ["SPEC", "ReportingSettings", "create"]

SPEC = ServiceSpec(
    name="reporting",
    title="Quartier Berichte",
    migrations=db.MIGRATIONS,
    library_migrations=[REGISTRY_REPLICA],
    routers=[territory_api.router, board_api.router, reports_api.router],
    consumers=consumers,
    background=[refresh_metrics],
    publishes=[REPORTING_REPORTS],
)


def create(settings: ReportingSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or ReportingSettings())
