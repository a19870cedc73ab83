"""The German HTML pages (server-rendered). None of them belongs in the OpenAPI document."""

from __future__ import annotations

import logging
import unicodedata
from typing import Any

import asyncpg
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quartier_gateway.auth.domain import can_change_territory, is_in_scope, safe_next_url, start_page
from quartier_gateway.auth.service import LoginRefused
from quartier_gateway.clients.registry import RegistryError, SocialArea
from quartier_gateway.meetings.pages import meeting as meetings_pages
from quartier_gateway.reports import pages as reports_pages
from quartier_gateway.social_data.pages import social_data_panel
from quartier_gateway.web.middleware import (
    AUTH_UNAVAILABLE_MESSAGE,
    SESSION_COOKIE,
    cookie_settings,
    ensure_login_csrf,
    error_response,
    gateway_of,
    principal_of,
    render,
    require_admin,
    require_staff,
    set_login_csrf_cookie,
)

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

WRONG_CREDENTIALS = "Benutzername oder Passwort ist falsch."
LOCKED = "Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie 15 Minuten und versuchen Sie es dann erneut."
CENTRE_NAME_MAX = 120
SAVED_MESSAGES = {"stadtteilzentrum": "Der neue Name des Stadtteilzentrums ist gespeichert."}


@router.get("/", response_class=HTMLResponse)
async def start(request: Request) -> Response:
    notice = "Sie sind abgemeldet." if request.query_params.get("abgemeldet") == "1" else None
    city = gateway_of(request).settings.city_name
    return render(request, "start.html", {"title": f"Quartier – Stadtteilarbeit in {city}", "notice": notice})


# --- login and logout -----------------------------------------------------------------------------------


def _login_page(
    request: Request,
    *,
    username: str = "",
    weiter: str = "",
    status_code: int = 200,
    error: str | None = None,
    field_errors: dict[str, str] | None = None,
) -> Response:
    token, is_new = ensure_login_csrf(request)
    response = render(
        request,
        "login.html",
        {
            "title": "Anmelden",
            "username": username,
            "weiter": weiter,
            "login_csrf": token,
            "error": error,
            "field_errors": field_errors or {},
        },
        status_code=status_code,
    )
    if is_new:
        set_login_csrf_cookie(response, token, gateway_of(request).settings)
    return response


@router.get("/anmelden", response_class=HTMLResponse)
async def login_form(request: Request) -> Response:
    weiter = request.query_params.get("weiter", "")
    if principal_of(request) is not None:
        return RedirectResponse(safe_next_url(weiter), status_code=303)
    return _login_page(request, weiter=weiter)


