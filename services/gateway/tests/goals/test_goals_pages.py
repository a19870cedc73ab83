"""The Steuerungsziele pages through the whole ASGI stack, with a fake planning service (JSON and errors as
in services/planning/quartier_planning/api/goals.py) and the fake registry of conftest.py; and the pure rules
of goals_rules.py."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from quartier_gateway.app import Transports, build_app
from quartier_gateway.auth.domain import Principal, Role
from quartier_gateway.goals.rules import (
    check_goal_form,
    form_values,
    goal_event_name,
    may_manage_goals,
    may_read_goals,
    validity_text,
)

from ..conftest import csrf_from, login_as, problem
from ..test_pages import assert_accessible_page

COORD = Principal("koordination.westen", "K", Role.AREA_COORDINATOR, social_area_key="westen")
MITTE = Principal("bezirk.mitte", "B", Role.COUNCIL_MEMBER, district_key="mitte")
STEERING = Principal("lenkungskreis", "L", Role.STEERING_COMMITTEE)
ADMIN = Principal("admin", "A", Role.ADMIN)
TODAY = dt.date(2026, 11, 25)


# --- rules ---------------------------------------------------------------------------------------------------


def test_who_may_read_and_manage_goals():
    for p in (COORD, MITTE, STEERING, ADMIN):
        assert may_read_goals(p)
    assert not may_read_goals(None)
    assert may_manage_goals(STEERING) and may_manage_goals(ADMIN)
    for p in (COORD, MITTE, None):
        assert not may_manage_goals(p)


def test_validity_and_history_in_german():
    assert validity_text({"valid_from_year": 2026, "valid_until_year": 2028}) == "2026–2028"
    assert validity_text({"valid_from_year": 2026, "valid_until_year": None}) == "ab 2026"
    assert validity_text({"valid_from_year": 2026, "valid_until_year": 2026}) == "2026"
    assert goal_event_name("quartier.planning.GoalDefined.v1") == "Steuerungsziel festgelegt"
    assert goal_event_name("quartier.planning.GoalRetired.v1") == "Steuerungsziel zurückgezogen"


def goal_form(**changes: str) -> dict[str, str]:
    return {
        "title": "Teilhabe von Kindern stärken",
        "description": "Mehr Angebote für Kinder",
        "council_decision": "Vorlage 0123/24",
        "decided_on": "2024-03-12",
        "valid_from_year": "2025",
        "valid_until_year": "",
        **changes,
    }


def test_goal_form_check():
    ok = check_goal_form(goal_form(decided_on="12.03.2024"), TODAY)
    assert ok.errors == {}
    assert ok.payload == {
        "title": "Teilhabe von Kindern stärken",
        "description": "Mehr Angebote für Kinder",
        "council_decision": "Vorlage 0123/24",
        "decided_on": "2024-03-12",
        "valid_from_year": 2025,
        "valid_until_year": None,
    }
    bad = check_goal_form(
        goal_form(title="", council_decision="", decided_on="2027-01-01", valid_from_year="20x", valid_until_year="1"),
        TODAY,
    )
    assert bad.errors == {
        "title": "Bitte geben Sie einen Titel an.",
        "council_decision": "Bitte nennen Sie den Ratsbeschluss, zum Beispiel „Vorlage 0123/24“.",
        "decided_on": "Das Datum darf nicht in der Zukunft liegen.",
        "valid_from_year": "Bitte geben Sie das erste Jahr als vierstellige Zahl an, zum Beispiel 2027.",
        "valid_until_year": "1 ist kein gültiges Jahr (zwischen 2000 und 2100).",
    }
    backwards = check_goal_form(goal_form(valid_from_year="2027", valid_until_year="2026"), TODAY)
    assert backwards.errors == {"valid_until_year": "Das letzte Jahr darf nicht vor dem ersten liegen."}
    assert check_goal_form(goal_form(decided_on=""), TODAY).errors == {
        "decided_on": "Bitte geben Sie an, wann der Rat beschlossen hat (TT.MM.JJJJ)."
    }
    assert check_goal_form(goal_form(decided_on="morgen"), TODAY).errors == {
        "decided_on": "Bitte geben Sie das Datum als TT.MM.JJJJ an."
    }
    values = form_values({**ok.payload, "id": "g", "version": 3, "valid_until_year": 2028})
    assert values["valid_until_year"] == "2028" and values["version"] == "3" and values["decided_on"] == "2024-03-12"


# --- the fake planning service -----------------------------------------------------------------------------


class FakePlanning:
    """Planning's goals API in memory: If-Match on PUT (a stale version is a 409), unique titles (422)."""

    def __init__(self) -> None:
        self.goals: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str, Any, str | None, str | None]] = []

    def add(self, title: str = "Bildung im Quartier", **changes: Any) -> dict[str, Any]:
        goal = {
            "id": str(uuid.uuid4()),
            "title": title,
            "description": "",
            "council_decision": "Vorlage 0001/25",
            "decided_on": "2025-02-01",
            "valid_from_year": 2025,
            "valid_until_year": 2028,
            "retired": False,
            "retired_reason": None,
            "version": 1,
            "history": [
                {
                    "version": 1,
                    "event_type": "quartier.planning.GoalDefined.v1",
                    "actor": "lenkungskreis",
                    "changed_at": "2025-02-03T08:00:00+00:00",
                }
            ],
            "measures": [],
            **changes,
        }
        self.goals[goal["id"]] = goal
        return goal

    @staticmethod
    def refuse(status: int, detail: str, field: str | None = None) -> httpx.Response:
        return problem(status, detail, field)

    def summary(self, goal: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in goal.items() if k not in ("history", "measures")}

    def handler(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        actor = request.headers.get("x-quartier-actor")
        self.calls.append((request.method, request.url.path, body, actor, request.headers.get("if-match")))
        parts = request.url.path.strip("/").split("/")[2:]
        if parts == ["goals"] and request.method == "GET":
            retired = request.url.params.get("include_retired") == "true"
            year = int(request.url.params.get("year", 0))
            return httpx.Response(
                200,
                json=[
                    self.summary(g)
                    for g in self.goals.values()
                    if (retired or not g["retired"])
                    and (not year or g["valid_from_year"] <= year <= (g["valid_until_year"] or 9999))
                ],
            )
        if parts == ["goals"]:
            if any(g["title"] == body["title"] for g in self.goals.values()):
                return self.refuse(422, f"Ein Steuerungsziel „{body['title']}“ gibt es bereits.", field="title")
            goal = self.add(**body)
            return httpx.Response(201, json=self.summary(goal))
        goal = self.goals.get(parts[1])
        if goal is None:
            return self.refuse(404, f"Steuerungsziel {parts[1]} ist nicht bekannt.")
        if len(parts) == 2 and request.method == "GET":
            return httpx.Response(200, json=goal)
        if goal["retired"]:
            return self.refuse(409, f"Das Steuerungsziel „{goal['title']}“ ist bereits zurückgezogen.")
        if len(parts) == 2 and request.method == "PUT":
            expected = request.headers.get("if-match")
            if expected is not None and int(expected) != goal["version"]:
                return self.refuse(
                    409,
                    f"Das Steuerungsziel „{goal['title']}“ wurde inzwischen geändert (Version {goal['version']}, "
                    f"Ihre Fassung: {expected}); bitte laden Sie es neu und wiederholen Sie die Änderung.",
                )
            goal.update(body, version=goal["version"] + 1)
            return httpx.Response(200, json=self.summary(goal))
        if parts[2:] == ["retire"]:
            goal.update(retired=True, retired_reason=body["reason"], version=goal["version"] + 1)
            return httpx.Response(200, json=self.summary(goal))
        return self.refuse(404, "Nicht gefunden.")


@pytest.fixture
def planning() -> FakePlanning:
    return FakePlanning()


@pytest.fixture
async def gclient(registry, store, settings, planning) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(
        settings,
        transports=Transports(
            registry=httpx.MockTransport(registry.handler), planning=httpx.MockTransport(planning.handler)
        ),
        auth_store=store,
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as c:
        yield c


def writes(planning: FakePlanning) -> list[tuple[str, str, Any, str | None, str | None]]:
    return [c for c in planning.calls if c[0] != "GET"]


async def post(client: httpx.AsyncClient, page: str, action: str, data: dict[str, str] | None = None) -> httpx.Response:
    token = csrf_from((await client.get(page)).text)
    return await client.post(action, data={"csrf_token": token, **(data or {})})


# --- pages -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["koordination.westen", "bezirk.mitte"])
async def test_every_staff_member_reads_the_goals_but_only_the_steering_committee_manages(
    gclient, planning, structure, user
):
    goal = planning.add(
        measures=[
            {"plan_id": "p1", "social_area_key": "westen", "year": 2027, "measure_id": "m1", "title": "Lernhilfe"}
        ]
    )
    planning.add("Altes Ziel", retired=True, retired_reason="Ersetzt")
    await login_as(gclient, user)
    page = await gclient.get("/steuerungsziele")
    assert page.status_code == 200
    assert_accessible_page(page.text, structure)
    assert "Bildung im Quartier" in page.text and "Altes Ziel" not in page.text
    assert "Vorlage 0001/25" in page.text and "01.02.2025" in page.text and "2025–2028" in page.text
    assert "/steuerungsziele/neu" not in page.text
    later = await gclient.get("/steuerungsziele?jahr=2030")
    assert "Im Jahr 2030 gilt kein Steuerungsziel." in later.text and 'value="2030"' in later.text
    assert "Bildung im Quartier" in (await gclient.get("/steuerungsziele?jahr=2027")).text
    every = await gclient.get("/steuerungsziele?alle=1")
    assert "Altes Ziel" in every.text and "zurückgezogen" in every.text
    detail = await gclient.get(f"/steuerungsziele/{goal['id']}")
    assert detail.status_code == 200
    assert_accessible_page(detail.text, structure)
    assert (
        'href="/jahresplaene/p1"' in detail.text
        and "Lernhilfe" in detail.text
        and "Sozialraum Hammer Westen" in detail.text
    )
    assert "03.02.2025, 09:00 Uhr: Steuerungsziel festgelegt (lenkungskreis, Fassung 1)" in detail.text
    assert "Steuerungsziel ändern" not in detail.text and "zurueckziehen" not in detail.text
    assert (await gclient.get("/steuerungsziele/neu")).status_code == 403
    for action in ("/steuerungsziele/neu", f"/steuerungsziele/{goal['id']}/aendern"):
        response = await post(gclient, "/steuerungsziele", action, {**goal_form(), "version": "1"})
        assert response.status_code == 403, action
    retire = await post(gclient, "/steuerungsziele", f"/steuerungsziele/{goal['id']}/zurueckziehen", {"reason": "x"})
    assert retire.status_code == 403
    assert not writes(planning)


async def test_steering_committee_defines_a_goal(gclient, planning, structure):
    await login_as(gclient, "lenkungskreis")
    page = await gclient.get("/steuerungsziele/neu")
    assert page.status_code == 200
    assert_accessible_page(page.text, structure)
    created = await post(gclient, "/steuerungsziele/neu", "/steuerungsziele/neu", goal_form())
    assert created.status_code == 303
    (call,) = writes(planning)
    assert call[1] == "/api/v1/goals" and call[3] == "lenkungskreis"
    assert call[2]["valid_from_year"] == 2025 and call[2]["valid_until_year"] is None
    detail = await gclient.get(created.headers["location"])
    assert "Das Steuerungsziel ist festgelegt." in detail.text and "ab 2025" in detail.text
    assert "12.03.2024" in detail.text


async def test_goal_errors_are_german_and_keep_the_input(gclient, planning, structure):
    planning.add("Bildung im Quartier")
    await login_as(gclient, "admin")
    response = await post(
        gclient, "/steuerungsziele/neu", "/steuerungsziele/neu", goal_form(title="", valid_from_year="zwei")
    )
    assert response.status_code == 422
    assert_accessible_page(response.text, structure)
    assert 'href="#title"' in response.text and "Bitte geben Sie einen Titel an." in response.text
    assert 'id="valid_from_year-fehler"' in response.text
    assert 'value="Vorlage 0123/24"' in response.text, "the input is kept"
    assert not writes(planning)
    refused = await post(
        gclient, "/steuerungsziele/neu", "/steuerungsziele/neu", goal_form(title="Bildung im Quartier")
    )
    assert refused.status_code == 422
    assert "Ein Steuerungsziel „Bildung im Quartier“ gibt es bereits." in refused.text
    assert 'id="title-fehler"' in refused.text


async def test_change_with_if_match_and_a_stale_edit(gclient, planning, structure):
    goal = planning.add()
    url = f"/steuerungsziele/{goal['id']}"
    await login_as(gclient, "lenkungskreis")
    page = await gclient.get(url)
    assert 'name="version" value="1"' in page.text and 'value="Bildung im Quartier"' in page.text
    changed = await post(gclient, url, f"{url}/aendern", {**goal_form(title="Bildung für alle"), "version": "1"})
    assert changed.status_code == 303 and changed.headers["location"] == f"{url}?gespeichert=geaendert"
    assert writes(planning)[0][0] == "PUT" and writes(planning)[0][4] == "1"
    assert goal["title"] == "Bildung für alle" and goal["version"] == 2

    # someone else's change came in between: version 1 is stale now
    stale = await post(gclient, url, f"{url}/aendern", {**goal_form(title="Meine Fassung"), "version": "1"})
    assert stale.status_code == 409
    assert_accessible_page(stale.text, structure)
    assert "wurde inzwischen geändert (Version 2, Ihre Fassung: 1)" in stale.text
    assert 'value="Meine Fassung"' in stale.text, "the input is kept"
    assert 'name="version" value="2"' in stale.text, "saving again deliberately replaces the current version"
    assert "Oben sehen Sie die aktuelle Fassung." in stale.text
    assert goal["title"] == "Bildung für alle"

    errors = await post(gclient, url, f"{url}/aendern", {**goal_form(decided_on="x"), "version": "2"})
    assert errors.status_code == 422 and "Bitte geben Sie das Datum als TT.MM.JJJJ an." in errors.text
    assert len(writes(planning)) == 2


async def test_retire_with_a_reason(gclient, planning):
    goal = planning.add()
    url = f"/steuerungsziele/{goal['id']}"
    await login_as(gclient, "admin")
    missing = await post(gclient, url, f"{url}/zurueckziehen", {"reason": ""})
    assert missing.status_code == 422
    assert "Bitte begründen Sie, warum das Steuerungsziel zurückgezogen wird." in missing.text
    retired = await post(gclient, url, f"{url}/zurueckziehen", {"reason": "Durch Ratsbeschluss ersetzt"})
    assert retired.status_code == 303
    html = (await gclient.get(retired.headers["location"])).text
    assert "Das Steuerungsziel ist zurückgezogen." in html and "Durch Ratsbeschluss ersetzt" in html
    assert "Steuerungsziel ändern" not in html, "a withdrawn goal is not changed any more"
    again = await post(gclient, "/steuerungsziele", f"{url}/zurueckziehen", {"reason": "nochmal"})
    assert again.status_code == 409 and "bereits zurückgezogen" in again.text


async def test_unknown_goals_and_anonymous(gclient, planning):
    anonymous = await gclient.get("/steuerungsziele")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/anmelden")
    await login_as(gclient, "lenkungskreis")
    assert (await gclient.get(f"/steuerungsziele/{uuid.uuid4()}")).status_code == 404
    assert (await gclient.get("/steuerungsziele/kein-ziel")).status_code == 404
    goal = planning.add()
    response = await gclient.post(f"/steuerungsziele/{goal['id']}/zurueckziehen", data={"reason": "x"})
    assert response.status_code == 403, "no CSRF token"
    assert not writes(planning)
