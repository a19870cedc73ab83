"""Cookies and CSRF tokens: the session cookie, and the double-submit token of anonymous forms (login, the
answer page of an invitation)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from quartier_gateway.auth.security import new_token
from quartier_gateway.settings import GatewaySettings

SESSION_COOKIE = "quartier_session"
LOGIN_CSRF_COOKIE = "quartier_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


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