@router.post("/anmelden", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = await request.form()
    username = str(form.get("benutzername", "")).strip()
    password = str(form.get("passwort", ""))
    weiter = str(form.get("weiter", ""))
    field_errors: dict[str, str] = {}
    if not username:
        field_errors["benutzername"] = "Bitte geben Sie Ihren Benutzernamen ein."
    if not password:
        field_errors["passwort"] = "Bitte geben Sie Ihr Passwort ein."
    if field_errors:
        return _login_page(request, username=username, weiter=weiter, status_code=400, field_errors=field_errors)
    gateway = gateway_of(request)
    if gateway.auth is None:
        return error_response(request, 503, AUTH_UNAVAILABLE_MESSAGE)
    try:
        result = await gateway.auth.login(username, password)
    except LoginRefused as refused:
        if refused.locked:
            return _login_page(request, username=username, weiter=weiter, status_code=429, error=LOCKED)
        return _login_page(request, username=username, weiter=weiter, status_code=401, error=WRONG_CREDENTIALS)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        log.error("login failed: database unreachable", extra={"error": repr(exc)})
        return error_response(request, 503, AUTH_UNAVAILABLE_MESSAGE)
    old_token = request.scope.get("state", {}).get("session_token")
    if old_token:
        await gateway.auth.logout(old_token)
    response = RedirectResponse(safe_next_url(weiter, start_page(result.principal)), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        result.token,
        max_age=int(gateway.settings.session_hours * 3600),
        samesite="lax",
        **cookie_settings(gateway.settings),
    )
    return response


@router.post("/abmelden")
async def logout(request: Request) -> Response:
    gateway = gateway_of(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token and gateway.auth is not None:
        await gateway.auth.logout(token)
    response = RedirectResponse("/?abgemeldet=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, samesite="lax", **cookie_settings(gateway.settings))
    return response


# --- staff pages ----------------------------------------------------------------------------------------


@router.get("/sozialraeume", response_class=HTMLResponse)
async def social_areas(request: Request) -> Response:
    principal = require_staff(request)
    areas = await gateway_of(request).registry.social_areas()
    in_scope = {a.key for a in areas if is_in_scope(principal, a.key, [d.key for d in a.districts])}
    return render(
        request,
        "social_areas.html",
        {
            "title": "Sozialräume",
            "areas": areas,
            "in_scope": in_scope,
            "crossing": [a for a in areas if len(a.districts) > 1],
        },
    )


def _detail_context(request: Request, area: SocialArea, **extra: Any) -> dict[str, Any]:
    principal = principal_of(request)
    context: dict[str, Any] = {
        "title": area.name,
        "area": area,
        "in_scope": is_in_scope(principal, area.key, [d.key for d in area.districts]),
        "can_edit": can_change_territory(principal),
        "centre_value": area.community_centre.name,
        "centre_error": None,
        "centre_saved": None,
        "centre_name_max": CENTRE_NAME_MAX,
    }
    context.update(extra)
    return context


@router.get("/sozialraeume/{key}", response_class=HTMLResponse)
async def social_area(request: Request, key: str) -> Response:
    require_staff(request)
    area = await gateway_of(request).registry.social_area(key)
    saved = SAVED_MESSAGES.get(request.query_params.get("gespeichert", ""))
    return render(request, "social_area.html", _detail_context(request, area, centre_saved=saved))


def validate_centre_name(raw: str) -> tuple[str, str | None]:
    """The cleaned name and a German error message, if any."""
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not name:
        return name, "Bitte geben Sie einen Namen für das Stadtteilzentrum ein."
    if len(name) > CENTRE_NAME_MAX:
        return name, f"Der Name darf höchstens {CENTRE_NAME_MAX} Zeichen lang sein."
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        return name, "Der Name enthält Zeichen, die nicht erlaubt sind."
    return name, None


@router.post("/sozialraeume/{key}/stadtteilzentrum", response_class=HTMLResponse)
async def rename_community_centre(request: Request, key: str) -> Response:
    principal = require_admin(request)
    registry = gateway_of(request).registry
    htmx = request.headers.get("hx-request") == "true"
    form = await request.form()
    name, error = validate_centre_name(str(form.get("name", "")))
    area: SocialArea | None = None
    status_code = 422
    if error is None:
        try:
            area = await registry.rename_community_centre(key, name, actor=principal.username)
        except RegistryError as exc:
            if exc.status_code == 404:
                raise
            error, status_code = exc.detail, exc.status_code
    if area is not None:
        log.info("community centre renamed", extra={"social_area": key, "by": principal.username})
        if htmx:
            return render(
                request,
                "partials/community_centre.html",
                _detail_context(request, area, centre_saved=SAVED_MESSAGES["stadtteilzentrum"]),
            )
        return RedirectResponse(
            f"/sozialraeume/{area.key}?gespeichert=stadtteilzentrum#stadtteilzentrum", status_code=303
        )
    current = await registry.social_area(key)
    context = _detail_context(request, current, centre_value=name, centre_error=error)
    if htmx:  # htmx swaps only successful answers; the error is part of the fragment
        return render(request, "partials/community_centre.html", context)
    return render(request, "social_area.html", context, status_code=status_code)


# --- public pages for residents -------------------------------------------------------------------------


@router.get("/oeffentlich/sozialraeume", response_class=HTMLResponse)
async def public_social_areas(request: Request) -> Response:
    areas = await gateway_of(request).registry.social_areas()
    city = gateway_of(request).settings.city_name
    return render(request, "public_social_areas.html", {"title": f"Sozialräume in {city}", "areas": areas})


@router.get("/oeffentlich/sozialraeume/{key}", response_class=HTMLResponse)
async def public_social_area(request: Request, key: str) -> Response:
    area = await gateway_of(request).registry.social_area(key)
    conference = await meetings_pages.next_conference(request, area)
    reporting = await reports_pages.public_area_report(request, area)
    return render(
        request,
        "public_social_area.html",
        {
            "title": area.name,
            "area": area,
            "next_conference": conference,
            "reporting": reporting,
            "social_data": await social_data_panel(request, area.key, public=True),
        },
    )
