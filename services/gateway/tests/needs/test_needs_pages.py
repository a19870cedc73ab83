"""The Bedarfe pages through the whole ASGI stack, with a fake planning service (JSON and errors as in
services/planning/quartier_planning/api/needs.py) and the fake registry of conftest.py; and the pure rules
of needs_rules.py."""

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
from quartier_gateway.needs.rules import (
    actions_for,
    allowed_sources,
    check_need_form,
    event_name,
    may_answer,
    may_raise_in,
    may_read_area,
    measure_choices,
    raisable_area_keys,
    readable_area_keys,
    source_name,
    split_choice,
    split_refusal,
    status_name,
    trace_steps,
)
from quartier_gateway.web.format import german_date

from ..conftest import csrf_from, hamm_social_areas, hamm_vocabularies, login_as, problem
from ..test_pages import assert_accessible_page

ACTOR = "3f2a7c1e-8a4b-5d6e-9f00-aaaaaaaaaaaa"
FIELD = hamm_vocabularies()["fields_of_action"][0]
WESTEN = ["mitte", "pelkum", "herringen"]
AREAS = {a["key"]: [d["key"] for d in a["districts"]] for a in hamm_social_areas()}

COORD = Principal("koordination.westen", "K", Role.AREA_COORDINATOR, social_area_key="westen")
MITTE = Principal("bezirk.mitte", "B", Role.COUNCIL_MEMBER, district_key="mitte")
STEERING = Principal("lenkungskreis", "L", Role.STEERING_COMMITTEE)
ADMIN = Principal("admin", "A", Role.ADMIN)


# --- rules ---------------------------------------------------------------------------------------------------


def test_who_may_read_the_needs_of_an_area():
    assert may_read_area(COORD, "westen", WESTEN) and not may_read_area(COORD, "norden", ["heessen"])
    assert may_read_area(MITTE, "westen", WESTEN) and not may_read_area(MITTE, "norden", ["heessen"])
    assert may_read_area(STEERING, "norden", []) and may_read_area(ADMIN, "norden", [])
    assert not may_read_area(None, "westen", WESTEN)
    assert readable_area_keys(STEERING, AREAS) == list(AREAS)
    assert readable_area_keys(COORD, AREAS) == ["westen"]
    mitte_areas = readable_area_keys(MITTE, AREAS)
    assert "westen" in mitte_areas and all("mitte" in AREAS[k] for k in mitte_areas)


def test_who_may_raise_and_answer():
    assert may_raise_in(COORD, "westen", WESTEN) and not may_raise_in(COORD, "norden", ["heessen"])
    assert may_raise_in(MITTE, "westen", WESTEN) and not may_raise_in(MITTE, "norden", ["heessen"])
    assert may_raise_in(ADMIN, "norden", ["heessen"])
    assert not may_raise_in(STEERING, "westen", WESTEN), "the steering committee reads only"
    assert raisable_area_keys(STEERING, AREAS) == []
    assert allowed_sources(MITTE) == ["district_council"]
    assert allowed_sources(COORD) == ["neighbourhood_conference", "district_council", "service", "resident"]
    assert may_answer(COORD, "westen")
    for p in (MITTE, STEERING, ADMIN, None):
        assert not may_answer(p, "westen")
    assert not may_answer(COORD, "norden")
    assert actions_for(COORD, {"social_area_key": "westen", "status": "open"}) == (
        "take-into-plan",
        "forward",
        "decline",
    )
    for status in ("taken_into_plan", "forwarded", "declined"):
        assert actions_for(COORD, {"social_area_key": "westen", "status": status}) == ("reopen",)
    assert actions_for(MITTE, {"social_area_key": "westen", "status": "open"}) == ()


def test_german_names():
    assert [status_name(s) for s in ("open", "taken_into_plan", "forwarded", "declined")] == [
        "offen",
        "in einen Plan aufgenommen",
        "weitergeleitet",
        "abgelehnt",
    ]
    assert [source_name(s) for s in ("neighbourhood_conference", "district_council", "service", "resident")] == [
        "Stadtteilkonferenz",
        "Bezirksvertretung",
        "Fachdienst",
        "Bewohner:in",
    ]
    assert event_name("quartier.planning.NeedTakenIntoPlan.v1") == "In einen Plan aufgenommen"
    assert event_name("quartier.planning.Unknown.v1") == "Unknown"


