"""Wiring of the invitations service: meetings and the political calendar, invitees, delivery, answers."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import Field, SecretStr

from quartier_invitations import db
from quartier_invitations.api import answers as answers_api
from quartier_invitations.api import deliveries as deliveries_api
from quartier_invitations.api import invitees as invitees_api
from quartier_invitations.api import meetings as meetings_api
from quartier_invitations.api import oparl as oparl_api
from quartier_invitations.api import public as public_api
from quartier_invitations.consumers import consumers as invitations_consumers
from quartier_invitations.consumers_notices import notice_consumers
from quartier_invitations.consumers_territory import territory_consumer
from quartier_invitations.service import calendar as calendar_service
from quartier_invitations.service import invitees as invitees_service
from quartier_invitations.service.delivery import delivery_sender
from quartier_shared.consumer import EventConsumer
from quartier_shared.events.topics import INVITATIONS_MEETINGS
from quartier_shared.runtime import ServiceContext, ServiceSpec, create_app
from quartier_shared.settings import ServiceSettings


class InvitationsSettings(ServiceSettings):
    service_name: str = "invitations"
    http_port: int = 8103
    # --- political calendar (service/calendar.py): the council information system's OParl 1.1 System
    # object and an iCalendar feed of the Rat and the Bezirksvertretungen; empty = not imported.
    oparl_system_url: str = ""
    political_ical_url: str = ""
    # How often the calendar is imported in the background; 0 switches the background import off.
    political_calendar_interval_seconds: float = Field(default=900.0, ge=0)
    political_calendar_timeout_seconds: float = Field(default=10.0, gt=0)
    political_calendar_import_timeout_seconds: float = Field(default=120.0, gt=0)
    # --- delivery (mails with iCalendar, signed answer links); see service/delivery.py
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=8025, ge=1, le=65535)
    smtp_sender: str = "einladungen@quartier.invalid"
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    # HMAC key of the answer links; from the environment (var/secrets.env locally), never in the repository.
    answer_link_secret: SecretStr = SecretStr("")
    # The gateway's public address: answer links point to {public_base_url}/einladung/{token}.
    public_base_url: str = "http://127.0.0.1:8080"
    answer_link_days: int = Field(default=60, ge=1, le=366)
    delivery_poll_seconds: float = Field(default=1.0, gt=0)
    delivery_retry_base_seconds: float = Field(default=30.0, gt=0)
    delivery_retry_max_seconds: float = Field(default=3600.0, gt=0)
    # --- invitees (service/invitees.py): reminders N days before a meeting, once per invitee
    reminder_days: int = Field(default=3, ge=0, le=60)
    reminder_interval_seconds: float = Field(default=300.0, ge=0)


async def political_calendar_import(ctx: ServiceContext) -> None:
    interval = float(getattr(ctx.settings, "political_calendar_interval_seconds", 0))
    if interval > 0:
        await calendar_service.run_periodically(ctx.pool, meetings_api.calendar_config(ctx), interval)


def all_consumers() -> list[EventConsumer]:
    return [territory_consumer(), *invitations_consumers(), *notice_consumers()]


SPEC = ServiceSpec(
    name="invitations",
    title="Quartier Einladungen",
    migrations=db.MIGRATIONS,
    routers=[
        meetings_api.router,
        public_api.router,
        oparl_api.router,
        answers_api.router,
        deliveries_api.router,
        invitees_api.router,
    ],
    consumers=all_consumers,
    background=[political_calendar_import, delivery_sender, invitees_service.reminders],
    publishes=[INVITATIONS_MEETINGS],
)


def create(settings: InvitationsSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or InvitationsSettings())
