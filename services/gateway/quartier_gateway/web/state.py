"""What the routes share, on ``app.state.gateway``: settings, templates, the auth service and one client per
backend service (built once with the app, closed once in its lifespan)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.templating import Jinja2Templates

from quartier_gateway.auth.db.repository import SessionRecord
from quartier_gateway.auth.domain import Principal
from quartier_gateway.auth.service import AuthService
from quartier_gateway.clients.invitations import InvitationsClient
from quartier_gateway.clients.ops import OpsClient
from quartier_gateway.clients.planning import PlanningClient
from quartier_gateway.clients.registry import RegistryClient
from quartier_gateway.clients.reporting import ReportingClient
from quartier_gateway.settings import GatewaySettings


@dataclass
class Gateway:
    """Everything the routes need; ``auth`` is set once the pool exists."""

    settings: GatewaySettings
    templates: Jinja2Templates
    registry: RegistryClient
    planning: PlanningClient
    invitations: InvitationsClient
    reporting: ReportingClient
    ops: OpsClient
    auth: AuthService | None = None

    async def aclose(self) -> None:
        """Closes every client once (the app's lifespan ends)."""
        for client in (self.registry, self.planning, self.invitations, self.reporting, self.ops):
            await client.aclose()


def gateway_of(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


def session_of(request: Request) -> SessionRecord | None:
    session: SessionRecord | None = request.scope.get("state", {}).get("session")
    return session


def principal_of(request: Request) -> Principal | None:
    session = session_of(request)
    return session.principal if session is not None else None
