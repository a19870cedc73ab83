"""Target agreements (Zielvereinbarungen) and activity reports (Sachberichte) through the real stack (planning
on Postgres and Kafka, the gateway with its demo accounts, the registry's demo actors):

- an agreement with two indicators, reported mid-year and at year end: its figures read back equal to the
  reported values, and the events (concluded, changed, reported) are on the broker;
- a report not delivered by its due date is visible as overdue;
- a measure of a Jahresplan points to the agreement it fulfils (only one of its area and year);
- a provider's staff (traeger.westen) enter their own report and cannot enter another provider's.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from quartier_planning.service.agreements import demo_agreement_id
from quartier_registry.domain.people import demo_actor_id
from quartier_shared.events.topics import PLANNING_AGREEMENTS
from tests.support import planning_cycle as cycle
from tests.support.helpers import eventually
from tests.support.kafka import header, read_topic
from tests.support.stack import Stack

planning = cycle.planning
planning_db = cycle.planning_db
ready = cycle.ready
HEADERS = {"X-Quartier-Actor": "lenkungskreis"}
PROVIDER_LOGIN = ("traeger.westen", "demo-traeger-westen-2025")


def agreement_body(ready: dict[str, Any], year: int, **changes: Any) -> dict[str, Any]:
    return {
        "title": f"Quartiersmanagement Westen {uuid.uuid4().hex[:6]}",
        "provider_actor_id": ready["actors"][0],
        "year": year,
        "social_area_keys": ["westen"],
        "field_of_action": ready["field"],
        "responsible_department": "Amt für Soziales, Wohnen und Pflege",
        "targets": [
            {"indicator": "Stadtteilkonferenzen mit Bewohner:innen", "target_value": 4, "unit": "Konferenzen"},
            {"indicator": "Beratungsgespräche", "target_value": 300, "unit": "Gespräche"},
        ],
        **changes,
    }


async def agreement_events(stack: Stack, agreement_id: str) -> list[tuple[str, dict[str, Any]]]:
    records = await read_topic(stack.env["QUARTIER_KAFKA_BOOTSTRAP"], stack.topic_prefix + PLANNING_AGREEMENTS.name)
    return [
        (str(header(r, "ce_type")), json.loads(r.value or b"{}"))
        for r in records
        if r.key == f"agreement/{agreement_id}".encode()
    ]


async def test_an_agreement_reported_mid_year_and_at_year_end_reads_back_its_figures(
    stack: Stack, planning: str, ready: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=20) as client:
        created = await client.post(f"{planning}/agreements", json=agreement_body(ready, 2025), headers=HEADERS)
        assert created.status_code == 201, created.text
        agreement = created.json()
        agreement_id = agreement["id"]
        assert (agreement["version"], agreement["state"]) == (1, "concluded")
        assert (agreement["mid_year_report_due"], agreement["year_end_report_due"]) == ("2025-08-31", "2026-03-31")
        first, second = (t["id"] for t in agreement["targets"])

        too_early = await client.post(
            f"{planning}/agreements/{agreement_id}/reports",
            json={"period": "year_end", "values": [], "narrative": "x", "delivered_on": "2026-03-01"},
            headers=HEADERS,
        )
        assert too_early.status_code == 409 and "Halbjahresbericht" in too_early.json()["detail"]

        mid = await client.post(
            f"{planning}/agreements/{agreement_id}/reports",
            json={
                "period": "mid_year",
                "values": [{"target_id": first, "value": 2}, {"target_id": second, "value": 164}],
                "narrative": "Zwei Konferenzen, die Beratung wird gut angenommen.",
                "delivered_on": "2025-08-27",
            },
            headers={"X-Quartier-Actor": "traeger.westen"},
        )
        assert mid.status_code == 201, mid.text
        end = await client.post(
            f"{planning}/agreements/{agreement_id}/reports",
            json={
                "period": "year_end",
                "values": [{"target_id": first, "value": 4}, {"target_id": second, "value": 312.5}],
                "narrative": "Alle Konferenzen fanden statt.",
                "delivered_on": "2026-04-02",
            },
            headers={"X-Quartier-Actor": "traeger.westen"},
        )
        assert end.status_code == 201, end.text

        shown = (await client.get(f"{planning}/agreements/{agreement_id}")).json()
        assert [(r["target_value"], r["mid_year"], r["year_end"]) for r in shown["reached"]] == [
            (4, 2, 4),
            (300, 164, 312.5),
        ]
        assert [(r["period"], r["late"]) for r in shown["reports"]] == [("mid_year", False), ("year_end", True)]
        assert shown["overdue_reports"] == []
        assert [e["actor"] for e in shown["history"]] == ["lenkungskreis", "traeger.westen", "traeger.westen"]

        for params in ({"year": 2025}, {"social_area_key": "westen"}, {"provider_actor_id": ready["actors"][0]}):
            listed = (await client.get(f"{planning}/agreements", params=params)).json()
            assert agreement_id in [a["id"] for a in listed], params
        assert agreement_id not in [a["id"] for a in (await client.get(f"{planning}/agreements?year=2024")).json()]

        changed = await client.put(
            f"{planning}/agreements/{agreement_id}",
            json=agreement_body(
                ready,
                2025,
                targets=[
                    {"id": first, "indicator": "Stadtteilkonferenzen", "target_value": 5, "unit": "Konferenzen"},
                    {"id": second, "indicator": "Beratungsgespräche", "target_value": 300, "unit": "Gespräche"},
                ],
            ),
            headers={**HEADERS, "If-Match": "3"},
        )
        assert changed.status_code == 200, changed.text
        assert (changed.json()["version"], changed.json()["state"]) == (4, "changed")
        stale = await client.put(
            f"{planning}/agreements/{agreement_id}",
            json=agreement_body(ready, 2025),
            headers={**HEADERS, "If-Match": "3"},
        )
        assert stale.status_code == 409 and "inzwischen geändert" in stale.json()["detail"]

    async def announced() -> list[tuple[str, dict[str, Any]]]:
        events = await agreement_events(stack, agreement_id)
        return events if len(events) == 4 else []

    events = await eventually(announced, timeout=30)
    assert [t for t, _ in events] == [
        "quartier.planning.AgreementConcluded.v1",
        "quartier.planning.ActivityReportSubmitted.v1",
        "quartier.planning.ActivityReportSubmitted.v1",
        "quartier.planning.AgreementChanged.v1",
    ]
    concluded, mid_event, end_event, change_event = (d for _, d in events)
    assert [(t["indicator"], t["target_value"]) for t in concluded["targets"]] == [
        ("Stadtteilkonferenzen mit Bewohner:innen", 4),
        ("Beratungsgespräche", 300),
    ]
    assert concluded["provider_actor_id"] == ready["actors"][0] and concluded["social_area_keys"] == ["westen"]
    assert [(v["target_id"], v["value"]) for v in mid_event["values"]] == [(first, 2), (second, 164)]
    assert [(v["target_value"], v["value"]) for v in end_event["values"]] == [(4, 4), (300, 312.5)]
    assert end_event["late"] is True and end_event["period"] == "year_end"
    assert change_event["targets"][0]["target_value"] == 5 and change_event["version"] == 4


async def test_a_report_not_delivered_by_its_due_date_is_overdue(planning: str, ready: dict[str, Any]) -> None:
    async with httpx.AsyncClient(timeout=20) as client:
        created = await client.post(f"{planning}/agreements", json=agreement_body(ready, 2025), headers=HEADERS)
        assert created.status_code == 201, created.text
        agreement_id = created.json()["id"]
        assert [o["period"] for o in created.json()["overdue_reports"]] == ["mid_year", "year_end"]
        shown = (await client.get(f"{planning}/agreements/{agreement_id}")).json()
        overdue = {o["period"]: o for o in shown["overdue_reports"]}
        assert overdue["mid_year"]["due_on"] == "2025-08-31" and overdue["mid_year"]["days_overdue"] > 365 - 120
        listed = (await client.get(f"{planning}/agreements", params={"year": 2025})).json()
        assert next(a["overdue_reports"] for a in listed if a["id"] == agreement_id) == shown["overdue_reports"]


async def test_a_measure_points_to_the_agreement_it_fulfils(planning: str, ready: dict[str, Any]) -> None:
    year = await cycle.free_year(ready, "westen")
    async with httpx.AsyncClient(timeout=20) as client:
        westen = (await client.post(f"{planning}/agreements", json=agreement_body(ready, year), headers=HEADERS)).json()
        norden = (
            await client.post(
                f"{planning}/agreements", json=agreement_body(ready, year, social_area_keys=["norden"]), headers=HEADERS
            )
        ).json()
        plan = await cycle.new_plan(client, planning, "westen", year)
        for wrong, words in ((norden["id"], "nicht für den Sozialraum „westen“"), (str(uuid.uuid4()), "nicht bekannt")):
            refused = await client.post(
                f"{planning}/plans/{plan['id']}/measures",
                json=cycle.measure(ready, year, agreement_id=wrong),
                headers=HEADERS,
            )
            assert refused.status_code == 422, refused.text
            assert refused.json()["errors"][0]["field"] == "agreement_id" and words in refused.json()["detail"]
        added = await client.post(
            f"{planning}/plans/{plan['id']}/measures",
            json=cycle.measure(ready, year, agreement_id=westen["id"]),
            headers=HEADERS,
        )
        assert added.status_code == 201, added.text
        measure_id = added.json()["measure_id"]
        assert added.json()["measures"][0]["spec"]["agreement_id"] == westen["id"]
        shown = (await client.get(f"{planning}/agreements/{westen['id']}")).json()
        assert [(m["plan_id"], m["measure_id"], m["title"]) for m in shown["measures"]] == [
            (plan["id"], measure_id, "Elterncafé")
        ]
        assert (await client.get(f"{planning}/agreements/{norden['id']}")).json()["measures"] == []
        plain = await client.post(
            f"{planning}/plans/{plan['id']}/measures", json=cycle.measure(ready, year), headers=HEADERS
        )
        assert plain.status_code == 201 and plain.json()["measures"][1]["spec"]["agreement_id"] is None


async def test_bad_terms_are_refused_naming_the_field(planning: str, ready: dict[str, Any]) -> None:
    async with httpx.AsyncClient(timeout=20) as client:
        for changes, field in (
            ({"social_area_keys": ["atlantis"]}, "social_area_keys"),
            ({"provider_actor_id": str(uuid.uuid4())}, "provider_actor_id"),
            ({"field_of_action": "Raumfahrt"}, "field_of_action"),
            ({"targets": []}, "targets"),
        ):
            refused = await client.post(
                f"{planning}/agreements", json=agreement_body(ready, 2025, **changes), headers=HEADERS
            )
            assert refused.status_code == 422, refused.text
            assert refused.json()["errors"][0]["field"] == field, refused.json()
        assert (await client.get(f"{planning}/agreements/{uuid.uuid4()}")).status_code == 404


async def _gateway_login(client: httpx.AsyncClient, username: str, password: str) -> None:
    page = await client.get("/anmelden")
    marker = 'name="csrf_token" value="'
    start = page.text.index(marker) + len(marker)
    token = page.text[start : page.text.index('"', start)]
    answer = await client.post(
        "/anmelden", data={"benutzername": username, "passwort": password, "csrf_token": token, "weiter": ""}
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/zielvereinbarungen"


def _csrf(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


async def test_a_provider_enters_its_own_report_and_not_another_providers(
    stack: Stack, planning: str, ready: dict[str, Any]
) -> None:
    """The demo agreements (Stadtteilbüro Westen, Jugendtreff Norden) through the gateway as traeger.westen."""
    westen_id, norden_id = (
        str(demo_agreement_id(k)) for k in ("stadtteilbuero-westen-2026", "jugendtreff-norden-2026")
    )
    async with httpx.AsyncClient(timeout=20) as api:

        async def seeded() -> bool:
            found = [await api.get(f"{planning}/agreements/{i}") for i in (westen_id, norden_id)]
            return all(r.status_code == 200 for r in found)

        await eventually(seeded, timeout=120, interval=1)
        norden_before = (await api.get(f"{planning}/agreements/{norden_id}")).json()
        westen = (await api.get(f"{planning}/agreements/{westen_id}")).json()
    assert westen["provider_actor_id"] == str(demo_actor_id("stadtteilbuero-westen"))
    assert norden_before["provider_actor_id"] == str(demo_actor_id("jugendtreff-norden"))
    assert [o["period"] for o in norden_before["overdue_reports"]][:1] == ["mid_year"]

    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=20) as gateway:
        await _gateway_login(gateway, *PROVIDER_LOGIN)
        listed = await gateway.get("/zielvereinbarungen")
        assert listed.status_code == 200
        assert f"/zielvereinbarungen/{westen_id}" in listed.text and norden_id not in listed.text
        assert (await gateway.get(f"/zielvereinbarungen/{norden_id}")).status_code == 403
        own_page = await gateway.get(f"/zielvereinbarungen/{westen_id}")
        assert own_page.status_code == 200 and "Sachbericht abgeben" in own_page.text
        token = _csrf(own_page.text)
        targets = [t["id"] for t in norden_before["targets"]]
        foreign = await gateway.post(
            f"/zielvereinbarungen/{norden_id}/bericht",
            data={
                "csrf_token": token,
                "period": "mid_year",
                "delivered_on": "2026-08-20",
                "narrative": "Nicht unser Bericht.",
                **{f"value-{t}": "1" for t in targets},
            },
        )
        assert foreign.status_code == 403
        own_targets = [t["id"] for t in westen["targets"]]
        mine = await gateway.post(
            f"/zielvereinbarungen/{westen_id}/bericht",
            data={
                "csrf_token": token,
                "period": "mid_year",
                "delivered_on": "2026-08-28",
                "narrative": "Korrektur: drei Konferenzen.",
                f"value-{own_targets[0]}": "3",
                f"value-{own_targets[1]}": "170",
            },
        )
        assert mine.status_code == 303, mine.text
    async with httpx.AsyncClient(timeout=20) as api:
        norden_after = (await api.get(f"{planning}/agreements/{norden_id}")).json()
        westen_after = (await api.get(f"{planning}/agreements/{westen_id}")).json()
    assert norden_after["reports"] == norden_before["reports"] and norden_after["version"] == norden_before["version"]
    assert [(r["mid_year"]) for r in westen_after["reached"]] == [3, 170]
    assert westen_after["history"][-1]["actor"] == "traeger.westen"


async def test_the_agreement_events_are_documented_in_asyncapi(stack: Stack, planning: str) -> None:
    document = httpx.get(f"{stack.url('planning')}/asyncapi.json").json()
    names = {m["name"] for m in document["components"]["messages"].values()}
    assert {
        "quartier.planning.AgreementConcluded.v1",
        "quartier.planning.AgreementChanged.v1",
        "quartier.planning.ActivityReportSubmitted.v1",
    } <= names
