"""The Jahresplan cycle through the planning API, on the real database and broker.

Planning runs as a process; its copy of the registry (territory, vocabularies, actors) is built by its own
consumers from the registry's events, as in production.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from tests.support.helpers import eventually
from tests.support.planning_cycle import HEADERS, free_year, measure, new_plan, plan_events, presented_plan
from tests.support.stack import Stack


@pytest.mark.parametrize(
    ("area", "districts"),
    [
        ("westen", ["mitte", "pelkum", "herringen"]),
        ("norden", ["bockum-hoevel", "heessen"]),
        ("mitte", ["mitte"]),
    ],
)
async def test_the_whole_cycle(
    stack: Stack, planning: str, ready: dict[str, Any], area: str, districts: list[str]
) -> None:
    year = await free_year(ready, area)
    async with httpx.AsyncClient(timeout=20) as client:
        plan_id, measure_id, presented = await presented_plan(client, planning, ready, area, year)
        assert [h["district_key"] for h in presented["hearings"]] == districts
        need_ids: list[str] = []
        for key in districts:
            recorded = await client.post(
                f"{planning}/plans/{plan_id}/hearings/{key}/needs",
                json={"needs": [{"text": f"Treffpunkt für Jugendliche in {key}", "field_of_action": ready["field"]}]},
                headers={"X-Quartier-Actor": f"bv-{key}"},
            )
            assert recorded.status_code == 201, recorded.text
            need_ids += recorded.json()["need_ids"]
        answers = [
            {"kind": "taken_into_plan", "measure_id": measure_id},
            {"kind": "forwarded", "forwarded_to": "Jugendamt"},
            {"kind": "not_possible", "reason": "Kein Raum verfügbar"},
        ]
        for need_id, answer in zip(need_ids, answers, strict=False):
            answered = await client.post(
                f"{planning}/plans/{plan_id}/needs/{need_id}/answer", json=answer, headers=HEADERS
            )
            assert answered.status_code == 200, answered.text
        for key in districts:
            closed = await client.post(f"{planning}/plans/{plan_id}/hearings/{key}/close", headers=HEADERS)
            assert closed.status_code == 200, closed.text
        for step in ("finalize", "start"):
            moved = await client.post(f"{planning}/plans/{plan_id}/{step}", headers=HEADERS)
            assert moved.status_code == 200, moved.text
        reviewed = await client.post(
            f"{planning}/plans/{plan_id}/mid-year-review",
            json={
                "entries": [
                    {"decision": "continued", "reason": "gut besucht", "measure_id": measure_id},
                    {
                        "decision": "added",
                        "reason": "Bedarf aus der Anhörung",
                        "measure": measure(ready, year, title="Sprachcafé", starts_on=f"{year}-08-01"),
                    },
                ]
            },
            headers=HEADERS,
        )
        assert reviewed.status_code == 200, reviewed.text
        added_id = reviewed.json()["measures"][1]["id"]
        evaluated = await client.post(
            f"{planning}/plans/{plan_id}/evaluate",
            json={
                "entries": [
                    {
                        "measure_id": measure_id,
                        "outcome": "done",
                        "indicators_reached": ["24 Familien"],
                        "lessons": "früh werben",
                    },
                    {
                        "measure_id": added_id,
                        "outcome": "partly",
                        "indicators_reached": [],
                        "lessons": "zu spät begonnen",
                    },
                ]
            },
            headers=HEADERS,
        )
        assert evaluated.status_code == 200, evaluated.text
        assert evaluated.json()["state"] == "evaluated"
        carried = await client.post(f"{planning}/plans/{plan_id}/carry-over", headers=HEADERS)
        assert carried.status_code == 200, carried.text
        next_plan = carried.json()["next_plan"]
        assert (next_plan["year"], next_plan["state"]) == (year + 1, "draft")
        assert [m["carried_from"] for m in next_plan["measures"]] == [added_id]
        assert next_plan["measures"][0]["spec"]["starts_on"] == f"{year + 1}-08-01"
        again = await client.post(f"{planning}/plans/{plan_id}/carry-over", headers=HEADERS)
        assert again.status_code == 409

        plan = (await client.get(f"{planning}/plans/{plan_id}")).json()
        assert plan["state"] == "evaluated"
        assert all(n["answer"] for n in plan["needs"])
        actors = {h["actor"] for h in plan["history"]}
        assert {"koordination-westen", f"bv-{districts[0]}"} <= actors
        listed = (await client.get(f"{planning}/plans", params={"year": year, "social_area_key": area})).json()
        assert [p["id"] for p in listed] == [plan_id]

    expected = [
        "PlanDrafted",
        "MeasureAdded",
        "PlanSubmitted",
        *["CouncilNeedsRecorded"] * len(districts),
        *["NeedAnswered"] * len(districts),
        *["HearingClosed"] * len(districts),
        "PlanFinalized",
        "PlanStarted",
        "MidYearReviewCompleted",
        "PlanEvaluated",
    ]

    async def on_broker() -> list[tuple[str, dict[str, Any]]] | None:
        events = await plan_events(stack, area, year)
        return events if len(events) >= len(expected) else None

    events = await eventually(on_broker, timeout=30)
    assert [t for t, _ in events] == [f"quartier.planning.{name}.v1" for name in expected]
    submitted = next(data for t, data in events if t.endswith("PlanSubmitted.v1"))
    assert submitted["hearing_district_keys"] == districts
    assert all(data["plan_id"] == plan_id for _, data in events)

    async def next_year_on_broker() -> list[str] | None:
        types = [t for t, _ in await plan_events(stack, area, year + 1)]
        return types if len(types) >= 2 else None

    assert await eventually(next_year_on_broker, timeout=30) == [
        "quartier.planning.PlanDrafted.v1",
        "quartier.planning.MeasuresCarriedOver.v1",
    ]


async def test_finalising_is_refused_while_a_hearing_is_open_or_a_need_unanswered(
    planning: str, ready: dict[str, Any]
) -> None:
    year = await free_year(ready, "westen")
    async with httpx.AsyncClient(timeout=20) as client:
        plan_id, _, _ = await presented_plan(client, planning, ready, "westen", year)
        recorded = await client.post(
            f"{planning}/plans/{plan_id}/hearings/pelkum/needs",
            json={"needs": [{"text": "Spielplatz"}, {"text": "Beratung"}]},
            headers=HEADERS,
        )
        assert recorded.status_code == 201
        for key in ("mitte", "herringen"):
            assert (
                await client.post(f"{planning}/plans/{plan_id}/hearings/{key}/close", headers=HEADERS)
            ).status_code == 200
        before = (await client.get(f"{planning}/plans/{plan_id}")).json()
        refused = await client.post(f"{planning}/plans/{plan_id}/finalize", headers=HEADERS)
        assert refused.status_code == 409
        assert refused.json()["detail"] == (
            "Die Anhörung der Bezirksvertretung Hamm-Pelkum ist noch offen; 2 Bedarfe sind unbeantwortet."
        )
        after = (await client.get(f"{planning}/plans/{plan_id}")).json()
        assert after == before

        assert (
            await client.post(f"{planning}/plans/{plan_id}/hearings/pelkum/close", headers=HEADERS)
        ).status_code == 200
        refused = await client.post(f"{planning}/plans/{plan_id}/finalize", headers=HEADERS)
        assert refused.status_code == 409
        assert refused.json()["detail"] == "2 Bedarfe sind unbeantwortet."


async def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
    planning: str, ready: dict[str, Any]
) -> None:
    year = await free_year(ready, "uentrop")
    async with httpx.AsyncClient(timeout=20) as client:
        plan = await new_plan(client, planning, "uentrop", year)
        url = f"{planning}/plans/{plan['id']}"
        duplicate = await client.post(f"{planning}/plans", json={"social_area_key": "uentrop", "year": year})
        assert duplicate.status_code == 409
        assert "bereits einen Plan" in duplicate.json()["detail"]
        unknown_area = await client.post(f"{planning}/plans", json={"social_area_key": "atlantis", "year": year})
        assert unknown_area.status_code == 422
        assert unknown_area.json()["errors"][0]["field"] == "social_area_key"
        out_of_order = await client.post(f"{url}/present", headers=HEADERS)
        assert out_of_order.status_code == 409
        assert "Maßnahme" in out_of_order.json()["detail"]
        for changes, field in (
            ({"field_of_action": "Raumfahrt"}, "field_of_action"),
            ({"responsible_actor_id": "00000000-0000-0000-0000-00000000abcd"}, "responsible_actor_id"),
            ({"starts_on": f"{year - 1}-12-01"}, "starts_on"),
            ({"ends_on": f"{year + 1}-01-15"}, "ends_on"),
        ):
            refused = await client.post(f"{url}/measures", json=measure(ready, year, **changes), headers=HEADERS)
            assert refused.status_code == 422, refused.text
            assert refused.json()["errors"][0]["field"] == field
        assert (await client.get(url)).json()["measures"] == []
        assert (await client.get(f"{planning}/plans/00000000-0000-0000-0000-000000000000")).status_code == 404
        assert (await client.post(f"{url}/finalize")).status_code == 409


async def test_a_final_plan_is_not_edited_outside_the_mid_year_review(planning: str, ready: dict[str, Any]) -> None:
    year = await free_year(ready, "mitte")
    async with httpx.AsyncClient(timeout=20) as client:
        plan_id, measure_id, _ = await presented_plan(client, planning, ready, "mitte", year)
        await client.post(f"{planning}/plans/{plan_id}/hearings/mitte/close", headers=HEADERS)
        assert (await client.post(f"{planning}/plans/{plan_id}/finalize", headers=HEADERS)).status_code == 200
        changed = await client.put(
            f"{planning}/plans/{plan_id}/measures/{measure_id}", json=measure(ready, year, title="Neu"), headers=HEADERS
        )
        assert changed.status_code == 409
        assert "Halbjahresbilanz" in changed.json()["detail"]
        assert (await client.delete(f"{planning}/plans/{plan_id}/measures/{measure_id}")).status_code == 409
        early = await client.post(f"{planning}/plans/{plan_id}/evaluate", json={"entries": []})
        assert early.status_code == 409
        assert "Halbjahresbilanz" in early.json()["detail"]


async def test_concurrent_commands_on_one_plan_produce_one_consistent_result(
    planning: str, ready: dict[str, Any]
) -> None:
    year = await free_year(ready, "norden")
    async with httpx.AsyncClient(timeout=20) as client:
        plan_id, measure_id, _ = await presented_plan(client, planning, ready, "norden", year)
        recorded = await client.post(
            f"{planning}/plans/{plan_id}/hearings/heessen/needs", json={"needs": [{"text": "Bänke"}]}, headers=HEADERS
        )
        need_id = recorded.json()["need_ids"][0]
        answers = await asyncio.gather(
            *(
                client.post(f"{planning}/plans/{plan_id}/needs/{need_id}/answer", json=body, headers=HEADERS)
                for body in (
                    {"kind": "taken_into_plan", "measure_id": measure_id},
                    {"kind": "not_possible", "reason": "kein Budget"},
                )
            )
        )
        assert sorted(r.status_code for r in answers) == [200, 409]
        winner = next(r for r in answers if r.status_code == 200).json()
        plan = (await client.get(f"{planning}/plans/{plan_id}")).json()
        assert plan["needs"][0]["answer"] == winner["needs"][0]["answer"]
        assert [h["event_type"] for h in plan["history"]].count("quartier.planning.NeedAnswered.v1") == 1

        for key in ("bockum-hoevel", "heessen"):
            await client.post(f"{planning}/plans/{plan_id}/hearings/{key}/close", headers=HEADERS)
        finals = await asyncio.gather(
            *(client.post(f"{planning}/plans/{plan_id}/finalize", headers=HEADERS) for _ in range(2))
        )
        assert sorted(r.status_code for r in finals) == [200, 409]
        plan = (await client.get(f"{planning}/plans/{plan_id}")).json()
        assert plan["state"] == "final"
        assert [h["event_type"] for h in plan["history"]].count("quartier.planning.PlanFinalized.v1") == 1


async def test_edits_race_optimistically_and_every_version_can_be_read(planning: str, ready: dict[str, Any]) -> None:
    year = await free_year(ready, "rhynern")
    async with httpx.AsyncClient(timeout=20) as client:
        plan = await new_plan(client, planning, "rhynern", year)
        url = f"{planning}/plans/{plan['id']}"
        added = await client.post(f"{url}/measures", json=measure(ready, year), headers=HEADERS)
        assert added.json()["version"] == 2
        measure_id = added.json()["measure_id"]
        edits = await asyncio.gather(
            *(
                client.put(
                    f"{url}/measures/{measure_id}",
                    json=measure(ready, year, title=title),
                    headers={"X-Quartier-Actor": who, "If-Match": "2"},
                )
                for title, who in (("Elterncafé am Montag", "runde-a"), ("Elterncafé am Freitag", "runde-b"))
            )
        )
        assert sorted(r.status_code for r in edits) == [200, 409]
        loser = next(r for r in edits if r.status_code == 409)
        assert "inzwischen geändert" in loser.json()["detail"]
        winner = next(r for r in edits if r.status_code == 200).json()
        current = (await client.get(url)).json()
        assert current["version"] == 3
        assert current["measures"][0]["spec"]["title"] == winner["measures"][0]["spec"]["title"]
        v2 = (await client.get(f"{url}/versions/2")).json()
        v3 = (await client.get(f"{url}/versions/3")).json()
        assert v2["measures"][0]["spec"]["title"] == "Elterncafé"
        assert v3["measures"][0]["spec"]["title"] == winner["measures"][0]["spec"]["title"]
        assert [(h["version"], h["event_type"].split(".")[2]) for h in current["history"]] == [
            (1, "PlanDrafted"),
            (2, "MeasureAdded"),
            (3, "MeasureChanged"),
        ]
        assert (await client.get(f"{url}/versions/9")).status_code == 404


async def test_the_cycle_events_are_documented_in_asyncapi(stack: Stack, planning: str) -> None:
    document = httpx.get(f"{stack.url('planning')}/asyncapi.json").json()
    names = {m["name"] for m in document["components"]["messages"].values()}
    cycle = ("PlanDrafted", "PlanSubmitted", "CouncilNeedsRecorded", "NeedAnswered", "HearingClosed", "PlanFinalized")
    assert {f"quartier.planning.{n}.v1" for n in cycle} | {
        f"quartier.planning.{n}.v1"
        for n in ("PlanStarted", "MidYearReviewCompleted", "PlanEvaluated", "MeasuresCarriedOver")
    } <= names


async def test_two_versions_of_a_plan_compare(planning: str, ready: dict[str, Any]) -> None:
    year = await free_year(ready, "norden")
    async with httpx.AsyncClient(timeout=20) as client:
        plan_id, measure_id, _ = await presented_plan(client, planning, ready, "norden", year)  # versions 1–3
        url = f"{planning}/plans/{plan_id}"
        changed = await client.put(
            f"{url}/measures/{measure_id}",
            json=measure(ready, year, title="Familiencafé", ends_on=f"{year}-12-15"),
            headers=HEADERS,
        )
        assert changed.status_code == 200, changed.text
        recorded = await client.post(
            f"{url}/hearings/heessen/needs", json={"needs": [{"text": "Bänke am Teich"}]}, headers=HEADERS
        )
        need_id = recorded.json()["need_ids"][0]
        answered = await client.post(
            f"{url}/needs/{need_id}/answer", json={"kind": "forwarded", "forwarded_to": "Grünflächenamt"}
        )
        assert answered.status_code == 200
        closed = await client.post(f"{url}/hearings/heessen/close", headers=HEADERS)
        last = closed.json()["version"]

        diff = await client.get(f"{url}/compare", params={"from": 2, "to": last})
        assert diff.status_code == 200, diff.text
        assert diff.json() == {
            "plan_id": plan_id,
            "from": 2,
            "to": last,
            "state": {"from": "draft", "to": "presented"},
            "measures": {
                "added": [],
                "removed": [],
                "changed": [
                    {
                        "id": measure_id,
                        "title": "Familiencafé",
                        "fields": [
                            {"field": "title", "before": "Elterncafé", "after": "Familiencafé"},
                            {"field": "ends_on", "before": f"{year}-11-30", "after": f"{year}-12-15"},
                        ],
                    }
                ],
            },
            "hearings": [
                {
                    "district_key": "bockum-hoevel",
                    "district_name": "Hamm-Bockum-Hövel",
                    "before": None,
                    "after": "offen",
                },
                {"district_key": "heessen", "district_name": "Hamm-Heessen", "before": None, "after": "geschlossen"},
            ],
            "needs": {
                "added": [{"id": need_id, "district_key": "heessen", "text": "Bänke am Teich"}],
                "answered": [{"id": need_id, "text": "Bänke am Teich", "kind": "forwarded"}],
            },
        }
        back = (await client.get(f"{url}/compare", params={"from": last, "to": 1})).json()
        assert back["state"] == {"from": "presented", "to": "draft"}
        assert back["measures"]["removed"] == [{"id": measure_id, "title": "Familiencafé"}]
        same = (await client.get(f"{url}/compare", params={"from": last, "to": last})).json()
        assert same["state"] is None and same["hearings"] == [] and same["measures"]["changed"] == []

        assert (await client.get(f"{url}/compare", params={"from": 1, "to": 99})).status_code == 404
        assert (
            await client.get(f"{planning}/plans/{uuid.uuid4()}/compare", params={"from": 1, "to": 2})
        ).status_code == 404
        assert (await client.get(f"{url}/compare", params={"from": 1})).status_code == 422
