"""The start page, login and logout."""

from __future__ import annotations

import logging

import asyncpg
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quartier_gateway.auth.domain import safe_next_url, start_page
from quartier_gateway.auth.service import LoginRefused
from quartier_gateway.web.csrf import SESSION_COOKIE, cookie_settings, ensure_login_csrf, set_login_csrf_cookie
from quartier_gateway.web.dependencies import Settings
from quartier_gateway.web.errors import AUTH_UNAVAILABLE_MESSAGE, error_response
from quartier_gateway.web.state import gateway_of, principal_of
from quartier_gateway.web.templates import render

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

WRONG_CREDENTIALS = "Benutzername oder Passwort ist falsch."
LOCKED = "Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie 15 Minuten und versuchen Sie es dann erneut."


@router.get("/", response_class=HTMLResponse)
async def start(request: Request, settings: Settings) -> Response:
    notice = "Sie sind abgemeldet." if request.query_params.get("abgemeldet") == "1" else None
    city = settings.city_name
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