def test_dates_in_german_and_in_berlin():
    assert german_date("2027-02-01") == "01.02.2027"
    # 23:30 UTC on New Year's Eve is already the first of January in Berlin
    assert german_date("2026-12-31T23:30:00+00:00") == "01.01.2027"
    assert german_date("2026-06-30T21:59:00Z") == "30.06.2026"
    assert german_date(None) == "" and german_date("kein Datum") == "kein Datum"


def form(**changes: str) -> dict[str, str]:
    return {
        "social_area_key": "westen",
        "residential_area_number": "",
        "field_of_action": FIELD,
        "source": "resident",
        "raised_by": "Bewohner:in",
        "title": "Treffpunkt für Jugendliche",
        "description": "",
        "raised_on": "",
        **changes,
    }


def check(principal: Principal, values: dict[str, str]):
    areas = {a["key"]: [r["number"] for r in a["residential_areas"]] for a in hamm_social_areas()}
    return check_need_form(values, principal, AREAS, areas, [FIELD], [ACTOR], dt.date(2026, 11, 25))


def test_need_form_check():
    ok = check(COORD, form(raised_on="24.11.2026"))
    assert ok.errors == {}
    assert ok.payload["raised_on"] == "2026-11-24" and ok.payload["residential_area_number"] is None
    westen_number = next(a for a in hamm_social_areas() if a["key"] == "westen")["residential_areas"][0]["number"]
    norden_number = next(a for a in hamm_social_areas() if a["key"] == "norden")["residential_areas"][0]["number"]
    assert check(COORD, form(residential_area_number=str(westen_number))).payload["residential_area_number"] == (
        westen_number
    )
    bad = check(
        COORD,
        form(
            residential_area_number=str(norden_number),
            field_of_action="Erfunden",
            title="",
            raised_by="Erika Mustermann",
            raised_on="2027-01-01",
        ),
    )
    assert bad.errors == {
        "residential_area_number": f"Wohnbereich {norden_number} gehört nicht zu diesem Sozialraum.",
        "field_of_action": "Bitte wählen Sie ein Handlungsfeld aus der Liste.",
        "title": "Bitte beschreiben Sie den Bedarf in einem Satz.",
        "raised_by": "Bitte wählen Sie „Bewohner:in“ oder einen Akteur aus der Liste.",
        "raised_on": "Das Datum darf nicht in der Zukunft liegen.",
    }
    assert check(COORD, form(social_area_key="norden")).errors == {
        "social_area_key": "Für diesen Sozialraum können Sie keinen Bedarf erfassen."
    }
    council = check(MITTE, form(source="resident", raised_by=ACTOR))
    assert council.errors == {} and council.payload["source"] == "district_council", "the council's source is fixed"
    assert check(COORD, form(source="")).errors == {"source": "Bitte wählen Sie, woher der Bedarf kommt."}
    assert check(COORD, form(raised_on="32.13.2026")).errors == {
        "raised_on": "Bitte geben Sie das Datum als TT.MM.JJJJ an."
    }


def test_refusal_and_choice_parsing():
    assert split_refusal("field_of_action", "Handlungsfeld „x“ ist nicht bekannt.") == (
        "field_of_action",
        "Handlungsfeld „x“ ist nicht bekannt.",
    )
    assert split_refusal(None, "Der Bedarf ist bereits abgelehnt.") == (None, "Der Bedarf ist bereits abgelehnt.")
    assert split_refusal("state", "etwas") == (None, "etwas")
    assert split_choice("p1:m1") == ("p1", "m1") and split_choice("p1") is None and split_choice(":m") is None
    plans = [
        {"id": "p26", "year": 2026, "state": "evaluated", "measures": [{"id": "a", "spec": {"title": "Alt"}}]},
        {
            "id": "p27",
            "year": 2027,
            "state": "in_progress",
            "measures": [
                {"id": "b", "spec": {"title": "Elterncafé"}},
                {"id": "c", "spec": {"title": "Gestrichen"}, "review": "dropped"},
            ],
        },
    ]
    assert measure_choices(plans) == [("p27:b", "Jahresplan 2027 – Elterncafé")]


