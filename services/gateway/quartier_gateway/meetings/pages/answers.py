"""The public answer page of an invitation: ``/einladung/{token}`` (no login).

The signed token from the mail is the authority; the invitations service checks it (HMAC, expiry) and
answers 403 with a German text for a forged or expired link. The form is an anonymous form: it carries
the double-submit CSRF token of the ``quartier_csrf`` cookie (or the session's token when someone happens
to be logged in), which ``SessionCsrfMiddleware`` checks before the route runs. After a POST the page
redirects to itself (``?gespeichert=1``), so reloading never answers twice.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quartier_gateway.clients.base import Refused, Unavailable, segment
from quartier_gateway.clients.invitations import InvitationsClient
from quartier_gateway.web.csrf import ensure_login_csrf, set_login_csrf_cookie
from quartier_gateway.web.dependencies import Invitations
from quartier_gateway.web.state import gateway_of, session_of
from quartier_gateway.web.templates import render

router = APIRouter(include_in_schema=False)

TOKEN = re.compile(r"^[A-Za-z0-9._-]{1,200}$")
TEMPLATE = "invitations/answer.html"
UNAVAILABLE = "Ihre Antwort kann gerade nicht angenommen werden. Bitte versuchen Sie es in einigen Minuten erneut."
FORGED = "Dieser Link ist ungültig. Bitte nutzen Sie den Link aus Ihrer Einladung."
CHOICES = {"zusage": "accept", "absage": "decline"}
ANSWER_TEXT = {"accept": "Sie haben zugesagt.", "decline": "Sie haben abgesagt."}
SAVED_TEXT = {
    "accept": "Vielen Dank! Ihre Zusage ist gespeichert.",
    "decline": "Vielen Dank! Ihre Absage ist gespeichert.",
}


class _Forged(Exception):
    """The token cannot be one the invitations service signed."""


def _csrf(request: Request) -> tuple[str, str | None]:
    """The CSRF token for the form, and a new cookie value to set (anonymous visitors only)."""
    session = session_of(request)
    if session is not None:
        return session.csrf_token, None
    token, is_new = ensure_login_csrf(request)
    return token, token if is_new else None


def _page(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    csrf_token, new_cookie = _csrf(request)
    ctx: dict[str, Any] = {
        "title": "Einladung beantworten",
        "answer_csrf": csrf_token,
        "doc": None,
        "error": None,
        "saved": None,
        "field_error": None,
        "answer_text": ANSWER_TEXT,
    }
    ctx.update(context)
    response = render(request, TEMPLATE, ctx, status_code=status_code)
    if new_cookie is not None:
        set_login_csrf_cookie(response, new_cookie, gateway_of(request).settings)
    return response


def _error_page(request: Request, status_code: int, message: str) -> Response:
    title = "Link ungültig" if status_code == 403 else "Antwort nicht möglich"
    return _page(request, {"title": title, "error": message}, status_code=status_code)


async def _load(invitations: InvitationsClient, token: str) -> dict[str, Any]:
    if not TOKEN.match(token):
        raise _Forged()
    return await invitations.invitation(token)


def _refused_page(request: Request, exc: Refused | _Forged) -> Response:
    if isinstance(exc, _Forged):
        return _error_page(request, 403, FORGED)
    # the service's German text (forged or expired link, meeting cancelled, …)
    return _error_page(
        request, exc.status_code, exc.detail if exc.detail != InvitationsClient.refused_message else FORGED
    )


@router.get("/einladung/{token}", response_class=HTMLResponse)
async def answer_page(token: str, request: Request, invitations: Invitations) -> Response:
    try:
        doc = await _load(invitations, token)
    except (Refused, _Forged) as exc:
        return _refused_page(request, exc)
    except Unavailable:
        return _error_page(request, 503, UNAVAILABLE)
    saved = SAVED_TEXT.get(doc.get("answer") or "") if request.query_params.get("gespeichert") == "1" else None
    return _page(request, {"doc": doc, "token": token, "saved": saved})


@router.post("/einladung/{token}", response_class=HTMLResponse)
async def answer(token: str, request: Request, invitations: Invitations) -> Response:
    form = await request.form()
    choice = form.get("antwort")
    answer_value = CHOICES.get(choice) if isinstance(choice, str) else None
    try:
        if answer_value is None:
            doc = await _load(invitations, token)
            message = "Bitte wählen Sie, ob Sie kommen oder nicht."
            return _page(request, {"doc": doc, "token": token, "field_error": message}, status_code=422)
        if not TOKEN.match(token):
            raise _Forged()
        await invitations.answer_invitation(token, answer_value)
    except (Refused, _Forged) as exc:
        return _refused_page(request, exc)
    except Unavailable:
        return _error_page(request, 503, UNAVAILABLE)
    return RedirectResponse(f"/einladung/{segment(token)}?gespeichert=1", status_code=303)
