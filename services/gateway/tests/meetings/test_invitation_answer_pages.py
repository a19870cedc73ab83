"""The public answer page /einladung/{token} through the whole ASGI stack, with a fake invitations service
(JSON and errors as in services/invitations/quartier_invitations/api/answers.py): no login, the anonymous
double-submit CSRF token, the answer sent on, German errors for a forged link, a cancelled meeting and an
unreachable service."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from quartier_gateway.app import Transports, build_app

from ..conftest import csrf_from, login_as, problem
from ..test_pages import assert_accessible_page

TOKEN = "v1.QUJDREVGR0hJSktMTU5PUA.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
FORGED_DETAIL = "Dieser Link ist ungültig. Bitte nutzen Sie den Link aus Ihrer Einladung."


class FakeInvitations:
    def __init__(self) -> None:
        self.answer: str | None = None
        self.cancelled = False
        self.down = False
        self.posts: list[dict[str, Any]] = []

    def doc(self) -> dict[str, Any]:
        return {
            "meeting": {
                "meeting_id": "6a1f2c3d-0000-4000-8000-000000000001",
                "title": "Stadtteilkonferenz „Wir in Pelkum“ <b>",
                "body_name": "Stadtteilkonferenz Westen",
                "starts_at": "2030-03-12T16:00:00Z",
                "ends_at": "2030-03-12T18:00:00Z",
                "timezone": "Europe/Berlin",
                "when": "12.03.2030, 17:00–19:00 Uhr",
                "location_text": "Stadtteilzentrum Pelkum",
                "online_url": None,
                "agenda": ["Jahresplan", "Verschiedenes"],
                "organiser_name": "Koordination Westen",
            },
            "name": "Claudia Müller",
            "cancelled": self.cancelled,
            "answer": self.answer,
            "answered_at": None,
            "expires_at": "2030-03-12T18:00:00Z",
        }

    def handler(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            return problem(503, "down")
        path = request.url.path
        if not path.startswith("/api/v1/answers/"):
            return problem(404, "Nicht gefunden.")
        if path.removeprefix("/api/v1/answers/") != TOKEN:
            return problem(403, FORGED_DETAIL)
        if request.method == "GET":
            return httpx.Response(200, json=self.doc())
        body = json.loads(request.content)
        self.posts.append(body)
        if self.cancelled:
            return problem(409, "Der Termin ist abgesagt. Eine Zu- oder Absage ist nicht mehr nötig.")
        self.answer = body["answer"]
        return httpx.Response(200, json=self.doc())


@pytest.fixture
def invitations() -> FakeInvitations:
    return FakeInvitations()


@pytest.fixture
async def web(registry, store, settings, invitations: FakeInvitations) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    app = build_app(
        settings,
        transports=Transports(
            registry=httpx.MockTransport(registry.handler), invitations=httpx.MockTransport(invitations.handler)
        ),
        auth_store=store,
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as c:
        yield c


async def test_the_page_shows_the_meeting_and_two_answers_without_login(web, structure, invitations) -> None:  # type: ignore[no-untyped-def]
    page = await web.get(f"/einladung/{TOKEN}")
    assert page.status_code == 200
    assert_accessible_page(page.text, structure)
    assert "Einladung: Stadtteilkonferenz „Wir in Pelkum“ &lt;b&gt;" in page.text  # escaped
    assert "12.03.2030, 17:00–19:00 Uhr" in page.text
    assert "Stadtteilzentrum Pelkum" in page.text
    assert "Guten Tag Claudia Müller," in page.text
    assert "Sie haben noch nicht geantwortet." in page.text
    assert 'value="zusage"' in page.text and 'value="absage"' in page.text
    assert csrf_from(page.text) == web.cookies.get("quartier_csrf")
    assert page.headers["cache-control"] == "no-store"


async def test_an_answer_is_sent_on_and_confirmed(web, structure, invitations) -> None:  # type: ignore[no-untyped-def]
    page = await web.get(f"/einladung/{TOKEN}")
    saved = await web.post(f"/einladung/{TOKEN}", data={"antwort": "zusage", "csrf_token": csrf_from(page.text)})
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/einladung/{TOKEN}?gespeichert=1"
    assert invitations.posts == [{"answer": "accept"}]
    done = await web.get(saved.headers["location"])
    assert "Vielen Dank! Ihre Zusage ist gespeichert." in done.text
    assert "Sie haben zugesagt." in done.text
    assert_accessible_page(done.text, structure)


async def test_without_the_csrf_token_nothing_is_sent(web, invitations) -> None:  # type: ignore[no-untyped-def]
    await web.get(f"/einladung/{TOKEN}")
    refused = await web.post(f"/einladung/{TOKEN}", data={"antwort": "zusage"})
    assert refused.status_code == 403
    wrong = await web.post(f"/einladung/{TOKEN}", data={"antwort": "zusage", "csrf_token": "x" * 30})
    assert wrong.status_code == 403
    assert invitations.posts == []


async def test_a_logged_in_visitor_answers_with_the_session_token(web, invitations) -> None:  # type: ignore[no-untyped-def]
    await login_as(web, "koordination.westen")
    page = await web.get(f"/einladung/{TOKEN}")
    saved = await web.post(f"/einladung/{TOKEN}", data={"antwort": "absage", "csrf_token": csrf_from(page.text)})
    assert saved.status_code == 303
    assert invitations.posts == [{"answer": "decline"}]


async def test_no_choice_is_asked_for_again(web, structure, invitations) -> None:  # type: ignore[no-untyped-def]
    page = await web.get(f"/einladung/{TOKEN}")
    again = await web.post(f"/einladung/{TOKEN}", data={"antwort": "vielleicht", "csrf_token": csrf_from(page.text)})
    assert again.status_code == 422
    assert "Bitte wählen Sie, ob Sie kommen oder nicht." in again.text
    assert_accessible_page(again.text, structure)
    assert invitations.posts == []


@pytest.mark.parametrize("token", ["v1.AAAA.BBBB", "%3Cscript%3E", "x" * 300])
async def test_a_forged_link_is_refused_in_german(web, structure, token: str) -> None:  # type: ignore[no-untyped-def]
    page = await web.get(f"/einladung/{token}")
    assert page.status_code == 403
    assert "Dieser Link ist ungültig" in page.text
    assert "<script>" not in page.text
    assert_accessible_page(page.text, structure)


async def test_a_cancelled_meeting_takes_no_answer(web, invitations) -> None:  # type: ignore[no-untyped-def]
    invitations.cancelled = True
    page = await web.get(f"/einladung/{TOKEN}")
    assert page.status_code == 200
    assert "Dieser Termin ist abgesagt." in page.text
    assert 'value="zusage"' not in page.text
    # a form still open in another tab
    late = await web.post(f"/einladung/{TOKEN}", data={"antwort": "zusage", "csrf_token": web.cookies["quartier_csrf"]})
    assert late.status_code == 409
    assert "abgesagt" in late.text


async def test_an_unreachable_service_is_said_plainly(web, invitations) -> None:  # type: ignore[no-untyped-def]
    invitations.down = True
    page = await web.get(f"/einladung/{TOKEN}")
    assert page.status_code == 503
    assert "Ihre Antwort kann gerade nicht angenommen werden." in page.text
