"""The middleware of every request: security headers, and the session with its CSRF check."""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from quartier_gateway.auth.db.repository import SessionRecord
from quartier_gateway.auth.domain import tokens_match
from quartier_gateway.web.csrf import CSRF_FIELD, CSRF_HEADER, LOGIN_CSRF_COOKIE, SESSION_COOKIE, UNSAFE_METHODS
from quartier_gateway.web.errors import CSRF_MESSAGE, error_response
from quartier_gateway.web.state import Gateway

log = logging.getLogger(__name__)

MAX_FORM_BYTES = 1024 * 1024

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


def apply_headers(headers: MutableMapping[str, str] | Any, path: str) -> None:
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
