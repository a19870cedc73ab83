"""Wiring of the gateway, in named steps: the clients of the backend services, the auth service, the routes,
the middleware and error handlers, the static files, and the lifespan that closes the clients."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from quartier_gateway.agreements import pages as agreements_pages
from quartier_gateway.api import open_data
from quartier_gateway.api import territory as api
from quartier_gateway.auth import pages as auth_pages
from quartier_gateway.auth.db import MIGRATIONS, AuthStore, PgAuthStore
from quartier_gateway.auth.demo import load_demo_accounts
from quartier_gateway.auth.domain import InvalidAccount
from quartier_gateway.auth.service import AuthService, throttle_policy
from quartier_gateway.clients.invitations import InvitationsClient
from quartier_gateway.clients.ops import OpsClient
from quartier_gateway.clients.planning import PlanningClient
from quartier_gateway.clients.registry import RegistryClient
from quartier_gateway.clients.reporting import ReportingClient
from quartier_gateway.goals import pages as goals_pages
from quartier_gateway.meetings import pages as meetings_pages
from quartier_gateway.needs import pages as needs_pages
from quartier_gateway.offers import pages as offers_pages
from quartier_gateway.ops import pages as ops_pages
from quartier_gateway.people import pages as people_pages
from quartier_gateway.plans import pages as plans_pages
from quartier_gateway.reports import pages as reports_pages
from quartier_gateway.settings import GatewaySettings
from quartier_gateway.social_data import pages as social_data_pages
from quartier_gateway.territory import pages as territory_pages
from quartier_gateway.web.errors import install_error_handlers
from quartier_gateway.web.middleware import SecurityHeadersMiddleware, SessionCsrfMiddleware, apply_headers
from quartier_gateway.web.state import Gateway
from quartier_gateway.web.templates import make_templates
from quartier_shared.runtime import ServiceContext, ServiceSpec, StartupRefused, create_app

log = logging.getLogger(__name__)

APP_STATIC = Path(__file__).parent / "static"
DESCRIPTION = (
    "Öffentliche Schnittstelle von Quartier, der Plattform für Stadtteilarbeit: Sozialräume, Wohnbereiche "
    "und Stadtbezirke lesen (ohne Anmeldung); Änderungen nur mit Administrationsrechten, angemeldeter "
    "Sitzung und dem CSRF-Token aus GET /api/v1/session im Header X-CSRF-Token."
)

# Every router of the gateway: the JSON API first, then the pages feature by feature.
ROUTERS: list[APIRouter] = [
    api.router,
    api.session_router,
    open_data.router,
    auth_pages.router,
    territory_pages.router,
    offers_pages.router,
    offers_pages.public_router,
    people_pages.router,
    plans_pages.router,
    needs_pages.router,
    goals_pages.router,
    agreements_pages.router,
    ops_pages.router,
    meetings_pages.router,
    meetings_pages.public_router,
    reports_pages.router,
    social_data_pages.router,
]


@dataclass(frozen=True)
class Transports:
    """Transports of the backend clients; tests pass fakes (``httpx.MockTransport``), None is the network."""

    registry: httpx.AsyncBaseTransport | None = None
    planning: httpx.AsyncBaseTransport | None = None
    invitations: httpx.AsyncBaseTransport | None = None
    reporting: httpx.AsyncBaseTransport | None = None
    ops: httpx.AsyncBaseTransport | None = None


def make_auth(store: AuthStore, settings: GatewaySettings) -> AuthService:
    policy = throttle_policy(settings.login_max_failures, settings.login_window_minutes, settings.login_lockout_minutes)
    return AuthService(store, settings.session_hours, policy)


def make_gateway(settings: GatewaySettings, transports: Transports) -> Gateway:
    """The one client of each backend service, for the app's whole life."""
    timeout = settings.upstream_timeout_seconds
    return Gateway(
        settings=settings,
        templates=make_templates(settings.city_name),
        registry=RegistryClient(settings.registry_url, timeout, transport=transports.registry),
        planning=PlanningClient(settings.planning_url, timeout, transport=transports.planning),
        invitations=InvitationsClient(settings.invitations_url, timeout, transport=transports.invitations),
        # Computing a report (and its PDF) takes longer than a plain read.
        reporting=ReportingClient(settings.reporting_url, max(timeout, 30.0), transport=transports.reporting),
        ops=OpsClient(settings, transport=transports.ops),
    )


def mount_static(app: FastAPI, settings: GatewaySettings) -> None:
    node_modules = settings.node_modules_dir
    if not (node_modules / "@kern-ux" / "native" / "dist").is_dir():
        log.warning("KERN UX assets missing: run `npm ci` in services/gateway", extra={"dir": str(node_modules)})
    app.mount(
        "/static/kern",
        StaticFiles(directory=node_modules / "@kern-ux" / "native" / "dist", check_dir=False),
        name="kern",
    )
    app.mount("/static/htmx", StaticFiles(directory=node_modules / "htmx.org" / "dist", check_dir=False), name="htmx")
    app.mount("/static/app", StaticFiles(directory=APP_STATIC), name="app")


def close_clients_on_shutdown(app: FastAPI, gateway: Gateway) -> None:
    """Wraps the runtime's lifespan: when it ends, every backend client is closed once."""
    shared_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[None]:
        try:
            async with shared_lifespan(a):
                yield
        finally:
            await gateway.aclose()

    app.router.lifespan_context = lifespan


async def ensure_demo_accounts(auth: AuthService, settings: GatewaySettings) -> None:
    try:
        accounts = load_demo_accounts(settings.demo_accounts_file)
    except (OSError, InvalidAccount) as exc:
        raise StartupRefused(f"Demo-Zugänge nicht lesbar: {exc}") from exc
    written = await auth.ensure_demo_accounts(accounts)
    log.info("demo accounts ready", extra={"accounts": len(accounts), "written": written})


def build_app(
    settings: GatewaySettings | None = None,
    *,
    transports: Transports | None = None,
    auth_store: AuthStore | None = None,
) -> FastAPI:
    """The gateway app. Tests pass fake transports and an in-memory auth store."""
    settings = settings or GatewaySettings()
    gateway = make_gateway(settings, transports or Transports())
    if auth_store is not None:
        gateway.auth = make_auth(auth_store, settings)

    async def on_startup(ctx: ServiceContext) -> None:
        if gateway.auth is None:
            gateway.auth = make_auth(PgAuthStore(ctx.pool), settings)
        if settings.demo_accounts:
            await ensure_demo_accounts(gateway.auth, settings)

    def configure(app: FastAPI) -> None:
        app.state.gateway = gateway
        app.description = DESCRIPTION
        app.version = "1"
        mount_static(app, settings)
        # The runtime installed the shared problem handlers (and their OpenAPI description); the gateway's
        # own take over from them: HTML error pages for the pages, problem+json under /api.
        install_error_handlers(app, apply_headers)
        app.add_middleware(SessionCsrfMiddleware)
        app.add_middleware(SecurityHeadersMiddleware)
        close_clients_on_shutdown(app, gateway)

    spec = ServiceSpec(
        name="gateway",
        title="Quartier Gateway",
        migrations=MIGRATIONS,
        routers=ROUTERS,
        consumers=list,
        on_startup=on_startup,
        configure_app=configure,
    )
    return create_app(spec, settings)
