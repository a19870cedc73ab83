"""One way to wire a route: what a route needs, declared once as ``Annotated`` dependencies.

``Staff`` is the signed-in staff member (anonymous: redirect to the login, API 401; no staff role: the 403
page), ``Admin`` an administrator; ``Registry``, ``Planning``, ``Invitations``, ``Reporting`` and
``Operations`` are the app's one client of each backend service; ``Settings`` the gateway's settings.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from quartier_gateway.auth.domain import Principal, can_change_territory, can_view_staff_pages
from quartier_gateway.clients.invitations import InvitationsClient
from quartier_gateway.clients.ops import OpsClient
from quartier_gateway.clients.planning import PlanningClient
from quartier_gateway.clients.registry import RegistryClient
from quartier_gateway.clients.reporting import ReportingClient
from quartier_gateway.settings import GatewaySettings
from quartier_gateway.web.errors import Forbidden, LoginRequired
from quartier_gateway.web.state import gateway_of, principal_of


def require_staff(request: Request) -> Principal:
    principal = principal_of(request)
    if principal is None:
        raise LoginRequired()
    if not can_view_staff_pages(principal):
        raise Forbidden()
    return principal


def require_admin(request: Request) -> Principal:
    principal = require_staff(request)
    if not can_change_territory(principal):
        raise Forbidden()
    return principal


def _settings(request: Request) -> GatewaySettings:
    return gateway_of(request).settings


def _registry(request: Request) -> RegistryClient:
    return gateway_of(request).registry


def _planning(request: Request) -> PlanningClient:
    return gateway_of(request).planning


def _invitations(request: Request) -> InvitationsClient:
    return gateway_of(request).invitations


def _reporting(request: Request) -> ReportingClient:
    return gateway_of(request).reporting


def _operations(request: Request) -> OpsClient:
    return gateway_of(request).ops


Staff = Annotated[Principal, Depends(require_staff)]
Admin = Annotated[Principal, Depends(require_admin)]
Settings = Annotated[GatewaySettings, Depends(_settings)]
Registry = Annotated[RegistryClient, Depends(_registry)]
Planning = Annotated[PlanningClient, Depends(_planning)]
Invitations = Annotated[InvitationsClient, Depends(_invitations)]
Reporting = Annotated[ReportingClient, Depends(_reporting)]
Operations = Annotated[OpsClient, Depends(_operations)]
