"""The web layer shared by pages and API: templates, the session and CSRF middleware, security headers,
error answers in German (HTML for pages, JSON under /api)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from quartier_gateway.auth.db.repository import SessionRecord
from quartier_gateway.auth.domain import Principal, can_change_territory, can_view_staff_pages, tokens_match
from quartier_gateway.auth.security import new_token
from quartier_gateway.auth.service import AuthService
from quartier_gateway.clients.registry import UNAVAILABLE_MESSAGE, RegistryClient, RegistryError, RegistryUnavailable
from quartier_gateway.settings import GatewaySettings

log = logging.getLogger(__name__)

SESSION_COOKIE = "quartier_session"
LOGIN_CSRF_COOKIE = "quartier_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_FORM_BYTES = 1024 * 1024
BERLIN = ZoneInfo("Europe/Berlin")

CSRF_MESSAGE = "Die Anfrage konnte nicht bestätigt werden (CSRF). Bitte laden Sie die Seite neu."
LOGIN_REQUIRED_MESSAGE = "Bitte melden Sie sich an."
FORBIDDEN_MESSAGE = "Dafür fehlt Ihnen die Berechtigung."
NOT_FOUND_MESSAGE = "Diese Seite gibt es nicht. Vielleicht hat sich die Adresse geändert oder es gibt einen Tippfehler."
AUTH_UNAVAILABLE_MESSAGE = "Die Anmeldung ist gerade nicht möglich. Bitte versuchen Sie es in einigen Minuten erneut."
SERVER_ERROR_MESSAGE = "Es ist ein Fehler aufgetreten. Bitte versuchen Sie es später noch einmal."

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # KERN's icons are SVG data URLs inside its style sheet.
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
TEMPLATES_DIR = Path(__file__).parent.parent / "templates"
STATUS_TITLES = {
    400: "Die Anfrage ist fehlerhaft",
    401: "Anmeldung erforderlich",
    403: "Keine Berechtigung",
    404: "Seite nicht gefunden",
    405: "Aktion nicht möglich",
    413: "Die Anfrage ist zu groß",
    422: "Die Angaben sind unvollständig",
    429: "Zu viele Versuche",
    500: "Es ist ein Fehler aufgetreten",
    503: "Dienst nicht erreichbar",
}


@dataclass
class Gateway:
    """Everything the routes need, on ``app.state.gateway``; ``auth`` is set once the pool exists."""

    settings: GatewaySettings
    registry: RegistryClient
    templates: Jinja2Templates
    auth: AuthService | None = None


class LoginRequired(Exception):
    """The page or API call needs a logged-in user."""


class Forbidden(Exception):
    """The logged-in user lacks the role for this."""


def gateway_of(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


def session_of(request: Request) -> SessionRecord | None:
    session: SessionRecord | None = request.scope.get("state", {}).get("session")
    return session


def principal_of(request: Request) -> Principal | None:
    session = session_of(request)
    return session.principal if session is not None else None


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


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def uuid_or_404(value: str) -> str:
    """A UUID from the URL or a form in its canonical form; anything else is a page that does not exist."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise RegistryError(404, NOT_FOUND_MESSAGE) from None


# --- templates ------------------------------------------------------------------------------------------


def berlin_time(value: datetime | None, fmt: str = "%d.%m.%Y, %H:%M Uhr") -> str:
    """Dates and times are shown in Europe/Berlin."""
    if value is None:
        return ""
    return value.astimezone(BERLIN).strftime(fmt)


def make_templates(city_name: str = "Hamm") -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.globals["city"] = city_name
    templates.env.filters["berlin"] = berlin_time
    templates.env.globals["csrf_field"] = CSRF_FIELD
    return templates


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    session = session_of(request)
    ctx: dict[str, Any] = {
        "principal": session.principal if session else None,
        "session_csrf": session.csrf_token if session else "",
        "current_path": request.url.path,
    }
    ctx.update(context or {})
    response: HTMLResponse = gateway_of(request).templates.TemplateResponse(
        request, template, ctx, status_code=status_code
    )
    return response


def error_response(request: Request, status_code: int, message: str, title: str | None = None) -> Response:
    if wants_json(request):
        return JSONResponse({"detail": message}, status_code=status_code)
    title = title or STATUS_TITLES.get(status_code, "Es ist ein Fehler aufgetreten")
    try:
        return render(
            request,
            "error.html",
            {"title": title, "message": message, "status_code": status_code},
            status_code=status_code,
        )
    except Exception:  # a broken template must not hide the original error
        log.exception("error page could not be rendered")
        return HTMLResponse(
            f'<!DOCTYPE html><html lang="de"><title>{title}</title><h1>{title}</h1><p>{message}</p></html>',
            status_code=status_code,
        )


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/anmelden?weiter={quote(target, safe='/')}", status_code=303)


def cookie_settings(settings: GatewaySettings) -> dict[str, Any]:
    return {"httponly": True, "secure": settings.cookie_secure, "path": "/"}


def ensure_login_csrf(request: Request) -> tuple[str, bool]:
    """The anonymous double-submit token of the login form: (token, whether it must be set as cookie)."""
    existing = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if 20 <= len(existing) <= 100 and existing.replace("-", "").replace("_", "").isalnum():
        return existing, False
    return new_token(), True


def set_login_csrf_cookie(response: Response, token: str, settings: GatewaySettings) -> None:
    response.set_cookie(LOGIN_CSRF_COOKIE, token, samesite="strict", **cookie_settings(settings))


