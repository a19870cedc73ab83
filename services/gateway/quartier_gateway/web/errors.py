"""Error answers in German: an HTML error page for the pages, RFC 9457 problem+json under /api."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from quartier_gateway.clients.base import NotFound, Refused, Unavailable
from quartier_gateway.web.templates import render
from quartier_shared.errors import FieldError
from quartier_shared.http import problem_response, validation_detail, validation_field_errors

log = logging.getLogger(__name__)

CSRF_MESSAGE = "Die Anfrage konnte nicht bestätigt werden (CSRF). Bitte laden Sie die Seite neu."
LOGIN_REQUIRED_MESSAGE = "Bitte melden Sie sich an."
FORBIDDEN_MESSAGE = "Dafür fehlt Ihnen die Berechtigung."
NOT_FOUND_MESSAGE = "Diese Seite gibt es nicht. Vielleicht hat sich die Adresse geändert oder es gibt einen Tippfehler."
AUTH_UNAVAILABLE_MESSAGE = "Die Anmeldung ist gerade nicht möglich. Bitte versuchen Sie es in einigen Minuten erneut."
SERVER_ERROR_MESSAGE = "Es ist ein Fehler aufgetreten. Bitte versuchen Sie es später noch einmal."
INVALID_REQUEST_MESSAGE = "Die Anfrage ist unvollständig oder fehlerhaft."

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


class LoginRequired(Exception):
    """The page or API call needs a logged-in user."""


class Forbidden(Exception):
    """The logged-in user lacks the role for this."""


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def uuid_or_404(value: str) -> str:
    """A UUID from the URL or a form in its canonical form; anything else is a page that does not exist."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise NotFound(404, NOT_FOUND_MESSAGE) from None


def error_response(
    request: Request,
    status_code: int,
    message: str,
    title: str | None = None,
    *,
    errors: Sequence[FieldError] = (),
    extensions: dict[str, Any] | None = None,
) -> Response:
    """The error page, or under /api the problem answer."""
    if wants_json(request):
        return problem_response(status_code, message, errors=errors, extensions=extensions)
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


def install_error_handlers(app: FastAPI, apply_headers: Any) -> None:
    """``apply_headers(headers, path)`` adds the security headers to the answer of an unhandled error (which
    bypasses the middleware)."""

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
        if wants_json(request):
            errors = validation_field_errors(exc.errors())
            return problem_response(422, validation_detail(errors), errors=errors)
        return error_response(request, 422, INVALID_REQUEST_MESSAGE)

    async def service_unavailable(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Unavailable)
        return error_response(request, 503, exc.message)

    async def service_refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        if exc.status_code == 404 and not wants_json(request):
            return error_response(request, 404, NOT_FOUND_MESSAGE)
        return error_response(request, exc.status_code, exc.detail, errors=exc.errors, extensions=exc.extensions)

    async def login_required(request: Request, exc: Exception) -> Response:
        if wants_json(request):
            return problem_response(401, LOGIN_REQUIRED_MESSAGE)
        return login_redirect(request)

    async def forbidden(request: Request, exc: Exception) -> Response:
        return error_response(request, 403, FORBIDDEN_MESSAGE)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        response = error_response(request, 500, SERVER_ERROR_MESSAGE)
        apply_headers(response.headers, request.url.path)
        return response

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Unavailable, service_unavailable)
    app.add_exception_handler(Refused, service_refused)
    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(Forbidden, forbidden)
    app.add_exception_handler(Exception, server_error)
