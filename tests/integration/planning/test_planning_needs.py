"""Standalone needs (Bedarfe) through the planning API, on the real database and broker: a need raised in
Westen is taken into a measure of Westen's plan, the plan runs to its evaluation, and the need's trace shows
the measure and its outcome.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from quartier_shared.events.topics import PLANNING_PLANS
from tests.support import planning_cycle as cycle
from tests.support.helpers import eventually
from tests.support.kafka import header, read_topic
from tests.support.stack import Stack

# The planning stack and its readiness, as the cycle's tests use them.
planning = cycle.planning
planning_db = cycle.planning_db
ready = cycle.ready
HEADERS = {"X-Quartier-Actor": "koordination-westen"}


async def area_number(ready: dict[str, Any], area: str) -> int:
    number: int = await ready["db"].fetchval(
        "SELECT min(number) FROM registry_residential_areas WHERE social_area_key = $1", area
    )
    return number


def need_body(ready: dict[str, Any], number: int, **changes: Any) -> dict[str, Any]:
    return {
        "source": "resident",
        "social_area_key": "westen",
        "residential_area_number": number,
        "field_of_action": ready["field"],
        "title": f"Spielplatz fehlt {uuid.uuid4()}",
        "description": "Kinder spielen auf dem Parkplatz",
        "raised_by": "Bewohner:in",
        **changes,
    }


async def need_events(stack: Stack, need_id: str) -> list[tuple[str, dict[str, Any]]]:
    records = await read_topic(stack.env["QUARTIER_KAFKA_BOOTSTRAP"], stack.topic_prefix + PLANNING_PLANS.name)
    return [
        (str(header(r, "ce_type")), json.loads(r.value or b"{}"))
        for r in records
        if r.key == f"need/{need_id}".encode()
    ]


async def test_a_need_of_westen_is_traced_to_its_measure_and_evaluation(
    stack: Stack, planning: str, ready: dict[str, Any]
) -> None:
    year = await cycle.free_year(ready, "westen")
    number = await area_number(ready, "westen")
    async with httpx.AsyncClient(timeout=20) as client:
        raised = await client.post(f"{planning}/needs", json=need_body(ready, number), headers=HEADERS)
        assert raised.status_code == 201, raised.text
        need = raised.json()
        assert (need["status"], need["raised_by"], need["residential_area_number"]) == ("open", "Bewohner:in", number)
        need_id = need["id"]

        plan = await cycle.new_plan(client, planning, "westen", year)
        added = await client.post(
            f"{planning}/plans/{plan['id']}/measures", json=cycle.measure(ready, year), headers=HEADERS
        )
        assert added.status_code == 201, added.text
        measure_id = added.json()["measure_id"]

        taken = await client.post(
            f"{planning}/needs/{need_id}/take-into-plan",
            json={"plan_id": plan["id"], "measure_id": measure_id},
            headers=HEADERS,
        )
        assert taken.status_code == 200, taken.text
        assert (taken.json()["status"], taken.json()["measure_id"]) == ("taken_into_plan", measure_id)

        trace = (await client.get(f"{planning}/needs/{need_id}/trace")).json()
        assert trace["where"] == {
            "plan_id": plan["id"],
            "year": year,
            "measure_id": measure_id,
            "measure_title": "Elterncafé",
        }
        assert (trace["measure_state"], trace["evaluation"]) == ("draft", None)

        steps: list[tuple[str, dict[str, Any] | None]] = [
            ("present", None),
            *[(f"hearings/{key}/close", None) for key in ("mitte", "pelkum", "herringen")],
            ("finalize", None),
            ("start", None),
            ("mid-year-review", {"entries": [{"decision": "continued", "reason": "gut", "measure_id": measure_id}]}),
            (
                "evaluate",
                {
                    "entries": [
                        {
                            "measure_id": measure_id,
                            "outcome": "done",
                            "indicators_reached": ["24 Familien"],
                            "lessons": "früh werben",
                        }
                    ]
                },
            ),
        ]
        for step, body in steps:
            moved = await client.post(f"{planning}/plans/{plan['id']}/{step}", json=body, headers=HEADERS)
            assert moved.status_code == 200, (step, moved.text)

        trace = (await client.get(f"{planning}/needs/{need_id}/trace")).json()
        assert trace["need"]["id"] == need_id
        assert trace["where"]["measure_id"] == measure_id
        assert trace["measure_state"] == "evaluated"
        assert trace["evaluation"] == {
            "outcome": "done",
            "indicators_reached": ["24 Familien"],
            "lessons": "früh werben",
        }

        listed = (
            await client.get(
                f"{planning}/needs",
                params={"social_area_key": "westen", "status": "taken_into_plan", "source": "resident"},
            )
        ).json()
        assert need_id in [x["id"] for x in listed]
        got = (await client.get(f"{planning}/needs/{need_id}")).json()
        assert [h["event_type"] for h in got["history"]] == [
            "quartier.planning.NeedRaised.v1",
            "quartier.planning.NeedTakenIntoPlan.v1",
        ]
        assert {h["actor"] for h in got["history"]} == {"koordination-westen"}

    async def on_broker() -> list[tuple[str, dict[str, Any]]] | None:
        events = await need_events(stack, need_id)
        return events if len(events) >= 2 else None

    events = await eventually(on_broker, timeout=30)
    assert [t for t, _ in events] == ["quartier.planning.NeedRaised.v1", "quartier.planning.NeedTakenIntoPlan.v1"]
    assert events[0][1] == {
        "need_id": need_id,
        "social_area_key": "westen",
        "source": "resident",
        "field_of_action": ready["field"],
        "residential_area_number": number,
        "raised_on": need["raised_on"],
        "meeting_id": None,
    }
    assert events[1][1] == {
        "need_id": need_id,
        "social_area_key": "westen",
        "plan_id": plan["id"],
        "measure_id": measure_id,
    }


async def test_bad_input_is_refused_in_german_and_nothing_is_stored(planning: str, ready: dict[str, Any]) -> None:
    westen = await area_number(ready, "westen")
    norden = await area_number(ready, "norden")
    db = ready["db"]
    async with httpx.AsyncClient(timeout=20) as client:
        body = need_body(ready, norden)
        outside = await client.post(f"{planning}/needs", json=body, headers=HEADERS)
        assert outside.status_code == 422
        assert outside.json()["errors"][0] == {
            "field": "residential_area_number",
            "message": f"Wohnbereich {norden} gehört nicht zum Sozialraum „westen“.",
        }
        named = await client.post(
            f"{planning}/needs", json=need_body(ready, westen, raised_by="Erika Mustermann"), headers=HEADERS
        )
        assert named.status_code == 422
        assert named.json()["errors"][0]["field"] == "raised_by"
        assert not await db.fetchval(
            "SELECT count(*) FROM needs WHERE document->>'title' = $1 OR document->>'raised_by' = $2",
            body["title"],
            "Erika Mustermann",
        )

        need_id = (await client.post(f"{planning}/needs", json=need_body(ready, westen), headers=HEADERS)).json()["id"]
        year = await cycle.free_year(ready, "westen")
        plan = await cycle.new_plan(client, planning, "westen", year)
        unknown = await client.post(
            f"{planning}/needs/{need_id}/take-into-plan",
            json={"plan_id": plan["id"], "measure_id": str(uuid.uuid4())},
            headers=HEADERS,
        )
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["field"] == "measure_id" and unknown.json()["detail"].startswith("Maßnahme ")

        north_year = await cycle.free_year(ready, "norden")
        north = await cycle.new_plan(client, planning, "norden", north_year)
        north_measure = await client.post(
            f"{planning}/plans/{north['id']}/measures", json=cycle.measure(ready, north_year), headers=HEADERS
        )
        wrong_area = await client.post(
            f"{planning}/needs/{need_id}/take-into-plan",
            json={"plan_id": north["id"], "measure_id": north_measure.json()["measure_id"]},
            headers=HEADERS,
        )
        assert wrong_area.status_code == 422
        assert "Sozialraum „norden“" in wrong_area.json()["detail"]

        declined = await client.post(
            f"{planning}/needs/{need_id}/decline", json={"reason": "Fläche gehört der Bahn"}, headers=HEADERS
        )
        assert declined.status_code == 200, declined.text
        twice = await client.post(
            f"{planning}/needs/{need_id}/forward", json={"forwarded_to": "Grünflächenamt"}, headers=HEADERS
        )
        assert twice.status_code == 409
        assert twice.json()["detail"].startswith("Der Bedarf ist bereits abgelehnt.")
        got = (await client.get(f"{planning}/needs/{need_id}")).json()
        assert (got["status"], got["forwarded_to"]) == ("declined", None)
        assert [h["event_type"].split(".")[2] for h in got["history"]] == ["NeedRaised", "NeedDeclined"]

        reopened = await client.post(
            f"{planning}/needs/{need_id}/reopen", json={"reason": "Bahn verkauft"}, headers=HEADERS
        )
        assert reopened.status_code == 200
        forwarded = await client.post(
            f"{planning}/needs/{need_id}/forward", json={"forwarded_to": "Grünflächenamt"}, headers=HEADERS
        )
        assert forwarded.status_code == 200
        trace = (await client.get(f"{planning}/needs/{need_id}/trace")).json()
        assert trace["where"] == {"forwarded_to": "Grünflächenamt"}

        missing = await client.get(f"{planning}/needs/{uuid.uuid4()}/trace")
        assert missing.status_code == 404
        assert "Bedarf" in missing.json()["detail"]


async def test_a_council_need_of_a_hearing_has_the_same_trace(planning: str, ready: dict[str, Any]) -> None:
    year = await cycle.free_year(ready, "mitte")
    async with httpx.AsyncClient(timeout=20) as client:
        plan_id, measure_id, _ = await cycle.presented_plan(client, planning, ready, "mitte", year)
        recorded = await client.post(
            f"{planning}/plans/{plan_id}/hearings/mitte/needs",
            json={"needs": [{"text": "Treffpunkt für Jugendliche"}]},
            headers=HEADERS,
        )
        need_id = recorded.json()["need_ids"][0]
        answered = await client.post(
            f"{planning}/plans/{plan_id}/needs/{need_id}/answer",
            json={"kind": "taken_into_plan", "measure_id": measure_id},
            headers=HEADERS,
        )
        assert answered.status_code == 200
        trace = (await client.get(f"{planning}/plans/{plan_id}/needs/{need_id}/trace")).json()
        assert trace["need"]["source"] == "district_council"
        assert trace["need"]["status"] == "taken_into_plan"
        assert trace["where"] == {
            "plan_id": plan_id,
            "year": year,
            "measure_id": measure_id,
            "measure_title": "Elterncafé",
        }
        assert (trace["measure_state"], trace["evaluation"]) == ("presented", None)
        unknown = await client.get(f"{planning}/plans/{plan_id}/needs/{uuid.uuid4()}/trace")
        assert unknown.status_code == 404


async def test_a_measure_a_need_was_taken_into_is_not_removed_until_the_need_is_reopened(
    planning: str, ready: dict[str, Any]
) -> None:
    year = await cycle.free_year(ready, "westen")
    number = await area_number(ready, "westen")
    async with httpx.AsyncClient(timeout=20) as client:
        need = (await client.post(f"{planning}/needs", json=need_body(ready, number), headers=HEADERS)).json()
        plan = await cycle.new_plan(client, planning, "westen", year)
        url = f"{planning}/plans/{plan['id']}"
        measure_id = (await client.post(f"{url}/measures", json=cycle.measure(ready, year), headers=HEADERS)).json()[
            "measure_id"
        ]
        taken = await client.post(
            f"{planning}/needs/{need['id']}/take-into-plan",
            json={"plan_id": plan["id"], "measure_id": measure_id},
            headers=HEADERS,
        )
        assert taken.status_code == 200, taken.text
        version = (await client.get(url)).json()["version"]

        refused = await client.delete(f"{url}/measures/{measure_id}", headers=HEADERS)
        assert refused.status_code == 409
        assert refused.json()["detail"] == (
            f"Der Bedarf „{need['title']}“ wurde mit der Maßnahme „Elterncafé“ in den Plan aufgenommen. "
            "Öffnen Sie ihn zuerst wieder (mit Begründung); danach kann die Maßnahme entfernt werden."
        )
        unchanged = (await client.get(url)).json()
        assert (unchanged["version"], [m["id"] for m in unchanged["measures"]]) == (version, [measure_id])
        assert (await client.get(f"{planning}/needs/{need['id']}/trace")).json()["where"]["measure_id"] == measure_id

        reopened = await client.post(
            f"{planning}/needs/{need['id']}/reopen", json={"reason": "anders lösen"}, headers=HEADERS
        )
        assert reopened.status_code == 200
        removed = await client.delete(f"{url}/measures/{measure_id}", headers=HEADERS)
        assert removed.status_code == 200, removed.text
        assert removed.json()["measures"] == []