# --- middleware -----------------------------------------------------------------------------------------


def _apply_headers(headers: MutableMapping[str, str] | Any, path: str) -> None:
    for name, value in SECURITY_HEADERS.items():
        headers[name] = value
    if not path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"


class SecurityHeadersMiddleware:
    """Adds the security headers to every response (pure ASGI, so streaming answers are untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.decode("latin-1").lower() not in _LOWER_SECURITY_HEADERS
                ]
                for name, value in SECURITY_HEADERS.items():
                    raw.append((name.lower().encode("latin-1"), value.encode("latin-1")))
                if not path.startswith("/static/"):
                    raw = [(k, v) for k, v in raw if k.lower() != b"cache-control"]
                    raw.append((b"cache-control", b"no-store"))
                message["headers"] = raw
            await send(message)

        await self.app(scope, receive, send_with_headers)


_LOWER_SECURITY_HEADERS = {name.lower() for name in SECURITY_HEADERS}
_NO_SESSION_PREFIXES = ("/static/", "/health", "/ready", "/metrics")


class SessionCsrfMiddleware:
    """Resolves the session cookie for every request and refuses state-changing requests without a valid
    CSRF token.

    - Logged in: the session's synchronizer token, in the form field ``csrf_token`` or the header
      ``X-CSRF-Token``.
    - The login form (and any other anonymous form): double submit of the ``quartier_csrf`` cookie.
    - Anonymous calls to /api/ and logout without a session carry no authority and pass on; the route
      answers 401 or simply clears the cookie.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(_NO_SESSION_PREFIXES):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        gateway: Gateway = scope["app"].state.gateway
        session: SessionRecord | None = None
        token = request.cookies.get(SESSION_COOKIE)
        if token and gateway.auth is not None:
            try:
                session = await gateway.auth.session(token)
            except Exception:
                log.exception("session lookup failed; treating the request as anonymous")
        state = scope.setdefault("state", {})
        state["session"] = session
        state["session_token"] = token if session is not None else None

        if scope["method"] in UNSAFE_METHODS:
            path: str = scope["path"]
            check = True
            expected: str | None
            if path == "/anmelden":
                expected = request.cookies.get(LOGIN_CSRF_COOKIE)
            elif session is not None:
                expected = session.csrf_token
            elif path == "/abmelden" or path.startswith("/api/"):
                check, expected = False, None  # no session: nothing that a forged request could use
            else:
                expected = request.cookies.get(LOGIN_CSRF_COOKIE)
            if check:
                given = request.headers.get(CSRF_HEADER)
                if not given:
                    result = await _form_token(scope, receive)
                    if isinstance(result, Response):
                        await result(scope, receive, send)
                        return
                    given, receive = result
                if not tokens_match(expected, given):
                    log.warning("csrf check failed", extra={"path": path, "method": scope["method"]})
                    response = error_response(Request(scope), 403, CSRF_MESSAGE)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


async def _form_token(scope: Scope, receive: Receive) -> tuple[str | None, Receive] | Response:
    """Reads a form body (bounded) to find ``csrf_token``, and hands on a receive that replays it."""
    content_type = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return None, receive
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None, receive
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return error_response(Request(scope), 413, "Die gesendeten Daten sind zu groß.")
        chunks.append(chunk)
        more = message.get("more_body", False)
    body = b"".join(chunks)

    def replayer() -> Receive:
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay

    try:
        form = await Request(scope, replayer()).form()
        value = form.get(CSRF_FIELD)
        await form.close()
    except Exception:
        value = None
    return (value if isinstance(value, str) else None), replayer()


# --- exception handlers ---------------------------------------------------------------------------------


def install_error_handlers(app: FastAPI) -> None:
    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            message = "Nicht gefunden." if wants_json(request) else NOT_FOUND_MESSAGE
        elif exc.status_code == 405:
            message = "Diese Aktion ist hier nicht möglich."
        elif isinstance(exc.detail, str) and exc.detail and exc.status_code < 500:
            message = exc.detail
        else:
            message = SERVER_ERROR_MESSAGE
        response = error_response(request, exc.status_code, message)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        message = "Die Anfrage ist unvollständig oder fehlerhaft."
        if wants_json(request):
            errors = [{"loc": list(e.get("loc", ())), "type": e.get("type")} for e in exc.errors()]
            return JSONResponse({"detail": message, "errors": errors}, status_code=422)
        return error_response(request, 422, message)

    async def registry_unavailable(request: Request, exc: Exception) -> Response:
        return error_response(request, 503, UNAVAILABLE_MESSAGE)

    async def registry_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RegistryError)
        if exc.status_code == 404 and not wants_json(request):
            return error_response(request, 404, NOT_FOUND_MESSAGE)
        return error_response(request, exc.status_code, exc.detail)

    async def login_required(request: Request, exc: Exception) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": LOGIN_REQUIRED_MESSAGE}, status_code=401)
        return login_redirect(request)

    async def forbidden(request: Request, exc: Exception) -> Response:
        return error_response(request, 403, FORBIDDEN_MESSAGE)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        response = error_response(request, 500, SERVER_ERROR_MESSAGE)
        _apply_headers(response.headers, request.url.path)
        return response

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(RegistryUnavailable, registry_unavailable)
    app.add_exception_handler(RegistryError, registry_error)
    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(Forbidden, forbidden)
    app.add_exception_handler(Exception, server_error)