def test_trace_of_a_need_in_a_plan_reads_as_a_german_sequence():
    trace = {
        "need": {
            "title": "Treffpunkt",
            "source": "resident",
            "raised_by": "Bewohner:in",
            "raised_on": "2026-03-02",
            "status": "taken_into_plan",
            "field_of_action": FIELD,
            "residential_area_number": 12,
        },
        "where": {"plan_id": "p1", "year": 2027, "measure_id": "m1", "measure_title": "Jugendtreff"},
        "measure_state": "evaluated",
        "measure_state_name": "ausgewertet",
        "measure_review": "changed",
        "evaluation": {"outcome": "partly", "indicators_reached": ["20 Jugendliche"], "lessons": "Abends besser."},
    }
    history = [
        {"event_type": "quartier.planning.NeedRaised.v1", "changed_at": "2026-03-02T09:00:00+00:00"},
        {"event_type": "quartier.planning.NeedTakenIntoPlan.v1", "changed_at": "2026-10-05T22:30:00+00:00"},
    ]
    plan = {
        "year": 2027,
        "measures": [
            {
                "id": "m1",
                "spec": {"title": "Jugendtreff", "starts_on": "2027-02-01", "ends_on": "2027-11-30"},
                "review": "changed",
                "review_reason": "Mehr Abende",
            }
        ],
        "history": [
            {"event_type": "quartier.planning.MidYearReviewCompleted.v1", "changed_at": "2027-07-20T10:00:00Z"},
            {"event_type": "quartier.planning.PlanEvaluated.v1", "changed_at": "2028-03-15T10:00:00Z"},
        ],
    }
    steps = trace_steps(trace, history, plan, area_name="Sozialraum Westen", residential_names={12: "Herringen-Nord"})
    assert [(s.when, s.what) for s in steps] == [
        ("02.03.2026", "Bedarf eingebracht"),
        ("06.10.2026", "Maßnahme"),
        ("20.07.2027", "Halbjahresbilanz"),
        ("15.03.2028", "Auswertung"),
    ]
    assert "im Sozialraum Westen, Wohnbereich 12 – Herringen-Nord" in steps[0].text
    assert "von der Herkunft Bewohner:in," in steps[0].text
    assert steps[1].text == (
        "Aufgenommen in den Jahresplan 2027 mit der Maßnahme „Jugendtreff“ (Zeitraum 01.02.2027 bis 30.11.2027)."
        " Stand des Plans: ausgewertet."
    )
    assert steps[1].link == "/jahresplaene/p1"
    assert steps[2].text == "Die Maßnahme wurde geändert. Begründung: Mehr Abende"
    assert steps[3].text == (
        "Ergebnis: teilweise umgesetzt. Erreichte Indikatoren: 20 Jugendliche. Erkenntnisse: Abends besser."
    )


def test_trace_of_open_forwarded_and_declined_needs():
    need = {"title": "T", "source": "service", "raised_by": ACTOR, "raised_on": "2026-03-02", "field_of_action": FIELD}
    names = {ACTOR: "Stadtteilbüro Westen"}
    open_ = trace_steps({"need": {**need, "status": "open"}}, [], None, area_name="Westen", actor_names=names)
    assert "(Stadtteilbüro Westen)" in open_[0].text and "im Sozialraum Westen" in open_[0].text
    assert open_[1].what == "Noch offen" and open_[1].pending
    forwarded = trace_steps(
        {"need": {**need, "status": "forwarded"}, "where": {"forwarded_to": "Jugendamt"}},
        [{"event_type": "quartier.planning.NeedForwarded.v1", "changed_at": "2026-04-01T08:00:00Z"}],
        None,
        area_name="Westen",
    )
    assert (forwarded[1].when, forwarded[1].text) == ("01.04.2026", "Weitergeleitet an Jugendamt.")
    declined = trace_steps(
        {"need": {**need, "status": "declined"}, "where": {"declined_because": "Kein Geld"}}, [], None, area_name="W"
    )
    assert declined[1].text == "Abgelehnt: Kein Geld"
    taken = trace_steps(
        {
            "need": {**need, "status": "taken_into_plan"},
            "where": {"plan_id": "p", "year": 2027, "measure_id": "m", "measure_title": "X"},
        },
        [],
        None,
        area_name="W",
    )
    assert [s.what for s in taken if s.pending] == ["Halbjahresbilanz", "Auswertung"]
    conference = {**need, "source": "neighbourhood_conference", "raised_by": "Stadtteilkonferenz", "status": "open"}
    first = trace_steps({"need": conference}, [], None, area_name="W")[0].text
    assert "von der Herkunft Stadtteilkonferenz, im Sozialraum W" in first, "the conference is not named twice"


