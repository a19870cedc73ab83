"""Wiring of the gateway: settings, registry client, auth service, routes, middleware, static files."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from quartier_gateway.agreements import pages as agreements_pages
from quartier_gateway.api import open_data
from quartier_gateway.api import territory as api
from quartier_gateway.auth.db import MIGRATIONS, AuthStore, PgAuthStore
from quartier_gateway.auth.demo import load_demo_accounts
from quartier_gateway.auth.domain import InvalidAccount
from quartier_gateway.auth.service import AuthService, throttle_policy
from quartier_gateway.clients.registry import RegistryClient
from quartier_gateway.goals import pages as goals_pages
from quartier_gateway.meetings.pages import answers as invitation_answer_pages
from quartier_gateway.meetings.pages import meeting as meetings_pages
from quartier_gateway.needs import pages as needs_pages
from quartier_gateway.offers.pages import offers as offers_pages
from quartier_gateway.ops import pages as ops_pages
from quartier_gateway.people.pages import people as people_pages
from quartier_gateway.plans.pages import plan as plans_pages
from quartier_gateway.reports import pages as reports_pages
from quartier_gateway.settings import GatewaySettings
from quartier_gateway.social_data import pages as social_data_pages
from quartier_gateway.territory import pages
from quartier_gateway.web.middleware import (
    Gateway,
    SecurityHeadersMiddleware,
    SessionCsrfMiddleware,
    install_error_handlers,
    make_templates,
)
from quartier_shared.runtime import ServiceContext, ServiceSpec, StartupRefused, create_app

log = logging.getLogger(__name__)

APP_STATIC = Path(__file__).parent / "static"
DESCRIPTION = (
    "Öffentliche Schnittstelle von Quartier, der Plattform für Stadtteilarbeit: Sozialräume, Wohnbereiche "
    "und Stadtbezirke lesen (ohne Anmeldung); Änderungen nur mit Administrationsrechten, angemeldeter "
    "Sitzung und dem CSRF-Token aus GET /api/v1/session im Header X-CSRF-Token."
)


def make_auth(store: AuthStore, settings: GatewaySettings) -> AuthService:
    policy = throttle_policy(settings.login_max_failures, settings.login_window_minutes, settings.login_lockout_minutes)
    return AuthService(store, settings.session_hours, policy)


def build_app(
    settings: GatewaySettings | None = None,
    *,
    registry_transport: httpx.AsyncBaseTransport | None = None,
    auth_store: AuthStore | None = None,
) -> FastAPI:
    """The gateway app. Tests pass a fake registry transport and an in-memory auth store."""
    settings = settings or GatewaySettings()
    registry = RegistryClient(settings.registry_url, settings.upstream_timeout_seconds, transport=registry_transport)
    gateway = Gateway(settings, registry, make_templates(settings.city_name))
    if auth_store is not None:
        gateway.auth = make_auth(auth_store, settings)

    async def on_startup(ctx: ServiceContext) -> None:
        if gateway.auth is None:
            gateway.auth = make_auth(PgAuthStore(ctx.pool), settings)
        if settings.demo_accounts:
            try:
                accounts = load_demo_accounts(settings.demo_accounts_file)
            except (OSError, InvalidAccount) as exc:
                raise StartupRefused(f"Demo-Zugänge nicht lesbar: {exc}") from exc
            written = await gateway.auth.ensure_demo_accounts(accounts)
            log.info("demo accounts ready", extra={"accounts": len(accounts), "written": written})

    def configure(app: FastAPI) -> None:
        app.state.gateway = gateway
        app.description = DESCRIPTION
        app.version = "1"
        node_modules = settings.node_modules_dir
        if not (node_modules / "@kern-ux" / "native" / "dist").is_dir():
            log.warning("KERN UX assets missing: run `npm ci` in services/gateway", extra={"dir": str(node_modules)})
        app.mount(
            "/static/kern",
            StaticFiles(directory=node_modules / "@kern-ux" / "native" / "dist", check_dir=False),
            name="kern",
        )
        app.mount(
            "/static/htmx", StaticFiles(directory=node_modules / "htmx.org" / "dist", check_dir=False), name="htmx"
        )
        app.mount("/static/app", StaticFiles(directory=APP_STATIC), name="app")
        install_error_handlers(app)
        app.add_middleware(SessionCsrfMiddleware)
        app.add_middleware(SecurityHeadersMiddleware)

        shared_lifespan = app.router.lifespan_context

        @asynccontextmanager
        async def lifespan(a: FastAPI) -> AsyncIterator[None]:
            try:
                async with shared_lifespan(a):
                    yield
            finally:
                await registry.aclose()
                # Created on first use by the plan pages.
                planning = getattr(a.state, "planning_client", None)
                if planning is not None:
                    await planning.aclose()
                invitations = getattr(a.state, "invitations_client", None)
                if invitations is not None:
                    await invitations.aclose()
                reporting = getattr(a.state, "reporting_client", None)  # the reporting pages'
                if reporting is not None:
                    await reporting.aclose()
                ops = getattr(a.state, "ops_client", None)  # the operations page's
                if ops is not None:
                    await ops.aclose()

        app.router.lifespan_context = lifespan

    spec = ServiceSpec(
        name="gateway",
        title="Quartier Gateway",
        migrations=MIGRATIONS,
        routers=[
            api.router,
            api.session_router,
            open_data.router,
            pages.router,
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
            invitation_answer_pages.router,
            reports_pages.router,
            social_data_pages.router,
        ],
        consumers=list,
        on_startup=on_startup,
        configure_app=configure,
    )
    return create_app(spec, settings)
