"""The Zielvereinbarungen pages through the whole ASGI stack, with a fake planning service (JSON and errors as
in services/planning/quartier_planning/api/agreements.py) and the fake registry of conftest.py; and the pure
rules of agreements_rules.py (who may report: only the agreement's own provider)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from quartier_gateway.agreements.rules import (
    check_agreement_form,
    check_report_form,
    may_manage_agreements,
    may_read_agreement,
    may_read_agreements,
    may_report,
    number_text,
    only_provider,
    overdue_text,
    parse_number,
)
from quartier_gateway.app import Transports, build_app
from quartier_gateway.auth.db.repository import AccountRecord
from quartier_gateway.auth.domain import InvalidAccount, Principal, Role, account_problems, can_view_staff_pages

from ..conftest import csrf_from, login_as, password_hash, problem
from ..test_pages import assert_accessible_page

OWN = uuid.UUID("92a9952f-0f6e-5721-8f84-ec3c8a980504")
OTHER = uuid.UUID("34cf0195-83b2-50e4-bf95-710260af92c9")
PROVIDER = Principal("traeger.westen", "T", Role.PROVIDER, actor_id=OWN)
OTHER_PROVIDER = Principal("traeger.norden", "N", Role.PROVIDER, actor_id=OTHER)
COORD = Principal("koordination.westen", "K", Role.AREA_COORDINATOR, social_area_key="westen")
MEMBER = Principal("runde.westen", "R", Role.COORDINATION_MEMBER, social_area_key="westen", actor_id=OWN)
STEERING = Principal("lenkungskreis", "L", Role.STEERING_COMMITTEE)
ADMIN = Principal("admin", "A", Role.ADMIN)
TODAY = dt.date(2026, 11, 25)
PROVIDER_PASSWORDS = {"traeger.westen": "traeger-passwort-1", "traeger.norden": "norden-passwort-1"}


# --- rules ---------------------------------------------------------------------------------------------------


def test_provider_role_is_scoped_to_one_actor() -> None:
    assert Role.PROVIDER.label == "Träger"
    assert account_problems("traeger.westen", Role.PROVIDER, None, None, actor_id=OWN) == []
    assert account_problems("t", Role.PROVIDER, None, None) != []
    assert account_problems("traeger.x", Role.PROVIDER, None, None) == ["a provider needs an actor_id"]
    assert account_problems("traeger.x", Role.PROVIDER, "westen", None, actor_id=OWN) != []
    with pytest.raises(InvalidAccount):
        Principal("traeger.x", "T", Role.PROVIDER)
    assert not can_view_staff_pages(PROVIDER), "a provider's staff are no city staff"


def test_who_may_read_manage_and_report() -> None:
    own = {"provider_actor_id": str(OWN)}
    other = {"provider_actor_id": str(OTHER)}
    for p in (COORD, MEMBER, STEERING, ADMIN, PROVIDER):
        assert may_read_agreements(p)
    assert not may_read_agreements(None)
    assert may_read_agreement(PROVIDER, own) and not may_read_agreement(PROVIDER, other)
    assert may_read_agreement(COORD, other)
    assert only_provider(PROVIDER) == OWN and only_provider(COORD) is None
    assert may_manage_agreements(STEERING) and may_manage_agreements(ADMIN)
    for p in (COORD, MEMBER, PROVIDER, None):
        assert not may_manage_agreements(p)
    assert may_report(PROVIDER, own) and may_report(ADMIN, own)
    assert not may_report(PROVIDER, other) and not may_report(OTHER_PROVIDER, own)
    for p in (COORD, MEMBER, STEERING, None):
        assert not may_report(p, own), "only the provider's own staff (or an administrator) report"


@given(st.uuids(), st.uuids())
def test_a_provider_reports_for_its_own_agreements_only(own: uuid.UUID, agreement_provider: uuid.UUID) -> None:
    principal = Principal("traeger.test", "T", Role.PROVIDER, actor_id=own)
    agreement = {"provider_actor_id": str(agreement_provider)}
    assert may_report(principal, agreement) == (own == agreement_provider)
    assert may_read_agreement(principal, agreement) == (own == agreement_provider)
    assert not may_manage_agreements(principal)


@given(st.integers(min_value=0, max_value=10**9))
def test_german_numbers_read_back(value: int) -> None:
    assert parse_number(number_text(value)) == value


def test_numbers_and_overdue_text() -> None:
    assert number_text(1234) == "1.234" and number_text(12.5) == "12,5" and number_text(None) == ""
    assert parse_number("1.234,5") == 1234.5 and parse_number("12") == 12 and parse_number("-1") is None
    assert parse_number("viel") is None and parse_number("") is None
    text = overdue_text({"period": "mid_year", "due_on": "2026-08-31", "days_overdue": 86})
    assert text == "Halbjahresbericht überfällig seit 31.08.2026 (86 Tage)"


def agreement_form(**changes: list[str]) -> dict[str, list[str]]:
    return {
        "title": ["QM Westen 2026"],
        "provider_actor_id": [str(OWN)],
        "year": ["2026"],
        "social_area_keys": ["westen"],
        "field_of_action": ["Quartiersmanagement"],
        "responsible_department": ["Amt für Soziales"],
        "indicator-0": ["Konferenzen"],
        "target_value-0": ["4"],
        "unit-0": ["Konferenzen"],
        "indicator-1": [""],
        "target_value-1": [""],
        "unit-1": [""],
        **changes,
    }


def test_agreement_form_check() -> None:
    ok = check_agreement_form(agreement_form(), TODAY)
    assert ok.errors == {}
    assert ok.payload["targets"] == [{"id": None, "indicator": "Konferenzen", "target_value": 4, "unit": "Konferenzen"}]
    assert ok.payload["year"] == 2026 and ok.payload["social_area_keys"] == ["westen"]
    assert ok.payload["mid_year_report_due"] is None
    bad = check_agreement_form(
        agreement_form(provider_actor_id=[""], year=["20x"], social_area_keys=[], **{"target_value-0": ["viele"]}),
        TODAY,
    )
    assert set(bad.errors) == {"provider_actor_id", "year", "social_area_keys", "target_value-0"}
    none = check_agreement_form(agreement_form(**{"indicator-0": [""], "target_value-0": [""], "unit-0": [""]}), TODAY)
    assert none.errors == {"indicator-0": "Bitte vereinbaren Sie mindestens ein Ziel mit Indikator und Zielwert."}


def test_report_form_check() -> None:
    agreement = {"targets": [{"id": "t1", "indicator": "Konferenzen"}, {"id": "t2", "indicator": "Beratungen"}]}
    ok = check_report_form(
        {"period": "mid_year", "delivered_on": "27.08.2026", "narrative": "Gut", "value-t1": "2", "value-t2": "1.164"},
        agreement,
        TODAY,
    )
    assert ok.errors == {}
    assert ok.payload == {
        "period": "mid_year",
        "delivered_on": "2026-08-27",
        "narrative": "Gut",
        "values": [{"target_id": "t1", "value": 2}, {"target_id": "t2", "value": 1164}],
    }
    bad = check_report_form({"period": "quarter", "delivered_on": "2026-12-01", "value-t1": "x"}, agreement, TODAY)
    assert set(bad.errors) == {"period", "delivered_on", "narrative", "value-t1", "value-t2"}


# --- the fake planning service -----------------------------------------------------------------------------


class FakePlanning:
    """Planning's agreements API in memory (and an empty goals list)."""

    def __init__(self) -> None:
        self.agreements: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str, Any, str | None, str | None]] = []

    def add(self, provider: uuid.UUID = OWN, **changes: Any) -> dict[str, Any]:
        agreement_id = str(uuid.uuid4())
        agreement = {
            "id": agreement_id,
            "title": "Quartiersmanagement Westen 2026",
            "provider_actor_id": str(provider),
            "provider_name": "Stadtteilbüro Hammer Westen" if provider == OWN else "Jugendtreff Norden",
            "year": 2026,
            "social_area_keys": ["westen"],
            "field_of_action": "Quartiersmanagement",
            "targets": [
                {"id": "t1", "indicator": "Stadtteilkonferenzen", "target_value": 4, "unit": "Konferenzen"},
                {"id": "t2", "indicator": "Beratungsgespräche", "target_value": 300, "unit": "Gespräche"},
            ],
            "strategic_goals": [],
            "steering_goal_ids": [],
            "responsible_department": "Amt für Soziales",
            "mid_year_report_due": "2026-08-31",
            "year_end_report_due": "2027-03-31",
            "state": "concluded",
            "version": 1,
            "reports": [],
            "overdue_reports": [{"period": "mid_year", "due_on": "2026-08-31", "days_overdue": 86}],
            "reached": [
                {
                    "target_id": "t1",
                    "indicator": "Stadtteilkonferenzen",
                    "unit": "Konferenzen",
                    "target_value": 4,
                    "mid_year": None,
                    "year_end": None,
                },
                {
                    "target_id": "t2",
                    "indicator": "Beratungsgespräche",
                    "unit": "Gespräche",
                    "target_value": 300,
                    "mid_year": None,
                    "year_end": None,
                },
            ],
            "measures": [
                {
                    "plan_id": "p1",
                    "social_area_key": "westen",
                    "year": 2026,
                    "measure_id": "m1",
                    "title": "Elterncafé",
                    "review": None,
                    "outcome": None,
                }
            ],
            "history": [
                {
                    "version": 1,
                    "event_type": "quartier.planning.AgreementConcluded.v1",
                    "actor": "lenkungskreis",
                    "changed_at": "2026-01-10T08:00:00+00:00",
                }
            ],
            **changes,
        }
        self.agreements[agreement_id] = agreement
        return agreement

    def handler(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.calls.append(
            (
                request.method,
                request.url.path,
                body,
                request.headers.get("x-quartier-actor"),
                request.headers.get("if-match"),
            )
        )
        parts = request.url.path.strip("/").split("/")[2:]
        if parts == ["goals"]:
            return httpx.Response(200, json=[])
        if parts == ["agreements"] and request.method == "GET":
            provider = request.url.params.get("provider_actor_id")
            return httpx.Response(
                200, json=[a for a in self.agreements.values() if not provider or a["provider_actor_id"] == provider]
            )
        if parts == ["agreements"]:
            made = self.add(uuid.UUID(body["provider_actor_id"]), title=body["title"])
            return httpx.Response(201, json=made)
        agreement = self.agreements.get(parts[1]) if len(parts) > 1 else None
        if agreement is None:
            return problem(404, "Zielvereinbarung ist nicht bekannt.")
        if len(parts) == 2 and request.method == "GET":
            return httpx.Response(200, json=agreement)
        if parts[2:] == ["reports"]:
            if body["period"] == "year_end" and not agreement["reports"]:
                return problem(409, "Zuerst kommt der Halbjahresbericht.")
            agreement["reports"].append({**body, "due_on": "2026-08-31", "late": False})
            agreement["overdue_reports"] = []
            return httpx.Response(201, json=agreement)
        if len(parts) == 2 and request.method == "PUT":
            if int(request.headers.get("if-match", "0")) != agreement["version"]:
                return problem(409, "Die Zielvereinbarung wurde inzwischen geändert.")
            agreement.update(title=body["title"], version=agreement["version"] + 1, state="changed")
            return httpx.Response(200, json=agreement)
        return problem(404, "Nicht gefunden.")


@pytest.fixture
def planning() -> FakePlanning:
    return FakePlanning()


@pytest.fixture
async def gclient(registry, store, settings, planning) -> AsyncIterator[httpx.AsyncClient]:
    for username, actor in (("traeger.westen", OWN), ("traeger.norden", OTHER)):
        store.accounts[username] = AccountRecord(
            username,
            f"Test {username}",
            password_hash(PROVIDER_PASSWORDS[username]),
            "provider",
            actor_id=actor,
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


async def login(client: httpx.AsyncClient, username: str) -> httpx.Response:
    return await login_as(client, username, PROVIDER_PASSWORDS.get(username))


def writes(planning: FakePlanning) -> list[tuple[str, str, Any, str | None, str | None]]:
    return [c for c in planning.calls if c[0] != "GET"]


async def post(client: httpx.AsyncClient, page: str, action: str, data: dict[str, str] | None = None) -> httpx.Response:
    token = csrf_from((await client.get(page)).text)
    return await client.post(action, data={"csrf_token": token, **(data or {})})


def report_data(period: str = "mid_year") -> dict[str, str]:
    return {
        "period": period,
        "delivered_on": "2026-08-27",
        "narrative": "Zwei Konferenzen fanden statt.",
        "value-t1": "2",
        "value-t2": "164",
    }


# --- pages -------------------------------------------------------------------------------------------------


async def test_provider_sees_and_reports_only_for_its_own_agreements(gclient, planning, structure):
    own = planning.add()
    other = planning.add(OTHER, title="Prävention Norden 2026", social_area_keys=["norden"])
    answer = await login(gclient, "traeger.westen")
    assert answer.headers["location"] == "/zielvereinbarungen", "a provider starts at its agreements"
    page = await gclient.get("/zielvereinbarungen")
    assert page.status_code == 200
    assert_accessible_page(page.text, structure)
    assert "Quartiersmanagement Westen 2026" in page.text and "Prävention Norden" not in page.text
    assert "überfällig" in page.text and "/zielvereinbarungen/neu" not in page.text
    assert 'href="/personen"' not in page.text, "no city staff pages in a provider's navigation"
    assert (await gclient.get("/personen")).status_code == 403
    assert (await gclient.get(f"/zielvereinbarungen/{other['id']}")).status_code == 403
    refused = await post(gclient, "/zielvereinbarungen", f"/zielvereinbarungen/{other['id']}/bericht", report_data())
    assert refused.status_code == 403
    change = await post(
        gclient, "/zielvereinbarungen", f"/zielvereinbarungen/{own['id']}/aendern", {"version": "1", "title": "X"}
    )
    assert change.status_code == 403
    assert not writes(planning)
    detail = await gclient.get(f"/zielvereinbarungen/{own['id']}")
    assert detail.status_code == 200
    assert_accessible_page(detail.text, structure)
    assert "Sachbericht abgeben" in detail.text and "Zielvereinbarung ändern" not in detail.text
    assert "Halbjahresbericht überfällig seit 31.08.2026 (86 Tage)" in detail.text
    assert "Elterncafé" in detail.text and 'href="/jahresplaene/p1"' in detail.text
    saved = await post(
        gclient, f"/zielvereinbarungen/{own['id']}", f"/zielvereinbarungen/{own['id']}/bericht", report_data()
    )
    assert saved.status_code == 303
    [(method, path, body, actor, _)] = writes(planning)
    assert (method, path, actor) == ("POST", f"/api/v1/agreements/{own['id']}/reports", "traeger.westen")
    assert body["values"] == [{"target_id": "t1", "value": 2}, {"target_id": "t2", "value": 164}]


async def test_another_provider_cannot_enter_or_edit_this_providers_report(gclient, planning):
    own = planning.add(reports=[{**report_data(), "values": [], "due_on": "2026-08-31", "late": False}])
    await login(gclient, "traeger.norden")
    assert (await gclient.get(f"/zielvereinbarungen/{own['id']}")).status_code == 403
    for period in ("mid_year", "year_end"):
        response = await post(
            gclient, "/zielvereinbarungen", f"/zielvereinbarungen/{own['id']}/bericht", report_data(period)
        )
        assert response.status_code == 403
    assert "Quartiersmanagement Westen" not in (await gclient.get("/zielvereinbarungen")).text
    assert not writes(planning)


async def test_city_staff_read_but_do_not_report_or_change(gclient, planning, structure):
    own = planning.add()
    await login(gclient, "koordination.westen")
    page = await gclient.get(f"/zielvereinbarungen/{own['id']}")
    assert page.status_code == 200
    assert_accessible_page(page.text, structure)
    assert "Sachbericht abgeben" not in page.text and "Zielvereinbarung ändern" not in page.text
    assert "überfällig" in page.text
    report = await post(gclient, "/zielvereinbarungen", f"/zielvereinbarungen/{own['id']}/bericht", report_data())
    assert report.status_code == 403
    assert (await gclient.get("/zielvereinbarungen/neu")).status_code == 403
    assert not writes(planning)


async def test_report_errors_are_shown_next_to_their_fields(gclient, planning, structure):
    own = planning.add()
    await login(gclient, "traeger.westen")
    page = f"/zielvereinbarungen/{own['id']}"
    bad = await post(gclient, page, f"{page}/bericht", {**report_data(), "value-t2": "viele", "narrative": ""})
    assert bad.status_code == 422
    assert_accessible_page(bad.text, structure)
    assert "Erreicht: Beratungsgespräche" in bad.text and "als Zahl ab 0" in bad.text
    assert 'href="#narrative"' in bad.text
    out_of_order = await post(gclient, page, f"{page}/bericht", report_data("year_end"))
    assert out_of_order.status_code == 409 and "Zuerst kommt der Halbjahresbericht." in out_of_order.text
    assert len(writes(planning)) == 1


async def test_steering_committee_concludes_and_changes_an_agreement(gclient, planning, structure):
    await login(gclient, "lenkungskreis")
    form = await gclient.get("/zielvereinbarungen/neu")
    assert form.status_code == 200
    assert_accessible_page(form.text, structure)
    token = csrf_from(form.text)
    registry_actor = "Nachbarschaftshilfe Westen e.V."
    assert registry_actor in form.text
    data = {k: v[0] for k, v in agreement_form().items() if v}
    import re

    provider_id = re.search(r'<option value="([0-9a-f-]{36})">' + re.escape(registry_actor), form.text).group(1)
    data["provider_actor_id"] = provider_id
    made = await gclient.post("/zielvereinbarungen/neu", data={"csrf_token": token, **data})
    assert made.status_code == 303
    [(method, path, body, actor, _)] = writes(planning)
    assert (method, path, actor) == ("POST", "/api/v1/agreements", "lenkungskreis")
    assert body["targets"] == [{"id": None, "indicator": "Konferenzen", "target_value": 4, "unit": "Konferenzen"}]
    detail_url = made.headers["location"].split("?")[0]
    detail = await gclient.get(detail_url)
    assert "Zielvereinbarung ändern" in detail.text and "Sachbericht abgeben" not in detail.text
    assert_accessible_page(detail.text, structure)
    changed = await post(gclient, detail_url, f"{detail_url}/aendern", {**data, "version": "1", "title": "Neu"})
    assert changed.status_code == 303
    assert writes(planning)[-1][4] == "1", "the change carries If-Match with the version edited"
    stale = await post(gclient, detail_url, f"{detail_url}/aendern", {**data, "version": "1", "title": "Alt"})
    assert stale.status_code == 409 and "inzwischen geändert" in stale.text
