"""Wiring of the invitations service (a shell: it starts, migrates its schema and answers /health)."""

from __future__ import annotations

from fastapi import FastAPI

from quartier_invitations import db
from quartier_shared.runtime import ServiceSpec, create_app
from quartier_shared.settings import ServiceSettings


class InvitationsSettings(ServiceSettings):
    service_name: str = "invitations"
    http_port: int = 8103


SPEC = ServiceSpec(name="invitations", title="Quartier Einladungen", migrations=db.MIGRATIONS)


def create(settings: InvitationsSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or InvitationsSettings())
