"""The Jahresplan pages through the whole ASGI stack, with a fake planning service (JSON and errors as in
services/planning/quartier_planning/api/plans.py) and the fake registry of conftest.py."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from quartier_gateway.app import build_app
from quartier_gateway.domain import Principal, Role
from quartier_gateway.planning_client import PlanningClient
from quartier_gateway.plans_rules import (
    answer_text,
    event_name,
    german_date,
    may_edit_measures,
    may_read_plan,
    may_record_needs,
    open_counts,
    runs_cycle,
    state_name,
    visible_area_keys,
)

from .conftest import csrf_from, hamm_social_areas, login_as
from .test_pages import assert_accessible_page

ACTOR = "3f2a7c1e-8a4b-5d6e-9f00-aaaaaaaaaaaa"
YEAR = 2031


class FakePlanning:
    def __init__(self) -> None:
        self.plans: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str, Any, str | None]] = []
        self.areas = {a["key"]: a for a in hamm_social_areas()}

    def add(self, key: str, year: int = YEAR, state: str = "draft") -> dict[str, Any]:
        plan = {
            "id": str(uuid.uuid4()),
            "social_area_key": key,
            "year": year,
            "state": state,
            "measures": [],
            "hearings": [],
            "needs": [],
            "history": [
                {
                    "version": 1,
                    "event_type": "quartier.planning.PlanDrafted.v1",
                    "actor": "t",
                    "changed_at": "2030-09-01T10:00:00Z",
                }
            ],
        }
        self.plans[plan["id"]] = plan
        return plan

    @staticmethod
    def refuse(status: int, detail: str) -> httpx.Response:
        return httpx.Response(status, json={"detail": detail})

    def handler(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        actor = request.headers.get("x-quartier-actor")
        self.calls.append((request.method, request.url.path, body, actor))
        parts = request.url.path.strip("/").split("/")[2:]
        if parts == ["plans"] and request.method == "GET":
            year = request.url.params.get("year")
            return httpx.Response(200, json=[p for p in self.plans.values() if not year or str(p["year"]) == year])
        if parts == ["plans"]:
            if any(
                p["social_area_key"] == body["social_area_key"] and p["year"] == body["year"]
                for p in self.plans.values()
            ):
                return self.refuse(409, "Für diesen Sozialraum gibt es im Jahr schon einen Plan.")
            return httpx.Response(201, json=self.add(body["social_area_key"], body["year"]))
        plan = self.plans.get(parts[1]) if len(parts) > 1 else None
        if plan is None:
            return self.refuse(404, "Diesen Plan gibt es nicht.")
        rest = parts[2:]
        if not rest:
            return httpx.Response(200, json=plan)
        if rest == ["measures"]:
            if plan["state"] != "draft":
                return self.refuse(409, "Maßnahmen können nur im Entwurf hinzugefügt werden.")
            if not body["starts_on"].startswith(str(plan["year"])):
                return self.refuse(422, f"starts_on: Der Zeitraum muss im Planjahr {plan['year']} liegen.")
            plan["measures"].append({"id": str(uuid.uuid4()), "spec": body})
            return httpx.Response(201, json=plan)
        if rest == ["present"]:
            if plan["state"] != "draft":
                return self.refuse(409, "Nur ein Entwurf kann vorgelegt werden.")
            if not plan["measures"]:
                return self.refuse(409, "Der Plan braucht mindestens eine Maßnahme, bevor er vorgelegt wird.")
            plan["state"] = "presented"
            plan["hearings"] = [
                {"district_key": d["key"], "district_name": d["name"], "closed": False}
                for d in self.areas[plan["social_area_key"]]["districts"]
            ]
            return httpx.Response(200, json=plan)
        if rest[0] == "hearings" and rest[2] == "needs":
            for n in body["needs"]:
                plan["needs"].append(
                    {"id": str(uuid.uuid4()), "district_key": rest[1], "text": n["text"], "answer": None}
                )
            return httpx.Response(201, json=plan)
        if rest[0] == "hearings" and rest[2] == "close":
            for h in plan["hearings"]:
                if h["district_key"] == rest[1]:
                    h["closed"] = True
            return httpx.Response(200, json=plan)
        if rest[0] == "needs":
            for n in plan["needs"]:
                if n["id"] == rest[1]:
                    n["answer"] = {"measure_id": None, "forwarded_to": None, "reason": None, **body}
            return httpx.Response(200, json=plan)
        if rest == ["finalize"]:
            open_ = [h["district_name"] for h in plan["hearings"] if not h["closed"]]
            if open_:
                return self.refuse(
                    409,
                    f"Erst final, wenn alle Anhörungen geschlossen sind; offen: {', '.join(open_)}.",
                )
            plan["state"] = "final"
            return httpx.Response(200, json=plan)
        return self.refuse(404, "Nicht gefunden.")


@pytest.fixture
def planning() -> FakePlanning:
    return FakePlanning()


@pytest.fixture
async def pclient(registry, store, settings, planning) -> AsyncIterator[httpx.AsyncClient]:
    registry.offers.actors = [
        {"id": ACTOR, "name": "Stadtteilbüro Westen", "withdrawn": False},
        {"id": str(uuid.uuid4()), "name": "Alter Verein", "withdrawn": True},
    ]
    app = build_app(settings, registry_transport=httpx.MockTransport(registry.handler), auth_store=store)
    app.state.planning_client = PlanningClient("http://planning.test", transport=httpx.MockTransport(planning.handler))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as c:
        yield c


def writes(planning: FakePlanning) -> list[tuple[str, str, Any, str | None]]:
    return [c for c in planning.calls if c[0] != "GET"]


async def post(client: httpx.AsyncClient, page: str, action: str, data: dict[str, str] | None = None) -> httpx.Response:
    token = csrf_from((await client.get(page)).text)
    return await client.post(action, data={"csrf_token": token, **(data or {})})


def measure_form(**changes: str) -> dict[str, str]:
    return {
        "title": "Elterncafé",
        "description": "Wöchentlich",
        "field_of_action": "Quartiersmanagement",
        "responsible_actor_id": ACTOR,
        "starts_on": f"{YEAR}-02-01",
        "ends_on": f"{YEAR}-11-30",
        "place": "zentrum",
        **changes,
    }


# --- rules ---------------------------------------------------------------------------------------------

COORD = Principal("koordination.westen", "K", Role.AREA_COORDINATOR, social_area_key="westen")
PELKUM = Principal("bezirk.pelkum", "B", Role.COUNCIL_MEMBER, district_key="pelkum")
STEERING = Principal("lenkungskreis", "L", Role.STEERING_COMMITTEE)
ADMIN = Principal("admin", "A", Role.ADMIN)


def test_who_may_read():
    westen = ["mitte", "pelkum", "herringen"]
    assert may_read_plan(COORD, "westen", westen) and not may_read_plan(COORD, "norden", ["heessen"])
    assert may_read_plan(PELKUM, "westen", westen) and not may_read_plan(PELKUM, "norden", ["heessen"])
    assert may_read_plan(STEERING, "norden", []) and may_read_plan(ADMIN, "norden", [])
    assert not may_read_plan(None, "westen", westen)
    assert visible_area_keys(PELKUM, {"westen": westen, "norden": ["heessen"], "pelkum": ["pelkum"]}) == [
        "westen",
        "pelkum",
    ]


def test_who_runs_the_cycle():
    assert runs_cycle(COORD, "westen")
    for p in (PELKUM, STEERING, ADMIN, None):
        assert not runs_cycle(p, "westen")
    assert not runs_cycle(COORD, "norden")
    assert may_edit_measures(COORD, "westen", "draft") and not may_edit_measures(COORD, "westen", "presented")


def test_who_records_needs():
    open_pelkum = {"district_key": "pelkum", "closed": False}
    assert may_record_needs(PELKUM, open_pelkum, "presented")
    assert not may_record_needs(PELKUM, {"district_key": "pelkum", "closed": True}, "presented")
    assert not may_record_needs(PELKUM, {"district_key": "mitte", "closed": False}, "presented")
    assert not may_record_needs(PELKUM, open_pelkum, "final")
    assert not may_record_needs(COORD, open_pelkum, "presented")
    assert not may_record_needs(STEERING, open_pelkum, "presented")


def test_answer_texts_and_names():
    titles = {"m1": "Elterncafé"}
    assert answer_text(None, titles) == "Noch nicht beantwortet"
    assert answer_text({"kind": "taken_into_plan", "measure_id": "m1"}, titles) == (
        "In den Plan übernommen: Maßnahme „Elterncafé“"
    )
    assert answer_text({"kind": "forwarded", "forwarded_to": "Jugendamt"}, titles) == "Weitergeleitet an Jugendamt"
    assert answer_text({"kind": "not_possible", "reason": "Kein Raum"}, titles) == "Nicht möglich: Kein Raum"
    assert [
        state_name(s) for s in ("draft", "presented", "final", "in_progress", "mid_year_reviewed", "evaluated")
    ] == [
        "Entwurf",
        "vorgelegt",
        "final",
        "in Umsetzung",
        "Halbjahresbilanz gezogen",
        "ausgewertet",
    ]
    plan = {"hearings": [{"closed": False}, {"closed": True}], "needs": [{"answer": None}, {"answer": {"kind": "x"}}]}
    assert open_counts(plan) == (1, 1)


def test_history_and_dates_in_german():
    assert event_name("quartier.planning.PlanDrafted.v1") == "Entwurf angelegt"
    assert event_name("quartier.planning.NeedAnswered.v1") == "Bedarf beantwortet"
    assert event_name("Unbekannt") == "Unbekannt"
    assert german_date("2027-02-01") == "01.02.2027"
    assert german_date("2026-11-25T13:44:31Z") == "25.11.2026"
    assert german_date(None) == ""


async def test_only_the_next_step_is_offered(pclient, planning):
    plan = planning.add("westen")
    url = f"/jahresplaene/{plan['id']}"
    await login_as(pclient, "koordination.westen")
    html = (await pclient.get(url)).text
    assert "Plan vorlegen" in html and "Plan final machen" not in html
    assert "01.09.2030: Entwurf angelegt" in html
    plan["state"] = "presented"
    html = (await pclient.get(url)).text
    assert "Plan vorlegen" not in html and "Plan final machen" in html
    plan["state"] = "evaluated"
    html = (await pclient.get(url)).text
    assert "ausgewertet" in html and "schritt/" not in html


# --- pages ---------------------------------------------------------------------------------------------


async def test_steering_committee_sees_all_nine_areas(pclient, planning, structure):
    planning.add("westen", state="presented")
    await login_as(pclient, "lenkungskreis")
    response = await pclient.get(f"/jahresplaene?jahr={YEAR}")
    assert response.status_code == 200, response.text
    assert_accessible_page(response.text, structure)
    assert response.text.count('<tr class="kern-table__row">') == 1 + 9
    assert "vorgelegt" in response.text and "Noch kein Plan" in response.text
    assert "anlegen" not in response.text, "the steering committee reads only"
    assert 'href="/jahresplaene"' in response.text and "Jahrespläne" in response.text


async def test_council_member_sees_areas_of_their_district(pclient, planning):
    await login_as(pclient, "bezirk.mitte")
    html = (await pclient.get(f"/jahresplaene?jahr={YEAR}")).text
    rows = html.count('<tr class="kern-table__row">') - 1
    mitte_areas = [a for a in hamm_social_areas() if "mitte" in [d["key"] for d in a["districts"]]]
    assert rows == len(mitte_areas) and "Westen" in html


async def test_coordinator_creates_adds_presents(pclient, planning, structure):
    await login_as(pclient, "koordination.westen")
    html = (await pclient.get(f"/jahresplaene?jahr={YEAR}")).text
    assert html.count('<tr class="kern-table__row">') == 2 and "anlegen" in html
    created = await post(
        pclient, f"/jahresplaene?jahr={YEAR}", "/jahresplaene", {"social_area_key": "westen", "year": str(YEAR)}
    )
    assert created.status_code == 303
    plan_url = created.headers["location"].split("?")[0]
    plan_id = plan_url.rsplit("/", 1)[1]
    page = await pclient.get(plan_url)
    assert_accessible_page(page.text, structure)
    assert "Entwurf" in page.text and "Maßnahme hinzufügen" in page.text
    assert "Alter Verein" not in page.text, "withdrawn actors are not offered"

    added = await post(pclient, plan_url, f"{plan_url}/massnahmen", measure_form())
    assert added.status_code == 303
    presented = await post(pclient, plan_url, f"{plan_url}/schritt/present")
    assert presented.status_code == 303
    html = (await pclient.get(plan_url)).text
    assert "vorgelegt" in html and "Elterncafé" in html and "Stadtteilbüro Westen" in html
    for name in ("Hamm-Mitte", "Hamm-Pelkum", "Hamm-Herringen"):
        assert f"Bezirksvertretung {name}" in html
    actors = {c[3] for c in writes(planning)}
    assert actors == {"koordination.westen"}
    assert planning.plans[plan_id]["measures"][0]["spec"]["at_community_centre"] is True


async def test_measure_errors_are_shown_at_their_fields(pclient, planning, structure):
    plan = planning.add("westen")
    url = f"/jahresplaene/{plan['id']}"
    await login_as(pclient, "koordination.westen")
    response = await post(pclient, url, f"{url}/massnahmen", measure_form(title="", ends_on="kein Datum"))
    assert response.status_code == 422
    assert_accessible_page(response.text, structure)
    assert "Bitte geben Sie einen Titel an." in response.text and 'href="#title"' in response.text
    assert 'aria-describedby="ends_on-fehler"' in response.text
    assert not writes(planning), "nothing reaches planning with local errors"
    refused = await post(pclient, url, f"{url}/massnahmen", measure_form(starts_on="2030-01-01"))
    assert refused.status_code == 422
    assert "Der Zeitraum muss im Planjahr 2031 liegen." in refused.text
    assert 'id="starts_on-fehler"' in refused.text
    assert 'value="Elterncafé"' in refused.text, "the input is kept"


async def test_council_records_need_and_coordinator_answers(pclient, planning):
    plan = planning.add("westen")
    plan["measures"].append({"id": "m1", "spec": measure_form()})
    plan["state"] = "presented"
    plan["hearings"] = [
        {"district_key": "mitte", "district_name": "Hamm-Mitte", "closed": False},
        {"district_key": "pelkum", "district_name": "Hamm-Pelkum", "closed": False},
    ]
    url = f"/jahresplaene/{plan['id']}"
    await login_as(pclient, "bezirk.mitte")
    html = (await pclient.get(url)).text
    assert f'action="{url}/anhoerungen/mitte/bedarfe"' in html
    assert f'action="{url}/anhoerungen/pelkum/bedarfe"' not in html
    assert "schritt/" not in html
    recorded = await post(pclient, url, f"{url}/anhoerungen/mitte/bedarfe", {"text": "Spielplatz am Park"})
    assert recorded.status_code == 303
    denied = await post(pclient, url, f"{url}/anhoerungen/pelkum/bedarfe", {"text": "x"})
    assert denied.status_code == 403 and "Berechtigung" in denied.text
    empty = await post(pclient, url, f"{url}/anhoerungen/mitte/bedarfe", {"text": " "})
    assert empty.status_code == 422 and "Bitte beschreiben Sie den Bedarf." in empty.text
    need = plan["needs"][0]
    assert need["district_key"] == "mitte" and writes(planning)[0][3] == "bezirk.mitte"

    pclient.cookies.clear()
    await login_as(pclient, "koordination.westen")
    answered = await post(
        pclient, url, f"{url}/bedarfe/{need['id']}/antwort", {"kind": "forwarded", "detail": "Grünflächenamt"}
    )
    assert answered.status_code == 303
    html = (await pclient.get(url)).text
    assert "Weitergeleitet an Grünflächenamt" in html and "Soweit möglich berücksichtigt" in html


async def test_finalise_with_open_hearing_shows_the_refusal(pclient, planning, structure):
    plan = planning.add("westen", state="presented")
    plan["hearings"] = [{"district_key": "pelkum", "district_name": "Hamm-Pelkum", "closed": False}]
    url = f"/jahresplaene/{plan['id']}"
    await login_as(pclient, "koordination.westen")
    response = await post(pclient, url, f"{url}/schritt/finalize")
    assert response.status_code == 409
    assert_accessible_page(response.text, structure)
    assert "offen: Hamm-Pelkum" in response.text and 'role="alert"' in response.text
    closed = await post(pclient, url, f"{url}/anhoerungen/pelkum/schliessen")
    assert closed.status_code == 303
    assert (await post(pclient, url, f"{url}/schritt/finalize")).status_code == 303
    assert plan["state"] == "final"


@pytest.mark.parametrize("user", ["lenkungskreis", "admin", "bezirk.mitte"])
async def test_others_may_not_move_the_plan(pclient, planning, user):
    plan = planning.add("westen")
    url = f"/jahresplaene/{plan['id']}"
    await login_as(pclient, user)
    page = await pclient.get(url)
    assert page.status_code == 200 and "Maßnahme hinzufügen" not in page.text
    for action in (f"{url}/schritt/present", f"{url}/massnahmen", "/jahresplaene"):
        response = await post(pclient, url, action, {**measure_form(), "social_area_key": "westen", "year": "2031"})
        assert response.status_code == 403, action
    assert not writes(planning)


async def test_plans_outside_the_scope_are_refused(pclient, planning):
    plan = planning.add("norden")
    await login_as(pclient, "koordination.westen")
    assert (await pclient.get(f"/jahresplaene/{plan['id']}")).status_code == 403
    pclient.cookies.clear()
    await login_as(pclient, "bezirk.mitte")
    assert (await pclient.get(f"/jahresplaene/{plan['id']}")).status_code == 403


async def test_posts_need_the_csrf_token(pclient, planning):
    plan = planning.add("westen")
    await login_as(pclient, "koordination.westen")
    response = await pclient.post(f"/jahresplaene/{plan['id']}/schritt/present")
    assert response.status_code == 403
    assert not writes(planning)


async def test_anonymous_is_sent_to_login(pclient, planning):
    response = await pclient.get("/jahresplaene")
    assert response.status_code == 303 and response.headers["location"].startswith("/anmelden")