# --- the fake planning service -----------------------------------------------------------------------------


class FakePlanning:
    """Planning's needs and plans API in memory (shapes of api/needs.py and api/plans.py)."""

    def __init__(self) -> None:
        self.needs: dict[str, dict[str, Any]] = {}
        self.plans: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str, Any, str | None]] = []

    def add_need(self, key: str = "westen", status: str = "open", **changes: Any) -> dict[str, Any]:
        need = {
            "id": str(uuid.uuid4()),
            "source": "resident",
            "social_area_key": key,
            "field_of_action": FIELD,
            "title": f"Bedarf in {key}",
            "description": "",
            "raised_on": "2026-11-02",
            "raised_by": "Bewohner:in",
            "residential_area_number": None,
            "status": status,
            "plan_id": None,
            "measure_id": None,
            "forwarded_to": None,
            "forwarded_to_actor_id": None,
            "declined_because": None,
            "reopened_because": None,
            "history": [
                {
                    "version": 1,
                    "event_type": "quartier.planning.NeedRaised.v1",
                    "actor": "koordination.westen",
                    "changed_at": "2026-11-02T09:15:00+00:00",
                }
            ],
            **changes,
        }
        self.needs[need["id"]] = need
        return need

    def add_plan(self, key: str = "westen", year: int = 2027, state: str = "in_progress") -> dict[str, Any]:
        plan = {
            "id": str(uuid.uuid4()),
            "social_area_key": key,
            "year": year,
            "state": state,
            "measures": [
                {
                    "id": str(uuid.uuid4()),
                    "spec": {"title": "Jugendtreff", "starts_on": f"{year}-02-01", "ends_on": f"{year}-11-30"},
                    "review": None,
                    "outcome": None,
                }
            ],
            "history": [],
        }
        self.plans[plan["id"]] = plan
        return plan

    @staticmethod
    def refuse(status: int, detail: str, field: str | None = None) -> httpx.Response:
        return problem(status, detail, field)

    def _event(self, need: dict[str, Any], name: str, actor: str | None) -> None:
        need["history"].append(
            {
                "version": len(need["history"]) + 1,
                "event_type": f"quartier.planning.{name}.v1",
                "actor": actor,
                "changed_at": "2026-11-25T10:00:00+00:00",
            }
        )

    def handler(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        actor = request.headers.get("x-quartier-actor")
        self.calls.append((request.method, request.url.path, body, actor))
        parts = request.url.path.strip("/").split("/")[2:]
        params = request.url.params
        if parts == ["plans"]:
            key = params.get("social_area_key")
            rows = [p for p in self.plans.values() if not key or p["social_area_key"] == key]
            return httpx.Response(
                200, json=[{k: p[k] for k in ("id", "social_area_key", "year", "state")} for p in rows]
            )
        if parts[0] == "plans":
            plan = self.plans.get(parts[1])
            return httpx.Response(200, json=plan) if plan else self.refuse(404, "Plan nicht bekannt.")
        if parts == ["needs"] and request.method == "GET":
            rows = [
                {k: v for k, v in n.items() if k != "history"}
                for n in self.needs.values()
                if all(not params.get(p) or n[p] == params[p] for p in ("social_area_key", "status", "source"))
            ]
            return httpx.Response(200, json=rows)
        if parts == ["needs"]:
            if body["title"] == "Doppelt":
                return self.refuse(422, "Der Titel ist zu ähnlich.", field="title")
            need = self.add_need(body["social_area_key"], **{k: v for k, v in body.items() if v is not None})
            return httpx.Response(201, json={k: v for k, v in need.items() if k != "history"})
        need = self.needs.get(parts[1])
        if need is None:
            return self.refuse(404, f"Bedarf {parts[1]} ist nicht bekannt.")
        rest = parts[2:]
        if not rest:
            return httpx.Response(200, json=need)
        if rest == ["trace"]:
            where = None
            if need["status"] == "taken_into_plan":
                plan = self.plans[need["plan_id"]]
                measure = next(m for m in plan["measures"] if m["id"] == need["measure_id"])
                where = {
                    "plan_id": plan["id"],
                    "year": plan["year"],
                    "measure_id": measure["id"],
                    "measure_title": measure["spec"]["title"],
                }
            elif need["status"] == "forwarded":
                where = {"forwarded_to": need["forwarded_to"]}
            out = {"need": {k: v for k, v in need.items() if k != "history"}, "where": where, "evaluation": None}
            return httpx.Response(200, json=out)
        command = rest[0]
        if command == "reopen":
            if need["status"] == "open":
                return self.refuse(409, "Der Bedarf ist offen; wieder geöffnet wird nur ein beantworteter Bedarf.")
            need.update(status="open", plan_id=None, measure_id=None, reopened_because=body["reason"])
            self._event(need, "NeedReopened", actor)
            return httpx.Response(200, json=need)
        if need["status"] != "open":
            return self.refuse(
                409,
                f"Der Bedarf ist bereits {need['status']}. "
                "Öffnen Sie ihn zuerst wieder (mit Begründung), um ihn anders zu beantworten.",
            )
        if command == "take-into-plan":
            plan = self.plans.get(body["plan_id"])
            if plan is None or plan["social_area_key"] != need["social_area_key"]:
                return self.refuse(422, "Der Plan gehört nicht zum Sozialraum des Bedarfs.", field="plan_id")
            need.update(status="taken_into_plan", plan_id=body["plan_id"], measure_id=body["measure_id"])
            self._event(need, "NeedTakenIntoPlan", actor)
        elif command == "forward":
            need.update(status="forwarded", forwarded_to=body["forwarded_to"])
            self._event(need, "NeedForwarded", actor)
        elif command == "decline":
            need.update(status="declined", declined_because=body["reason"])
            self._event(need, "NeedDeclined", actor)
        return httpx.Response(200, json=need)


@pytest.fixture
def planning() -> FakePlanning:
    return FakePlanning()


@pytest.fixture
async def nclient(registry, store, settings, planning) -> AsyncIterator[httpx.AsyncClient]:
    registry.offers.actors = [
        {"id": ACTOR, "name": "Stadtteilbüro Westen", "withdrawn": False},
        {"id": str(uuid.uuid4()), "name": "Alter Verein", "withdrawn": True},
    ]
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


# --- pages -------------------------------------------------------------------------------------------------


async def test_list_filters_and_scopes(nclient, planning, structure):
    westen = planning.add_need("westen", title="Spielplatz im Westen")
    planning.add_need("norden", title="Bank im Norden", source="service")
    planning.add_need("westen", status="declined", title="Abgelehnter Bedarf")
    await login_as(nclient, "lenkungskreis")
    page = await nclient.get("/bedarfe")
    assert page.status_code == 200
    assert_accessible_page(page.text, structure)
    assert "3 Bedarfe gefunden." in page.text and "Bank im Norden" in page.text
    assert 'href="/bedarfe/neu"' not in page.text, "the steering committee reads only"
    assert 'href="/bedarfe"' in page.text and 'href="/steuerungsziele"' in page.text, "nav entries"
    filtered = await nclient.get("/bedarfe?sozialraum=westen&status=open&herkunft=resident")
    assert "1 Bedarf gefunden." in filtered.text and westen["title"] in filtered.text
    assert "Abgelehnter Bedarf" not in filtered.text
    assert ("GET", "/api/v1/needs", None, None) in planning.calls

    nclient.cookies.clear()
    await login_as(nclient, "koordination.westen")
    own = await nclient.get("/bedarfe")
    assert "Spielplatz im Westen" in own.text and "Bank im Norden" not in own.text
    assert 'href="/bedarfe/neu"' in own.text
    assert (await nclient.get("/bedarfe?sozialraum=norden")).status_code == 403


async def test_coordinator_raises_a_need(nclient, planning, structure):
    await login_as(nclient, "koordination.westen")
    page = await nclient.get("/bedarfe/neu")
    assert page.status_code == 200
    assert_accessible_page(page.text, structure)
    assert "Alter Verein" not in page.text and "Stadtteilbüro Westen" in page.text
    assert '<option value="westen" selected>' in page.text, "the only Sozialraum is preselected"
    created = await post(nclient, "/bedarfe/neu", "/bedarfe/neu", form(raised_by=ACTOR, source="service"))
    assert created.status_code == 303
    location = created.headers["location"]
    assert location.endswith("?gespeichert=erfasst")
    (call,) = writes(planning)
    assert call[1] == "/api/v1/needs" and call[3] == "koordination.westen"
    assert call[2]["source"] == "service" and call[2]["raised_by"] == ACTOR and call[2]["raised_on"] is None
    detail = await nclient.get(location)
    assert "Der Bedarf ist erfasst." in detail.text and "Fachdienst" in detail.text
    assert "Stadtteilbüro Westen" in detail.text and "02.11.2026" in detail.text
    assert "02.11.2026, 10:15 Uhr: Bedarf erfasst (koordination.westen)" in detail.text


async def test_form_errors_are_german_and_keep_the_input(nclient, planning, structure):
    await login_as(nclient, "koordination.westen")
    response = await post(nclient, "/bedarfe/neu", "/bedarfe/neu", form(title="", field_of_action="", raised_on="x"))
    assert response.status_code == 422
    assert_accessible_page(response.text, structure)
    assert 'id="fehler-uebersicht"' in response.text and 'href="#title"' in response.text
    assert "Bitte beschreiben Sie den Bedarf in einem Satz." in response.text
    assert "Bitte wählen Sie ein Handlungsfeld." in response.text
    assert "Bitte geben Sie das Datum als TT.MM.JJJJ an." in response.text
    assert 'aria-describedby="title-hinweis title-fehler"' in response.text
    assert not writes(planning)
    refused = await post(nclient, "/bedarfe/neu", "/bedarfe/neu", form(title="Doppelt"))
    assert refused.status_code == 422 and "Der Titel ist zu ähnlich." in refused.text
    assert 'value="Doppelt"' in refused.text, "the input is kept"


async def test_council_member_raises_with_the_council_as_source(nclient, planning):
    await login_as(nclient, "bezirk.mitte")
    page = await nclient.get("/bedarfe/neu")
    assert page.status_code == 200 and "Herkunft: <strong>Bezirksvertretung</strong>" in page.text
    assert 'name="source" value="district_council"' in page.text
    created = await post(nclient, "/bedarfe/neu", "/bedarfe/neu", form(source="resident"))
    assert created.status_code == 303
    assert writes(planning)[0][2]["source"] == "district_council"
    norden = await post(nclient, "/bedarfe/neu", "/bedarfe/neu", form(social_area_key="norden"))
    assert norden.status_code == 403 and "Berechtigung" in norden.text
    assert len(writes(planning)) == 1


@pytest.mark.parametrize("user", ["lenkungskreis"])
async def test_steering_committee_may_not_raise(nclient, planning, user):
    await login_as(nclient, user)
    assert (await nclient.get("/bedarfe/neu")).status_code == 403
    token = csrf_from((await nclient.get("/bedarfe")).text)
    response = await nclient.post("/bedarfe/neu", data={"csrf_token": token, **form()})
    assert response.status_code == 403
    assert not writes(planning)


async def test_coordinator_takes_a_need_into_a_measure_and_sees_the_trace(nclient, planning, structure):
    need = planning.add_need("westen")
    plan = planning.add_plan("westen", 2027)
    planning.add_plan("westen", 2025, state="evaluated")
    planning.add_plan("norden", 2027)
    measure = plan["measures"][0]
    url = f"/bedarfe/{need['id']}"
    await login_as(nclient, "koordination.westen")
    page = await nclient.get(url)
    assert_accessible_page(page.text, structure)
    assert f'value="{plan["id"]}:{measure["id"]}"' in page.text and "Jahresplan 2027 – Jugendtreff" in page.text
    assert page.text.count("Jahresplan 20") == 1, "evaluated plans and other areas are not offered"
    assert "Wieder öffnen" not in page.text
    empty = await post(nclient, url, f"{url}/aufnehmen", {"measure": ""})
    assert empty.status_code == 422
    assert "Bitte wählen Sie die Maßnahme, mit der der Bedarf aufgenommen wird." in empty.text
    assert not writes(planning)
    taken = await post(nclient, url, f"{url}/aufnehmen", {"measure": f"{plan['id']}:{measure['id']}"})
    assert taken.status_code == 303 and taken.headers["location"] == f"{url}?gespeichert=take-into-plan"
    assert writes(planning)[0][2] == {"plan_id": plan["id"], "measure_id": measure["id"]}
    detail = (await nclient.get(url)).text
    assert "in einen Plan aufgenommen" in detail and f'href="/jahresplaene/{plan["id"]}"' in detail
    assert "Wieder öffnen" in detail and "In den Plan aufnehmen" not in detail

    trace = await nclient.get(f"{url}/spur")
    assert trace.status_code == 200
    assert_accessible_page(trace.text, structure)
    assert "02.11.2026 – Bedarf eingebracht" in trace.text
    assert "25.11.2026 – Maßnahme" in trace.text
    assert "Aufgenommen in den Jahresplan 2027 mit der Maßnahme „Jugendtreff“" in trace.text
    assert "Die Halbjahresbilanz steht noch aus." in trace.text and "Die Auswertung steht noch aus." in trace.text

    # answered again without reopening: planning's 409 is shown
    again = await post(nclient, url, f"{url}/weiterleiten", {"forwarded_to": "Jugendamt"})
    assert again.status_code == 409 and "Öffnen Sie ihn zuerst wieder" in again.text
    reopened = await post(nclient, url, f"{url}/wieder-oeffnen", {"reopen_reason": "Maßnahme passt nicht"})
    assert reopened.status_code == 303
    assert "Wieder geöffnet, weil" in (await nclient.get(url)).text


async def test_forward_and_decline_need_their_text(nclient, planning):
    need = planning.add_need("westen")
    url = f"/bedarfe/{need['id']}"
    await login_as(nclient, "koordination.westen")
    missing = await post(nclient, url, f"{url}/ablehnen", {"decline_reason": " "})
    assert missing.status_code == 422 and "Bitte begründen Sie die Ablehnung." in missing.text
    assert 'href="#decline_reason"' in missing.text
    too_long = await post(nclient, url, f"{url}/weiterleiten", {"forwarded_to": "x" * 301})
    assert too_long.status_code == 422 and "Der Text ist zu lang (höchstens 300 Zeichen)." in too_long.text
    planning.add_plan("westen")
    other_area = planning.add_plan("norden")
    choice = f"{other_area['id']}:{other_area['measures'][0]['id']}"
    refused = await post(nclient, url, f"{url}/aufnehmen", {"measure": choice})
    assert refused.status_code == 422 and 'id="measure-fehler"' in refused.text
    assert "Der Plan gehört nicht zum Sozialraum des Bedarfs." in refused.text
    assert planning.needs[need["id"]]["status"] == "open"
    forwarded = await post(nclient, url, f"{url}/weiterleiten", {"forwarded_to": "Jugendamt"})
    assert forwarded.status_code == 303
    html = (await nclient.get(f"{url}/spur")).text
    assert "Weitergeleitet an Jugendamt." in html and "25.11.2026 – Weitergeleitet" in html
    assert (await post(nclient, url, f"{url}/unbekannt", {})).status_code == 404


@pytest.mark.parametrize("user", ["lenkungskreis", "admin", "bezirk.mitte"])
async def test_only_the_coordinator_answers(nclient, planning, user):
    need = planning.add_need("westen")
    plan = planning.add_plan("westen")
    url = f"/bedarfe/{need['id']}"
    await login_as(nclient, user)
    page = await nclient.get(url)
    assert page.status_code == 200 and "Bedarf beantworten" not in page.text
    for action, data in (
        ("aufnehmen", {"measure": f"{plan['id']}:{plan['measures'][0]['id']}"}),
        ("weiterleiten", {"forwarded_to": "Jugendamt"}),
        ("ablehnen", {"decline_reason": "Nein"}),
        ("wieder-oeffnen", {"reopen_reason": "Doch"}),
    ):
        response = await post(nclient, url, f"{url}/{action}", data)
        assert response.status_code == 403, action
    assert not writes(planning)


async def test_needs_outside_the_scope_are_refused(nclient, planning):
    need = planning.add_need("norden")
    await login_as(nclient, "koordination.westen")
    for path in (f"/bedarfe/{need['id']}", f"/bedarfe/{need['id']}/spur"):
        assert (await nclient.get(path)).status_code == 403, path
    nclient.cookies.clear()
    await login_as(nclient, "bezirk.mitte")
    assert (await nclient.get(f"/bedarfe/{need['id']}")).status_code == 403
    assert (await nclient.get("/bedarfe/kein-uuid")).status_code == 404
    assert (await nclient.get(f"/bedarfe/{uuid.uuid4()}")).status_code == 404


async def test_posts_need_the_csrf_token_and_a_login(nclient, planning):
    need = planning.add_need("westen")
    anonymous = await nclient.get("/bedarfe")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/anmelden")
    await login_as(nclient, "koordination.westen")
    response = await nclient.post(f"/bedarfe/{need['id']}/ablehnen", data={"decline_reason": "x"})
    assert response.status_code == 403
    assert not writes(planning)
