"""The Jahresplan pages through the whole ASGI stack, with a fake planning service (JSON and errors as in
services/planning/quartier_planning/api/plans.py) and the fake registry of conftest.py."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from quartier_gateway.app import Transports, build_app
from quartier_gateway.auth.db.repository import AccountRecord
from quartier_gateway.auth.domain import Principal, Role
from quartier_gateway.plans.rules import (
    answer_text,
    event_name,
    may_edit_measures,
    may_read_plan,
    may_record_needs,
    open_counts,
    runs_cycle,
    state_name,
    visible_area_keys,
)
from quartier_gateway.web.format import german_date

from ..conftest import OFFER_WESTEN, csrf_from, hamm_social_areas, login_as, password_hash, problem
from ..test_pages import assert_accessible_page

ACTOR = "3f2a7c1e-8a4b-5d6e-9f00-aaaaaaaaaaaa"
MEMBER_ACTOR = "82a58d0f-dbb7-5018-bd07-0490e813d5f2"
GOAL = "9d7e0c55-1111-4222-8333-444455556666"
WITHDRAWN_OFFER = "99999999-9999-4999-8999-999999999999"
MEMBER_PASSWORD = "runde-passwort-1"
YEAR = 2031


class FakePlanning:
    def __init__(self) -> None:
        self.plans: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str, Any, str | None]] = []
        self.areas = {a["key"]: a for a in hamm_social_areas()}
        self.goals: list[dict[str, Any]] = [
            {"id": GOAL, "title": "Stärkung der Teilhabe", "retired": False},
            {"id": str(uuid.uuid4()), "title": "Altes Ziel", "retired": True},
        ]
        self.board: list[dict[str, Any]] = []
        self.deadlines: dict[str, dict[str, Any]] = {}
        self.comparisons: list[tuple[str, str]] = []

    def add(self, key: str, year: int = YEAR, state: str = "draft") -> dict[str, Any]:
        plan = {
            "id": str(uuid.uuid4()),
            "social_area_key": key,
            "year": year,
            "state": state,
            "measures": [],
            "hearings": [],
            "needs": [],
            "version": 1,
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
    def refuse(status: int, detail: str, field: str | None = None) -> httpx.Response:
        return problem(status, detail, field)

    def handler(self, request: httpx.Request) -> httpx.Response:
        response = self._handle(request)
        if request.method != "GET" and response.status_code < 300:
            for plan in self.plans.values():  # a write makes a new version, as in planning
                if plan["id"] in request.url.path:
                    plan["version"] += 1
                    plan["history"].append(
                        {"version": plan["version"], "event_type": "x", "actor": "t", "changed_at": "2030-10-01"}
                    )
        return response

    def _handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        actor = request.headers.get("x-quartier-actor")
        self.calls.append((request.method, request.url.path, body, actor))
        parts = request.url.path.strip("/").split("/")[2:]
        if parts == ["goals"]:
            return httpx.Response(200, json=self.goals)
        if parts == ["deadlines"]:
            return httpx.Response(200, json=self.board)
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
        if request.headers.get("if-match") and request.headers["if-match"] != str(plan["version"]):
            return self.refuse(
                409,
                f"Der Plan wurde inzwischen geändert (Version {plan['version']}, Ihre Fassung: "
                f"{request.headers['if-match']}); bitte laden Sie ihn neu und wiederholen Sie die Änderung.",
            )
        if rest[0] == "measures" and len(rest) == 2:
            measure = next((m for m in plan["measures"] if m["id"] == rest[1]), None)
            if measure is None:
                return self.refuse(404, "Maßnahme unbekannt.")
            if plan["state"] not in ("draft", "presented"):
                return self.refuse(409, "Maßnahmen eines finalen Plans ändern sich nur in der Halbjahresbilanz.")
            if request.method == "DELETE":
                plan["measures"].remove(measure)
            else:
                if body.get("offer_ids") and body["offer_ids"][0] == WITHDRAWN_OFFER:
                    return self.refuse(422, "Angebot „Altes Angebot“ ist zurückgezogen.", field="offer_ids")
                measure["spec"] = body
            return httpx.Response(200, json=plan)
        if rest == ["deadlines"]:
            return httpx.Response(200, json=self.deadlines.get(plan["id"], {"next_deadline": None, "overdue": []}))
        if rest == ["compare"]:
            self.comparisons.append((request.url.params["from"], request.url.params["to"]))
            return httpx.Response(200, json=self.compare(plan, request.url.params))
        if rest[0] == "needs" and rest[-1] == "trace":
            need = next(n for n in plan["needs"] if n["id"] == rest[1])
            return httpx.Response(200, json=self.trace(plan, need))
        if rest == ["mid-year-review"]:
            if plan["state"] != "in_progress":
                return self.refuse(409, "Die Halbjahresbilanz folgt auf den Start der Umsetzung.")
            for entry in body["entries"]:
                if entry["decision"] == "added":
                    plan["measures"].append(
                        {
                            "id": str(uuid.uuid4()),
                            "spec": entry["measure"],
                            "review": "added",
                            "review_reason": entry["reason"],
                        }
                    )
                    continue
                m = next(m for m in plan["measures"] if m["id"] == entry["measure_id"])
                m.update(review=entry["decision"], review_reason=entry["reason"])
                if entry["decision"] == "changed":
                    m["spec"] = entry["measure"]
            plan["state"] = "mid_year_reviewed"
            return httpx.Response(200, json=plan)
        if rest == ["evaluate"]:
            for entry in body["entries"]:
                m = next(m for m in plan["measures"] if m["id"] == entry["measure_id"])
                m.update(
                    outcome=entry["outcome"],
                    indicators_reached=entry["indicators_reached"],
                    lessons=entry["lessons"] or None,
                )
            plan["state"] = "evaluated"
            return httpx.Response(200, json=plan)
        if rest == ["carry-over"]:
            if plan.get("carried_over_to"):
                return self.refuse(409, "Die offenen Maßnahmen dieses Plans wurden bereits übertragen.")
            target = self.add(plan["social_area_key"], plan["year"] + 1)
            target["carried_from"] = plan["id"]
            for m in plan["measures"]:
                if m.get("outcome") in ("partly", "not_done"):
                    target["measures"].append({"id": str(uuid.uuid4()), "spec": m["spec"], "carried_from": m["id"]})
            plan["carried_over_to"] = target["id"]
            return httpx.Response(200, json={"plan": plan, "next_plan": target})
        if rest == ["measures"]:
            if plan["state"] != "draft":
                return self.refuse(409, "Maßnahmen können nur im Entwurf hinzugefügt werden.")
            if not body["starts_on"].startswith(str(plan["year"])):
                return self.refuse(422, f"Der Zeitraum muss im Planjahr {plan['year']} liegen.", field="starts_on")
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
        if rest[0] == "needs" and rest[-1] == "answer":
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

    @staticmethod
    def compare(plan: dict[str, Any], params: Any) -> dict[str, Any]:
        return {
            "plan_id": plan["id"],
            "from": int(params["from"]),
            "to": int(params["to"]),
            "state": {"from": "draft", "to": "presented"},
            "measures": {
                "added": [{"id": "n1", "title": "Sprachcafé"}],
                "removed": [{"id": "r1", "title": "Skatrunde"}],
                "changed": [
                    {
                        "id": "c1",
                        "title": "Elterncafé",
                        "fields": [
                            {"field": "ends_on", "before": f"{YEAR}-11-30", "after": f"{YEAR}-10-31"},
                            {"field": "responsible_actor_id", "before": MEMBER_ACTOR, "after": ACTOR},
                        ],
                    }
                ],
            },
            "hearings": [{"district_key": "pelkum", "district_name": "Hamm-Pelkum", "before": None, "after": "offen"}],
            "needs": {
                "added": [{"id": "x", "district_key": "pelkum", "text": "Spielplatz"}],
                "answered": [{"id": "y", "text": "Bank am Markt", "kind": "forwarded"}],
            },
        }

    @staticmethod
    def trace(plan: dict[str, Any], need: dict[str, Any]) -> dict[str, Any]:
        answer = need.get("answer") or {}
        out: dict[str, Any] = {
            "need": {"id": need["id"], "title": need["text"], "status": "open", "district_key": need["district_key"]},
            "where": None,
            "measure_state": None,
            "measure_review": None,
            "evaluation": None,
        }
        if answer.get("kind") == "taken_into_plan":
            m = next(m for m in plan["measures"] if m["id"] == answer["measure_id"])
            out["need"]["status"] = "taken_into_plan"
            out.update(
                where={
                    "plan_id": plan["id"],
                    "year": plan["year"],
                    "measure_id": m["id"],
                    "measure_title": m["spec"]["title"],
                },
                measure_state=plan["state"],
                measure_review=m.get("review"),
                evaluation={
                    "outcome": m["outcome"],
                    "indicators_reached": m.get("indicators_reached", []),
                    "lessons": m.get("lessons"),
                }
                if m.get("outcome")
                else None,
            )
        return out


@pytest.fixture
def planning() -> FakePlanning:
    return FakePlanning()


@pytest.fixture
async def pclient(registry, store, settings, planning) -> AsyncIterator[httpx.AsyncClient]:
    registry.offers.actors = [
        {"id": ACTOR, "name": "Stadtteilbüro Westen", "withdrawn": False},
        {"id": MEMBER_ACTOR, "name": "Jugendtreff Modellhaus", "withdrawn": False},
        {"id": str(uuid.uuid4()), "name": "Alter Verein", "withdrawn": True},
    ]
    store.accounts["runde.westen"] = AccountRecord(
        "runde.westen",
        "Robin Platzhalter",
        password_hash(MEMBER_PASSWORD),
        "coordination_member",
        "westen",
        None,
        True,
        uuid.UUID(MEMBER_ACTOR),
    )
    app = build_app(
        settings,
        transports=Transports(
            registry=httpx.MockTransport(registry.handler), planning=httpx.MockTransport(planning.handler)
        ),
        auth_store=store,
    )
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
    assert may_edit_measures(COORD, "westen", "draft") and may_edit_measures(COORD, "westen", "presented")
    assert not may_edit_measures(COORD, "westen", "final")


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


# --- measures with all their fields; the coordination round -------------------------------------------


def full_form(**changes: Any) -> dict[str, Any]:
    return {
        **measure_form(),
        "cross_cutting_themes": ["Inklusion", "Integration"],
        "target_groups": "Eltern\nKinder unter 6",
        "strategic_goals": ["Funktionierende Netzwerke bündeln die Ressourcen der Sozialräume."],
        "steering_goal_ids": [GOAL],
        "partner_actor_ids": [MEMBER_ACTOR],
        "planned_indicators": "20 Teilnehmende je Treffen",
        "offer_ids": [OFFER_WESTEN],
        **changes,
    }


async def login_member(client: httpx.AsyncClient) -> None:
    await login_as(client, "runde.westen", MEMBER_PASSWORD)


async def test_measure_with_all_fields_is_stored_and_shown(pclient, planning, structure):
    plan = planning.add("westen")
    url = f"/jahresplaene/{plan['id']}"
    await login_as(pclient, "koordination.westen")
    page = await pclient.get(url)
    assert_accessible_page(page.text, structure)
    assert "Stärkung der Teilhabe" in page.text and "Altes Ziel" not in page.text, "retired goals are not offered"
    assert "Sprachcafé International" in page.text and "Mittagstisch" not in page.text, "offers of Westen only"
    added = await post(pclient, url, f"{url}/massnahmen", full_form())
    assert added.status_code == 303, added.text
    spec = plan["measures"][0]["spec"]
    assert spec["target_groups"] == ["Eltern", "Kinder unter 6"]
    assert spec["steering_goal_ids"] == [GOAL] and spec["offer_ids"] == [OFFER_WESTEN]
    assert spec["partner_actor_ids"] == [MEMBER_ACTOR] and spec["cross_cutting_themes"] == ["Inklusion", "Integration"]
    html = (await pclient.get(url)).text
    for shown in (
        "Jugendtreff Modellhaus",
        "Sprachcafé International",
        "Stärkung der Teilhabe",
        "Inklusion, Integration",
        "20 Teilnehmende je Treffen",
        "Eltern, Kinder unter 6",
        "Stadtteilbüro Westen",
    ):
        assert shown in html, shown


async def test_a_round_member_adds_and_changes_only_their_own_measure(pclient, planning, structure):
    plan = planning.add("westen")
    plan["measures"].append({"id": str(uuid.uuid4()), "spec": {**measure_form(title="Fremde Maßnahme")}})
    url = f"/jahresplaene/{plan['id']}"
    await login_member(pclient)
    page = await pclient.get(url)
    assert page.status_code == 200
    assert_accessible_page(page.text, structure)
    assert "Maßnahme hinzufügen" in page.text and "Plan vorlegen" not in page.text
    assert 'name="responsible_actor_id"' not in page.text, "the member's actor is fixed"
    assert "Jugendtreff Modellhaus" in page.text
    other = plan["measures"][0]
    assert f"{url}/massnahmen/{other['id']}" not in page.text

    added = await post(
        pclient, url, f"{url}/massnahmen", full_form(title="Jugendtreff offen", responsible_actor_id=ACTOR)
    )
    assert added.status_code == 303
    own = plan["measures"][1]
    assert own["spec"]["responsible_actor_id"] == MEMBER_ACTOR, "the form fixes the member's own actor"
    html = (await pclient.get(url)).text
    assert f"{url}/massnahmen/{own['id']}" in html

    edit_url = f"{url}/massnahmen/{own['id']}"
    form_page = await pclient.get(edit_url)
    assert form_page.status_code == 200 and 'value="Jugendtreff offen"' in form_page.text
    assert_accessible_page(form_page.text, structure)
    assert f'name="version" value="{plan["version"]}"' in form_page.text
    changed = await post(
        pclient, edit_url, edit_url, full_form(title="Jugendtreff täglich", version=str(plan["version"]))
    )
    assert changed.status_code == 303, changed.text
    assert own["spec"]["title"] == "Jugendtreff täglich" and own["spec"]["responsible_actor_id"] == MEMBER_ACTOR

    before = len(writes(planning))
    for action in (f"{url}/massnahmen/{other['id']}", f"{url}/massnahmen/{other['id']}/entfernen"):
        assert (await pclient.get(action)).status_code == 403
        refused = await post(pclient, url, action, full_form(version=str(plan["version"])))
        assert refused.status_code == 403 and "Berechtigung" in refused.text
    for action in (f"{url}/schritt/present", f"{url}/anhoerungen/mitte/schliessen", f"{url}/uebertragen"):
        assert (await post(pclient, url, action)).status_code == 403
    assert len(writes(planning)) == before

    removed = await post(pclient, f"{edit_url}/entfernen", f"{edit_url}/entfernen", {"version": str(plan["version"])})
    assert removed.status_code == 303 and [m["id"] for m in plan["measures"]] == [other["id"]]
    assert writes(planning)[-1][0] == "DELETE"

    plan["state"] = "presented"
    html = (await pclient.get(url)).text
    assert "Maßnahme hinzufügen" not in html
    assert (await post(pclient, url, f"{url}/massnahmen", full_form())).status_code == 403


async def test_a_round_member_of_another_area_is_refused(pclient, planning):
    plan = planning.add("norden")
    await login_member(pclient)
    assert (await pclient.get(f"/jahresplaene/{plan['id']}")).status_code == 403
    html = (await pclient.get(f"/jahresplaene?jahr={YEAR}")).text
    assert html.count('<tr class="kern-table__row">') == 2 and "anlegen" not in html


async def test_a_stale_version_shows_the_conflict_and_keeps_the_input(pclient, planning, structure):
    plan = planning.add("westen", state="presented")
    measure = {"id": str(uuid.uuid4()), "spec": measure_form(responsible_actor_id=MEMBER_ACTOR)}
    plan["measures"].append(measure)
    url = f"/jahresplaene/{plan['id']}"
    edit_url = f"{url}/massnahmen/{measure['id']}"
    await login_as(pclient, "koordination.westen")
    form_page = await pclient.get(edit_url)
    assert 'name="version" value="1"' in form_page.text
    plan["version"] = 2  # somebody else saved meanwhile
    response = await post(pclient, edit_url, edit_url, full_form(title="Mein neuer Titel", version="1"))
    assert response.status_code == 409
    assert_accessible_page(response.text, structure)
    assert "Der Plan wurde inzwischen geändert" in response.text and 'id="ablehnung"' in response.text
    assert 'value="Mein neuer Titel"' in response.text, "the input is kept"
    assert measure["spec"]["title"] == "Elterncafé"
    put = [c for c in planning.calls if c[0] == "PUT"]
    assert len(put) == 1


async def test_planning_field_refusal_is_shown_at_the_field(pclient, planning, structure):
    plan = planning.add("westen")
    measure = {"id": str(uuid.uuid4()), "spec": measure_form()}
    plan["measures"].append(measure)
    edit_url = f"/jahresplaene/{plan['id']}/massnahmen/{measure['id']}"
    await login_as(pclient, "koordination.westen")
    response = await post(pclient, edit_url, edit_url, full_form(offer_ids=[WITHDRAWN_OFFER], version="1"))
    assert response.status_code == 422
    assert_accessible_page(response.text, structure)
    assert 'id="offer_ids-fehler"' in response.text and "ist zurückgezogen" in response.text
    assert 'href="#offer_ids"' in response.text


async def test_the_coordinator_edits_any_measure_while_presented_but_not_after(pclient, planning):
    plan = planning.add("westen", state="presented")
    measure = {"id": str(uuid.uuid4()), "spec": measure_form(responsible_actor_id=MEMBER_ACTOR)}
    plan["measures"].append(measure)
    url = f"/jahresplaene/{plan['id']}"
    await login_as(pclient, "koordination.westen")
    assert f"{url}/massnahmen/{measure['id']}" in (await pclient.get(url)).text
    plan["state"] = "final"
    assert f"{url}/massnahmen/{measure['id']}" not in (await pclient.get(url)).text
    assert (await pclient.get(f"{url}/massnahmen/{measure['id']}")).status_code == 403


# --- mid-year review, evaluation, carry-over ----------------------------------------------------------


async def test_review_evaluation_and_carry_over(pclient, planning, structure):
    plan = planning.add("westen", state="in_progress")
    first = {"id": str(uuid.uuid4()), "spec": measure_form(title="Elterncafé")}
    second = {"id": str(uuid.uuid4()), "spec": measure_form(title="Skatrunde")}
    plan["measures"] += [first, second]
    url = f"/jahresplaene/{plan['id']}"
    await login_as(pclient, "koordination.westen")
    assert "Halbjahresbilanz ziehen" in (await pclient.get(url)).text

    review_url = f"{url}/halbjahresbilanz"
    page = await pclient.get(review_url)
    assert page.status_code == 200
    assert_accessible_page(page.text, structure)
    assert "fortgeführt" in page.text and "gestrichen" in page.text
    missing = await post(pclient, review_url, review_url, {"m1-decision": "continued"})
    assert missing.status_code == 422 and "Bitte begründen Sie die Entscheidung." in missing.text
    assert_accessible_page(missing.text, structure)
    more = await post(pclient, review_url, review_url, {"aktion": "weitere", "neue": "1", "m1-reason": "läuft gut"})
    assert more.status_code == 200 and "Neue Maßnahme 2" in more.text and "läuft gut" in more.text
    data = {
        "m1-decision": "changed",
        "m1-reason": "mehr Eltern",
        **{f"m1-{k}": v for k, v in full_form(title="Elterncafé zweimal").items()},
        "m2-decision": "dropped",
        "m2-reason": "kein Raum",
        "neue": "1",
        "neu1-reason": "aus der Stadtteilkonferenz",
        **{f"neu1-{k}": v for k, v in full_form(title="Hausaufgabenhilfe").items()},
    }
    done = await post(pclient, review_url, review_url, data)
    assert done.status_code == 303, done.text
    body = next(c[2] for c in planning.calls if c[1].endswith("/mid-year-review"))
    assert [e["decision"] for e in body["entries"]] == ["changed", "dropped", "added"]
    assert body["entries"][0]["measure"]["title"] == "Elterncafé zweimal"
    html = (await pclient.get(url)).text
    assert "geändert: mehr Eltern" in html and "gestrichen: kein Raum" in html and "neu aufgenommen" in html

    eval_url = f"{url}/auswertung"
    page = await pclient.get(eval_url)
    assert_accessible_page(page.text, structure)
    assert "Skatrunde" not in page.text, "dropped measures are not evaluated"
    done = await post(
        pclient,
        eval_url,
        eval_url,
        {
            "m1-outcome": "partly",
            "m1-indicators_reached": "12 Eltern\n",
            "m1-lessons": "früher werben",
            "m2-outcome": "done",
        },
    )
    assert done.status_code == 303, done.text
    html = (await pclient.get(url)).text
    assert "teilweise umgesetzt; erreicht: 12 Eltern; Erkenntnisse: früher werben" in html
    assert "Offene Maßnahmen in den Plan 2032 übertragen" in html

    carried = await post(pclient, url, f"{url}/uebertragen")
    assert carried.status_code == 303
    next_url = carried.headers["location"].split("?")[0]
    html = (await pclient.get(next_url)).text
    assert "Jahresplan 2032" in html and "aus 2031 übertragen" in html and "Elterncafé zweimal" in html
    assert "Hausaufgabenhilfe" not in html, "done measures stay behind"
    again = await post(pclient, url, f"{url}/uebertragen")
    assert again.status_code == 409 and "bereits übertragen" in again.text, "planning's refusal is shown"
    assert "Offene Maßnahmen in den Plan 2032 übertragen" not in again.text


async def test_review_and_evaluation_only_in_their_state_and_for_the_coordinator(pclient, planning):
    plan = planning.add("westen", state="final")
    url = f"/jahresplaene/{plan['id']}"
    await login_as(pclient, "koordination.westen")
    assert (await pclient.get(f"{url}/halbjahresbilanz")).status_code == 403
    assert (await pclient.get(f"{url}/auswertung")).status_code == 403
    plan["state"] = "in_progress"
    pclient.cookies.clear()
    await login_as(pclient, "lenkungskreis")
    assert (await pclient.get(f"{url}/halbjahresbilanz")).status_code == 403
    assert (await post(pclient, url, f"{url}/halbjahresbilanz", {"m1-decision": "continued"})).status_code == 403
    assert not writes(planning)


# --- deadlines, history, trace ------------------------------------------------------------------------


async def test_deadlines_and_overdue_markers(pclient, planning, structure):
    plan = planning.add("westen", state="presented")
    overdue = {
        "next_deadline": {"step": "final", "name": "Plan final machen", "due_on": "2030-12-15", "days_left": 3},
        "overdue": [{"step": "hearings", "name": "Anhörungen abschließen", "due_on": "2030-11-30", "days_left": -2}],
    }
    planning.deadlines[plan["id"]] = overdue
    planning.board = [{"plan_id": plan["id"], "social_area_key": "westen", "year": YEAR, **overdue}]
    await login_as(pclient, "koordination.westen")
    html = (await pclient.get(f"/jahresplaene/{plan['id']}")).text
    assert_accessible_page(html, structure)
    assert 'Nächste Frist: <strong>Plan final machen</strong> bis <strong class="q-due">15.12.2030</strong>' in html
    assert "überfällig</span></span> Anhörungen abschließen war fällig am 30.11.2030." in html
    listing = (await pclient.get(f"/jahresplaene?jahr={YEAR}")).text
    assert "Plan final machen bis 15.12.2030" in listing and "überfällig" in listing
    assert "Anhörungen abschließen (fällig am 30.11.2030)" in listing


async def test_version_comparison_in_german(pclient, planning, structure):
    plan = planning.add("westen", state="presented")
    plan["history"].append({"version": 2, "event_type": "x", "actor": "t", "changed_at": "2030-10-01"})
    plan["history"].append({"version": 3, "event_type": "x", "actor": "t", "changed_at": "2030-10-02"})
    await login_as(pclient, "lenkungskreis")
    html = (await pclient.get(f"/jahresplaene/{plan['id']}")).text
    assert f'action="/jahresplaene/{plan["id"]}/vergleich"' in html
    page = await pclient.get(f"/jahresplaene/{plan['id']}/vergleich?von=1&bis=3")
    assert page.status_code == 200
    assert_accessible_page(page.text, structure)
    assert planning.comparisons == [("1", "3")]
    text = page.text
    for shown in (
        "Von Version 1 bis Version 3",
        "Stand: Entwurf → vorgelegt",
        "Sprachcafé",
        "Skatrunde",
        "„Elterncafé“",
        '<th scope="row" class="kern-table__cell">Ende</th><td class="kern-table__cell">30.11.2031</td>',
        'Jugendtreff Modellhaus</td><td class="kern-table__cell">Stadtteilbüro Westen',
        "Bezirksvertretung Hamm-Pelkum: noch nicht geöffnet → offen",
        "Neu erfasst (Bezirksvertretung Hamm-Pelkum): Spielplatz",
        "Beantwortet – Weitergeleitet: Bank am Markt",
    ):
        assert shown in text, shown
    default = await pclient.get(f"/jahresplaene/{plan['id']}/vergleich")
    assert default.status_code == 200 and planning.comparisons[-1] == ("2", "3")


async def test_council_need_trace(pclient, planning, structure):
    plan = planning.add("westen", state="evaluated")
    measure = {
        "id": str(uuid.uuid4()),
        "spec": measure_form(title="Spielplatzfest"),
        "review": "continued",
        "review_reason": "gut besucht",
        "outcome": "done",
        "indicators_reached": ["200 Gäste"],
        "lessons": "Wetter beachten",
    }
    plan["measures"].append(measure)
    plan["hearings"] = [{"district_key": "pelkum", "district_name": "Hamm-Pelkum", "closed": True}]
    need = {
        "id": str(uuid.uuid4()),
        "district_key": "pelkum",
        "text": "Spielplatz am Park",
        "answer": {"kind": "taken_into_plan", "measure_id": measure["id"], "forwarded_to": None, "reason": None},
    }
    plan["needs"].append(need)
    url = f"/jahresplaene/{plan['id']}"
    await login_as(pclient, "bezirk.mitte")
    assert f"{url}/bedarfe/{need['id']}/spur" in (await pclient.get(url)).text
    page = await pclient.get(f"{url}/bedarfe/{need['id']}/spur")
    assert page.status_code == 200
    assert_accessible_page(page.text, structure)
    for shown in (
        "Spielplatz am Park",
        "Bezirksvertretung Hamm-Pelkum",
        "in den Plan übernommen",
        "In den Plan übernommen: Maßnahme „Spielplatzfest“",
        "fortgeführt: gut besucht",
        "umgesetzt",
        "200 Gäste",
        "Wetter beachten",
    ):
        assert shown in page.text, shown
    assert (await pclient.get(f"{url}/bedarfe/kein-uuid/spur")).status_code == 404
