"""The invitations service's settings (``QUARTIER_*`` environment variables), read once at start and passed
down: to the consumers through ``consumers(settings)``, to routes and background work through the service
context (``settings_of``)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from quartier_shared.context import ServiceContext
from quartier_shared.settings import ServiceSettings

# The CloudEvents ``source`` of everything the invitations service announces.
SOURCE = "/quartier/invitations"


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


def settings_of(ctx: ServiceContext) -> InvitationsSettings:
    """The settings the service was started with (the shared context holds them as the common base type)."""
    if not isinstance(ctx.settings, InvitationsSettings):
        raise TypeError(f"invitations runs with InvitationsSettings, not {type(ctx.settings).__name__}")
    return ctx.settings
