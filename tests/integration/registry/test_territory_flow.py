"""A territory change made through the API travels registry → outbox → Kafka → reporting."""

from __future__ import annotations

import uuid

import httpx

from quartier_shared.events.topics import REGISTRY_TERRITORY
from tests.support.helpers import eventually
from tests.support.kafka import header, read_topic
from tests.support.stack import Stack

EXPECTED_DISTRICTS = {
    "mitte": ["mitte"],
    "westen": ["mitte", "pelkum", "herringen"],
    "norden": ["bockum-hoevel", "heessen"],
    "uentrop": ["uentrop"],
    "rhynern": ["rhynern"],
    "pelkum": ["pelkum"],
    "herringen": ["herringen"],
    "bockum-hoevel": ["bockum-hoevel"],
    "heessen": ["heessen"],
}


async def _reporting_area(client: httpx.AsyncClient, stack: Stack, key: str) -> dict | None:
    response = await client.get(f"{stack.url('reporting')}/api/v1/territory/social-areas/{key}")
    return response.json() if response.status_code == 200 else None


async def test_reporting_knows_the_territory_from_events_only(stack: Stack) -> None:
    async with httpx.AsyncClient() as client:

        async def all_areas() -> list[dict] | None:
            areas = (await client.get(f"{stack.url('reporting')}/api/v1/territory/social-areas")).json()
            complete = len(areas) == 9 and sum(len(a["residential_areas"]) for a in areas) == 27
            return areas if complete else None

        areas = await eventually(all_areas)
        registry = (await client.get(f"{stack.url('registry')}/api/v1/social-areas")).json()
    assert {a["key"]: [d["key"] for d in a["districts"]] for a in areas} == EXPECTED_DISTRICTS
    assert sorted(areas, key=lambda a: a["key"]) == sorted(registry, key=lambda a: a["key"])


async def test_rename_of_a_community_centre_reaches_reporting(stack: Stack) -> None:
    new_name = f"Casino Pelkum ({uuid.uuid4().hex[:6]})"
    async with httpx.AsyncClient() as client:
        response = await client.put(
            f"{stack.url('registry')}/api/v1/social-areas/pelkum/community-centre",
            json={"name": new_name},
            headers={"X-Quartier-Actor": "test"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["community_centre"]["name"] == new_name

        async def renamed() -> bool:
            area = await _reporting_area(client, stack, "pelkum")
            return bool(area and area["community_centre"]["name"] == new_name)

        await eventually(renamed)
        history = (await client.get(f"{stack.url('reporting')}/api/v1/territory/history")).json()
    assert any(new_name in h["description"] for h in history)


async def test_moving_a_residential_area_changes_the_districts_of_both_areas(stack: Stack) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{stack.url('registry')}/api/v1/residential-areas/42/move", json={"social_area_key": "pelkum"}
        )
        assert response.status_code == 200, response.text
        assert response.json() == {"number": 42, "from_social_area_key": "westen", "to_social_area_key": "pelkum"}

        async def moved() -> dict | None:
            westen = await _reporting_area(client, stack, "westen")
            if westen and 42 not in [r["number"] for r in westen["residential_areas"]]:
                return westen
            return None

        westen = await eventually(moved)
        assert [d["key"] for d in westen["districts"]] == ["mitte", "herringen"]
        pelkum = await _reporting_area(client, stack, "pelkum")
        assert pelkum is not None and 42 in [r["number"] for r in pelkum["residential_areas"]]

        back = await client.post(
            f"{stack.url('registry')}/api/v1/residential-areas/42/move", json={"social_area_key": "westen"}
        )
        assert back.status_code == 200, back.text

        async def moved_back() -> bool:
            area = await _reporting_area(client, stack, "westen")
            return bool(area and [d["key"] for d in area["districts"]] == ["mitte", "pelkum", "herringen"])

        await eventually(moved_back)


async def test_refused_changes_say_why_in_german_and_announce_nothing(stack: Stack, registry_db) -> None:
    # the territory's own events: a move also announces its residents' new Sozialraum (PersonChanged)
    territory_events = "SELECT count(*) FROM outbox WHERE topic = 'quartier.registry.territory'"
    before = await registry_db.fetchval(territory_events)
    async with httpx.AsyncClient() as client:
        unknown = await client.post(
            f"{stack.url('registry')}/api/v1/residential-areas/99/move", json={"social_area_key": "pelkum"}
        )
        assert unknown.status_code == 404
        assert unknown.json()["detail"] == "Wohnbereich 99 ist nicht bekannt."

        last = await client.post(
            f"{stack.url('registry')}/api/v1/residential-areas/62/move", json={"social_area_key": "heessen"}
        )
        # Norden keeps 72; moving 62 is allowed in principle, but not to a social area that does not exist.
        bad_target = await client.post(
            f"{stack.url('registry')}/api/v1/residential-areas/11/move", json={"social_area_key": "atlantis"}
        )
        assert bad_target.status_code == 404
        assert "atlantis" in bad_target.json()["detail"]

        empty = await client.put(
            f"{stack.url('registry')}/api/v1/social-areas/mitte/community-centre", json={"name": "   "}
        )
        assert empty.status_code == 422
        assert empty.json()["detail"] == "Bitte geben Sie einen Namen für das Stadtteilzentrum an."
        assert last.status_code == 200
        undo = await client.post(
            f"{stack.url('registry')}/api/v1/residential-areas/62/move", json={"social_area_key": "norden"}
        )
        assert undo.status_code == 200
    assert await registry_db.fetchval(territory_events) == before + 2


async def test_the_correlation_id_of_a_request_travels_with_its_event(stack: Stack) -> None:
    correlation_id = f"anfrage-{uuid.uuid4().hex}"
    async with httpx.AsyncClient() as client:
        response = await client.put(
            f"{stack.url('registry')}/api/v1/social-areas/herringen/community-centre",
            json={"name": f"Haus der Jugend ({uuid.uuid4().hex[:6]})"},
            headers={"X-Correlation-ID": correlation_id},
        )
    assert response.status_code == 200, response.text
    assert response.headers["X-Correlation-ID"] == correlation_id
    topic = stack.topic_prefix + REGISTRY_TERRITORY.name

    async def announced() -> list:
        records = await read_topic(stack.env["QUARTIER_KAFKA_BOOTSTRAP"], topic)
        return [r for r in records if header(r, "ce_correlationid") == correlation_id]

    (record,) = await eventually(announced)
    assert header(record, "ce_type") == "quartier.registry.CommunityCentreRenamed.v1"
    assert header(record, "ce_subject") == "social-area/herringen"
    assert header(record, "ce_source") == "/quartier/registry"
