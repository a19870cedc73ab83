"""Wiring of the registry service."""

from __future__ import annotations

from fastapi import FastAPI

from quartier_registry import db
from quartier_registry.api import hsds as hsds_api
from quartier_registry.api import offers as offers_api
from quartier_registry.api import oparl as oparl_api
from quartier_registry.api import people as people_api
from quartier_registry.api import social_data as social_data_api
from quartier_registry.api import territory as territory_api
from quartier_registry.metrics import refresh_metrics
from quartier_registry.service import offers, people, social_data
from quartier_registry.service import territory as service
from quartier_registry.service.territory import TerritoryFileError
from quartier_registry.settings import RegistrySettings, settings_of
from quartier_shared.events.topics import (
    REGISTRY_CONTACTS,
    REGISTRY_DIRECTORY,
    REGISTRY_OFFERS,
    REGISTRY_SOCIAL_DATA,
    REGISTRY_TERRITORY,
)
from quartier_shared.runtime import ServiceContext, ServiceSpec, StartupRefused, create_app

__all__ = ["SPEC", "RegistrySettings", "create"]


async def _start(ctx: ServiceContext) -> None:
    try:
        await service.load_territory_file(ctx.pool, settings_of(ctx).territory_file)
    except TerritoryFileError as exc:
        raise StartupRefused(str(exc)) from exc
    await people.on_startup(ctx)
    await offers.on_startup(ctx)
    await social_data.on_startup(ctx)


SPEC = ServiceSpec(
    name="registry",
    title="Quartier Register",
    migrations=db.MIGRATIONS,
    routers=[
        territory_api.router,
        people_api.router,
        offers_api.router,
        hsds_api.router,
        oparl_api.router,
        social_data_api.router,
    ],
    on_startup=_start,
    background=[refresh_metrics],
    publishes=[REGISTRY_TERRITORY, REGISTRY_DIRECTORY, REGISTRY_OFFERS, REGISTRY_CONTACTS, REGISTRY_SOCIAL_DATA],
)


def create(settings: RegistrySettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or RegistrySettings())
