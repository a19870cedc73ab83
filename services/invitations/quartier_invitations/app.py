"""Wiring of the invitations service: meetings and the political calendar, invitees, delivery, answers."""

from __future__ import annotations

from fastapi import FastAPI

from quartier_invitations import db
from quartier_invitations.api import answers as answers_api
from quartier_invitations.api import delivery as delivery_api
from quartier_invitations.api import invitees as invitees_api
from quartier_invitations.api import meetings as meetings_api
from quartier_invitations.api import oparl as oparl_api
from quartier_invitations.api import public as public_api
from quartier_invitations.consumers import consumers
from quartier_invitations.service import calendar as calendar_service
from quartier_invitations.service import invitees as invitees_service
from quartier_invitations.service.delivery import delivery_sender
from quartier_invitations.settings import InvitationsSettings, settings_of
from quartier_registry_replica import LIBRARY_MIGRATIONS as REGISTRY_REPLICA
from quartier_shared.events.topics import INVITATIONS_MEETINGS
from quartier_shared.runtime import ServiceContext, ServiceSpec, create_app

__all__ = ["InvitationsSettings", "create", "spec"]


async def political_calendar_import(ctx: ServiceContext) -> None:
    settings = settings_of(ctx)
    if settings.political_calendar_interval_seconds > 0:
        await calendar_service.run_periodically(
            ctx.pool, calendar_service.CalendarConfig.of(settings), settings.political_calendar_interval_seconds
        )


def spec(settings: InvitationsSettings) -> ServiceSpec:
    """The service with its settings: the consumers take theirs when the service starts them."""
    return ServiceSpec(
        name="invitations",
        title="Quartier Einladungen",
        migrations=db.MIGRATIONS,
        library_migrations=[REGISTRY_REPLICA],
        routers=[
            meetings_api.router,
            public_api.router,
            oparl_api.router,
            answers_api.router,
            delivery_api.router,
            invitees_api.router,
        ],
        consumers=lambda: consumers(settings),
        background=[political_calendar_import, delivery_sender, invitees_service.reminders],
        publishes=[INVITATIONS_MEETINGS],
    )


def create(settings: InvitationsSettings | None = None) -> FastAPI:
    settings = settings or InvitationsSettings()
    return create_app(spec(settings), settings)
