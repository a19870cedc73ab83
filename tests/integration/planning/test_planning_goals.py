"""Steering goals (Steuerungsziele) and a measure's offers through the planning API, on the real database and
broker: a goal is defined, a measure links to it, the goal lists the measure, a retired goal takes no new link;
a measure points only to offers in the registry's directory (learned from the registry's events).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import httpx

from quartier_planning.service import goals as goals_service
from quartier_registry.service.offers import demo_offer_id
from quartier_shared.events.topics import PLANNING_GOALS
from tests.support import planning_cycle as cycle
from tests.support.helpers import eventually, pool_as
from tests.support.kafka import header, read_topic
from tests.support.stack import Stack

planning = cycle.planning
planning_db = cycle.planning_db
ready = cycle.ready
HEADERS = {"X-Quartier-Actor": "lenkungskreis"}
DEMO_TITLES = {
    "Stadtteilarbeit als Gemeinschaftswerk aller Akteur:innen",
    "Stärkung der Teilhabe- und Beteiligungsstrukturen",
    "Steigerung der Transparenz und Effizienz",
}


def goal_body(**changes: Any) -> dict[str, Any]:
    return {
        "title": f"Quartiere gemeinsam entwickeln {uuid.uuid4().hex[:8]}",
        "description": "Aus dem Beschluss zur Stadtteilarbeit",
        "council_decision": "Ratsbeschluss vom 12.03.2024, Vorlage 0123/24",
        "decided_on": "2024-03-12",
        "valid_from_year": 2030,
        **changes,
    }


async def goal_events(stack: Stack, goal_id: str) -> list[tuple[str, dict[str, Any]]]:
    records = await read_topic(stack.env["QUARTIER_KAFKA_BOOTSTRAP"], stack.topic_prefix + PLANNING_GOALS.name)
    return [
        (str(header(r, "ce_type")), json.loads(r.value or b"{}"))
        for r in records
        if r.key == f"goal/{goal_id}".encode()
    ]


async def test_a_goal_reaches_the_districts_through_the_measures_linking_to_it(
    stack: Stack, planning: str, ready: dict[str, Any]
) -> None:
    year = await cycle.free_year(ready, "westen")
    async with httpx.AsyncClient(timeout=20) as client:
        created = await client.post(f"{planning}/goals", json=goal_body(), headers=HEADERS)
        assert created.status_code == 201, created.text
        goal = created.json()
        goal_id = goal["id"]
        assert (goal["version"], goal["retired"], goal["valid_until_year"]) == (1, False, None)
        assert set(goal) == {
            "id",
            "title",
            "description",
            "council_decision",
            "decided_on",
            "valid_from_year",
            "valid_until_year",
            "retired",
            "retired_reason",
            "version",
        }
        twin = await client.post(f"{planning}/goals", json=goal_body(title=goal["title"].upper()), headers=HEADERS)
        assert twin.status_code == 422
        assert twin.json()["errors"][0]["field"] == "title" and twin.json()["detail"].startswith("Ein Steuerungsziel „")

        in_year = (await client.get(f"{planning}/goals", params={"year": year})).json()
        assert goal_id in [g["id"] for g in in_year]
        before = (await client.get(f"{planning}/goals", params={"year": 2029})).json()
        assert goal_id not in [g["id"] for g in before]

        plan = await cycle.new_plan(client, planning, "westen", year)
        added = await client.post(
            f"{planning}/plans/{plan['id']}/measures",
            json=cycle.measure(ready, year, steering_goal_ids=[goal_id]),
            headers=HEADERS,
        )
        assert added.status_code == 201, added.text
        measure_id = added.json()["measure_id"]
        assert added.json()["measures"][0]["spec"]["steering_goal_ids"] == [goal_id]

        shown = (await client.get(f"{planning}/goals/{goal_id}")).json()
        assert shown["measures"] == [
            {
                "plan_id": plan["id"],
                "social_area_key": "westen",
                "year": year,
                "measure_id": measure_id,
                "title": "Elterncafé",
            }
        ]

        stale = await client.put(
            f"{planning}/goals/{goal_id}",
            json=goal_body(title=goal["title"], valid_until_year=2099),
            headers={**HEADERS, "If-Match": "1"},
        )
        assert stale.status_code == 200, stale.text
        assert stale.json()["version"] == 2
        again = await client.put(
            f"{planning}/goals/{goal_id}", json=goal_body(title="Anders"), headers={**HEADERS, "If-Match": "1"}
        )
        assert again.status_code == 409
        assert "inzwischen geändert" in again.json()["detail"]
        assert (await client.get(f"{planning}/goals/{goal_id}")).json()["title"] == goal["title"]

        no_reason = await client.post(f"{planning}/goals/{goal_id}/retire", json={"reason": " "}, headers=HEADERS)
        assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
        retired = await client.post(
            f"{planning}/goals/{goal_id}/retire", json={"reason": "Vom Rat aufgehoben"}, headers=HEADERS
        )
        assert retired.status_code == 200, retired.text
        assert (retired.json()["retired"], retired.json()["retired_reason"]) == (True, "Vom Rat aufgehoben")
        changed = await client.put(f"{planning}/goals/{goal_id}", json=goal_body(), headers=HEADERS)
        assert changed.status_code == 409
        assert "zurückgezogen" in changed.json()["detail"]

        refused = await client.post(
            f"{planning}/plans/{plan['id']}/measures",
            json=cycle.measure(ready, year, title="Lesepaten", steering_goal_ids=[goal_id]),
            headers=HEADERS,
        )
        assert refused.status_code == 422
        assert refused.json()["errors"][0] == {
            "field": "steering_goal_ids",
            "message": f"Steuerungsziel „{goal['title']}“ ist zurückgezogen.",
        }
        unknown = str(uuid.uuid4())
        refused = await client.post(
            f"{planning}/plans/{plan['id']}/measures",
            json=cycle.measure(ready, year, steering_goal_ids=[unknown]),
            headers=HEADERS,
        )
        assert refused.json()["errors"][0] == {
            "field": "steering_goal_ids",
            "message": f"Steuerungsziel {unknown} ist nicht bekannt.",
        }
        assert len((await client.get(f"{planning}/plans/{plan['id']}")).json()["measures"]) == 1

        active = (await client.get(f"{planning}/goals")).json()
        assert goal_id not in [g["id"] for g in active]
        everything = (await client.get(f"{planning}/goals", params={"include_retired": "true"})).json()
        assert goal_id in [g["id"] for g in everything]
        shown = (await client.get(f"{planning}/goals/{goal_id}")).json()
        assert [(h["version"], h["event_type"].split(".")[2], h["actor"]) for h in shown["history"]] == [
            (1, "GoalDefined", "lenkungskreis"),
            (2, "GoalChanged", "lenkungskreis"),
            (3, "GoalRetired", "lenkungskreis"),
        ]
        assert len(shown["measures"]) == 1  # the existing link stays
        assert (await client.get(f"{planning}/goals/{uuid.uuid4()}")).status_code == 404

    async def on_broker() -> list[tuple[str, dict[str, Any]]] | None:
        events = await goal_events(stack, goal_id)
        return events if len(events) >= 3 else None

    events = await eventually(on_broker, timeout=30)
    assert [t for t, _ in events] == [
        "quartier.planning.GoalDefined.v1",
        "quartier.planning.GoalChanged.v1",
        "quartier.planning.GoalRetired.v1",
    ]
    assert events[0][1] == {
        "goal_id": goal_id,
        "title": goal["title"],
        "council_decision": "Ratsbeschluss vom 12.03.2024, Vorlage 0123/24",
        "valid_from_year": 2030,
        "valid_until_year": None,
    }
    assert events[2][1]["reason"] == "Vom Rat aufgehoben"
    assert events[2][1]["valid_until_year"] == 2099


async def test_a_goal_not_valid_in_the_plan_year_takes_no_link(planning: str, ready: dict[str, Any]) -> None:
    year = await cycle.free_year(ready, "mitte")
    async with httpx.AsyncClient(timeout=20) as client:
        old = (
            await client.post(
                f"{planning}/goals", json=goal_body(valid_from_year=2020, valid_until_year=2030), headers=HEADERS
            )
        ).json()
        plan = await cycle.new_plan(client, planning, "mitte", year)
        refused = await client.post(
            f"{planning}/plans/{plan['id']}/measures",
            json=cycle.measure(ready, year, steering_goal_ids=[old["id"]]),
            headers=HEADERS,
        )
        assert refused.status_code == 422
        assert refused.json()["errors"][0] == {
            "field": "steering_goal_ids",
            "message": f"Steuerungsziel „{old['title']}“ gilt nicht im Planjahr {year} (gültig ab 2020 bis 2030).",
        }
        retired = await client.post(f"{planning}/goals/{old['id']}/retire", json={"reason": "Probe"}, headers=HEADERS)
        assert retired.status_code == 200


async def test_the_demo_goals_are_there_once_and_seeding_is_safe_when_run_at_once(
    stack: Stack, planning: str, env: dict[str, str], tmp_path: Path
) -> None:
    async with httpx.AsyncClient(timeout=20) as client:
        goals = (await client.get(f"{planning}/goals")).json()
    demo = {g["title"]: g for g in goals if g["title"] in DEMO_TITLES}
    assert set(demo) == DEMO_TITLES
    assert all(g["council_decision"].startswith("Demo: fiktiver Ratsbeschluss") for g in demo.values())
    assert {g["id"] for g in demo.values()} == {
        str(goals_service.demo_goal_id(k)) for k in ("gemeinschaftswerk", "teilhabe", "transparenz")
    }

    pool = await pool_as(env, "planning", min_size=1, max_size=4)
    try:
        # a second start does nothing
        assert await goals_service.load_demo_goals(pool) == 0
        # two instances seeding at once: each goal once, with one GoalDefined each
        key = uuid.uuid4().hex[:8]
        path = tmp_path / "goals.yaml"
        path.write_text(
            "goals:\n"
            + "".join(
                f"- key: {key}-{i}\n  title: Probeziel {key} {i}\n  council_decision: 'Demo: Vorlage {i}'\n"
                f"  decided_on: 2024-01-0{i}\n  valid_from_year: 2025\n"
                for i in (1, 2)
            ),
            encoding="utf-8",
        )
        created = await asyncio.gather(*(goals_service.load_demo_goals(pool, path, who="probe") for _ in range(3)))
        assert sorted(created) == [0, 0, 2]
        async with pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT g.id, count(h.*) AS events FROM steering_goals g JOIN goal_history h ON h.goal_id = g.id "
                "WHERE g.title LIKE $1 GROUP BY g.id",
                f"Probeziel {key} %",
            )
        assert sorted(r["id"] for r in rows) == sorted(goals_service.demo_goal_id(f"{key}-{i}") for i in (1, 2))
        assert [r["events"] for r in rows] == [1, 1]
        for row in rows:  # leave no probe goals in the lists of later tests
            await goals_service.retire(pool, row["id"], "Probe beendet", "probe")
    finally:
        await pool.close()


async def test_a_measure_points_only_to_offers_in_the_directory(
    stack: Stack, planning: str, ready: dict[str, Any]
) -> None:
    registry = f"{stack.url('registry')}/api/v1"
    demo_offer = str(demo_offer_id("mitte-mittagstisch"))

    async def known(offer_id: str, withdrawn: bool = False) -> bool:
        return bool(
            await ready["db"].fetchval(
                "SELECT true FROM registry_offers WHERE id = $1 AND withdrawn = $2", uuid.UUID(offer_id), withdrawn
            )
        )

    await eventually(lambda: known(demo_offer), timeout=60)
    year = await cycle.free_year(ready, "rhynern")
    async with httpx.AsyncClient(timeout=20) as client:
        plan = await cycle.new_plan(client, planning, "rhynern", year)
        url = f"{planning}/plans/{plan['id']}/measures"
        ok = await client.post(url, json=cycle.measure(ready, year, offer_ids=[demo_offer]), headers=HEADERS)
        assert ok.status_code == 201, ok.text
        assert ok.json()["measures"][0]["spec"]["offer_ids"] == [demo_offer]

        unknown = str(uuid.uuid4())
        refused = await client.post(url, json=cycle.measure(ready, year, offer_ids=[unknown]), headers=HEADERS)
        assert refused.status_code == 422
        assert refused.json()["errors"][0] == {"field": "offer_ids", "message": f"Angebot {unknown} ist nicht bekannt."}

        offer = {
            "title": f"Boule im Park {uuid.uuid4().hex[:6]}",
            "description": "Boule für alle Generationen, Kugeln sind da.",
            "provider_actor_id": ready["actors"][0],
            "field_of_action": ready["field"],
            "target_groups": ["Senior:innen"],
            "place": {"kind": "community_centre", "social_area_key": "rhynern"},
            "free_of_charge": True,
            "contact": {"office": "Stadtteilbüro Rhynern", "email": "stadtteilbuero-rhynern@example.org"},
        }
        created = await client.post(f"{registry}/offers", json=offer, headers=HEADERS)
        assert created.status_code == 201, created.text
        offer_id = created.json()["offer"]["id"]
        await eventually(lambda: known(offer_id), timeout=30)
        linked = await client.post(
            url, json=cycle.measure(ready, year, title="Boule", offer_ids=[offer_id]), headers=HEADERS
        )
        assert linked.status_code == 201, linked.text

        withdrawn = await client.post(
            f"{registry}/offers/{offer_id}/withdraw", json={"reason": "Angebot endet"}, headers=HEADERS
        )
        assert withdrawn.status_code == 200, withdrawn.text
        await eventually(lambda: known(offer_id, withdrawn=True), timeout=30)
        refused = await client.post(
            url, json=cycle.measure(ready, year, title="Boule 2", offer_ids=[offer_id]), headers=HEADERS
        )
        assert refused.status_code == 422
        assert refused.json()["errors"][0] == {
            "field": "offer_ids",
            "message": f"Angebot {offer_id} wurde zurückgezogen.",
        }
        titles = [m["spec"]["title"] for m in (await client.get(f"{planning}/plans/{plan['id']}")).json()["measures"]]
        assert titles == ["Elterncafé", "Boule"]


async def test_goal_events_are_documented_in_asyncapi(stack: Stack, planning: str) -> None:
    document = httpx.get(f"{stack.url('planning')}/asyncapi.json").json()
    names = {m["name"] for m in document["components"]["messages"].values()}
    assert {f"quartier.planning.Goal{n}.v1" for n in ("Defined", "Changed", "Retired")} <= names
    assert "quartier.invitations.NeedRaised.v1" in names
    assert {"send_quartier_planning_goals", "receive_quartier_registry_offers"} <= set(document["operations"])
