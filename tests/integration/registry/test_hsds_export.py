"""The HSDS 3.0 export of the offer directory through the gateway, on the real stack.

Every response is validated against the official HSDS 3.0 schemas in ``../shared/reference/hsds/3.0``
(read offline: the openapi document's absolute ``$ref``s and the schemas' relative ones resolve
through a local ``referencing`` registry). Without that folder the tests skip and say why.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest

from quartier_registry.service.offers import demo_offer_id
from tests.support.helpers import urls_in
from tests.support.schemas import (
    assert_hsds_valid,
    hsds_compiled_schema,
    hsds_object_schema,
    hsds_response_schema,
    needs_hsds_schemas,
)
from tests.support.stack import Stack

ACTOR = {"X-Quartier-Actor": "test-hsds"}

pytestmark = needs_hsds_schemas

PAGE_KEYS = {"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"}


def assert_page(body: dict[str, Any], path: str) -> None:
    """``path``: the endpoint as the standard names it (``/services``) or as served (``/hsds/services``)."""
    assert set(body) >= PAGE_KEYS, body.keys()
    assert_hsds_valid(body, hsds_response_schema(path.removeprefix("/hsds")))
    assert body["size"] == len(body["contents"])
    assert body["empty"] == (not body["contents"])


def assert_urls_from(value: Any, base: str) -> None:
    urls = urls_in(value)
    wrong = [u for u in urls if not u.startswith(base + "/")]
    assert not wrong, wrong


# ---------------------------------------------------------------- data of the tests


def club(provider: str, **changes: Any) -> dict[str, Any]:
    offer: dict[str, Any] = {
        "title": "Seniorentanz im Pfarrheim Rhynern",
        "description": "Tanzen im Sitzen und Stehen für ältere Menschen, mit Musik vom Band.",
        "provider_actor_id": provider,
        "field_of_action": "Senior:innenarbeit",
        "cross_cutting_themes": ["Gesundheit", "Inklusion"],
        "target_groups": ["Senior:innen"],
        "languages": ["Deutsch", "Türkisch"],
        "place": {
            "kind": "address",
            "residential_area_number": 33,
            "street": "Unionstraße 3",
            "postal_code": "59069",
            "name": "Pfarrheim St. Regina",
        },
        "schedule": {
            "recurrences": [
                {
                    "frequency": "monthly",
                    "weekdays": ["tuesday"],
                    "ordinals": [1, 3],
                    "start_time": "15:00",
                    "end_time": "16:30",
                }
            ]
        },
        "free_of_charge": False,
        "cost": "2 € pro Nachmittag",
        "accessibility": {"wheelchair_accessible": True, "notes": "Eingang über den Hof, ohne Stufen"},
        "contact": {
            "office": "Seniorenbüro Rhynern",
            "email": "senioren-rhynern@example.org",
            "phone": "02381 555-0177",
        },
    }
    offer.update(changes)
    return offer


async def _setup(stack: Stack) -> dict[str, Any]:
    """An actor with one offer and one offer of a provider the directory does not know."""
    async with httpx.AsyncClient(base_url=stack.url("registry")) as client:
        actor = await client.post(
            "/api/v1/actors",
            json={
                "name": "Seniorenhilfe Rhynern e. V. (Test)",
                "type": "association",
                "social_area_keys": ["rhynern"],
                "address": {"street": "Unionstraße 5", "postcode": "59069", "city": "Hamm"},
                "email": "kontakt@seniorenhilfe-rhynern.example",
                "phone": "02381 555-0178",
            },
            headers=ACTOR,
        )
        assert actor.status_code == 201, actor.text
        actor_id = actor.json()["id"]
        known = await client.post("/api/v1/offers", json=club(actor_id), headers=ACTOR)
        assert known.status_code == 201, known.text
        stranger = str(uuid.uuid4())
        unknown = await client.post(
            "/api/v1/offers",
            json=club(
                stranger,
                title="Skatrunde am Nachmittag",
                description="Skat spielen in gemütlicher Runde, Anfänger:innen willkommen.",
                field_of_action="Quartiersmanagement",
                target_groups=["Erwachsene"],
                cross_cutting_themes=[],
                place={"kind": "community_centre", "social_area_key": "uentrop"},
                free_of_charge=True,
                cost=None,
                schedule={
                    "recurrences": [
                        {"frequency": "weekly", "weekdays": ["friday"], "start_time": "14:00", "end_time": "17:00"}
                    ]
                },
            ),
            headers=ACTOR,
        )
        assert unknown.status_code == 201, unknown.text
    return {
        "actor_id": actor_id,
        "known": known.json()["offer"]["id"],
        "unknown": unknown.json()["offer"]["id"],
        "stranger": stranger,
    }


@pytest.fixture(scope="module")
async def seeded(stack: Stack) -> dict[str, Any]:
    return await _setup(stack)


async def _all_services(client: httpx.AsyncClient, path: str = "/hsds/services", **params: Any) -> list[dict[str, Any]]:
    """Pages through a list, validating every page; returns the contents of all pages."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        r = await client.get(path, params={**params, "page": page, "per_page": 7})
        assert r.status_code == 200, r.text
        body = r.json()
        assert_page(body, path)
        assert body["page_number"] == page
        items += body["contents"]
        if body["last_page"]:
            assert len(items) == body["total_items"]
            return items
        assert body["size"] == 7
        page += 1


# ---------------------------------------------------------------- tests


async def test_the_entry_point_names_the_version(stack: Stack) -> None:
    gateway = stack.url("gateway")
    async with httpx.AsyncClient(base_url=gateway) as client:
        for path in ("/hsds", "/hsds/"):
            r = await client.get(path)
            assert r.status_code == 200, r.text
            assert r.json()["version"] == "3.0"
            assert r.headers["access-control-allow-origin"] == "*"
    assert r.json()["services_url"] == f"{gateway}/hsds/services"


async def test_every_service_pages_and_validates_through_the_gateway(stack: Stack, seeded: dict[str, Any]) -> None:
    gateway = stack.url("gateway")
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as client:
        listed = await _all_services(client)
        ids = [s["id"] for s in listed]
        assert len(ids) == len(set(ids))
        assert {seeded["known"], seeded["unknown"], str(demo_offer_id("mitte-mittagstisch"))} <= set(ids)
        assert len(ids) >= 30  # the demo offers
        full_schema = hsds_response_schema("/services/{id}")
        per_object = hsds_object_schema("service")
        for service_id in ids:
            r = await client.get(f"/hsds/services/{service_id}")
            assert r.status_code == 200, r.text
            service = r.json()
            assert service["id"] == service_id
            assert_hsds_valid(service, full_schema)
            assert_hsds_valid(service, per_object)
            assert_urls_from(service, gateway)
            assert service["service_areas"] and service["service_at_locations"] and service["attributes"]


async def test_a_service_carries_its_organization_place_schedule_and_terms(
    stack: Stack, seeded: dict[str, Any]
) -> None:
    gateway = stack.url("gateway")
    async with httpx.AsyncClient(base_url=gateway) as client:
        service = (await client.get(f"/hsds/services/{seeded['known']}")).json()
        stranger = (await client.get(f"/hsds/services/{seeded['unknown']}")).json()
    org = service["organization"]
    assert org["id"] == seeded["actor_id"]
    assert org["name"] == "Seniorenhilfe Rhynern e. V. (Test)"
    assert org["email"] == "kontakt@seniorenhilfe-rhynern.example"
    assert org["uri"] == f"{gateway}/hsds/organizations/{seeded['actor_id']}"
    assert stranger["organization"]["id"] == seeded["stranger"]
    assert stranger["organization"]["name"] == "Träger (nicht im Akteursverzeichnis)"

    assert service["status"] == "active"
    assert service["email"] == "senioren-rhynern@example.org"
    assert [p["number"] for p in service["phones"]] == ["02381 555-0177"]
    assert [(lang["name"], lang["code"]) for lang in service["languages"]] == [("Deutsch", "de"), ("Türkisch", "tr")]
    assert service["cost_options"][0]["amount"] == 2
    (schedule,) = service["schedules"]
    assert (schedule["freq"], schedule["byday"], schedule["opens_at"], schedule["closes_at"]) == (
        "MONTHLY",
        "1TU,3TU",
        "15:00",
        "16:30",
    )
    location = service["service_at_locations"][0]["location"]
    assert location["addresses"][0]["address_1"] == "Unionstraße 3"
    assert location["addresses"][0]["city"] == "Hamm"
    assert location["accessibility"][0]["details"] == "Eingang über den Hof, ohne Stufen"
    assert service["service_areas"][0]["name"] == "Sozialraum Rhynern"
    taxonomies = {a["taxonomy_term"]["taxonomy"] for a in service["attributes"]}
    assert taxonomies == {"Handlungsfelder", "Querschnittsthemen", "Zielgruppen"}
    assert stranger["cost_options"][0]["option"] == "Kostenlos"
    assert "addresses" not in stranger["service_at_locations"][0]["location"]


async def test_services_filter_by_taxonomy_term(stack: Stack, seeded: dict[str, Any]) -> None:
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=30) as client:
        taxonomies = (await client.get("/hsds/taxonomies")).json()
        assert_page(taxonomies, "/taxonomies")
        by_name = {t["name"]: t for t in taxonomies["contents"]}
        assert set(by_name) == {"Handlungsfelder", "Querschnittsthemen", "Zielgruppen"}
        one = await client.get(f"/hsds/taxonomies/{by_name['Zielgruppen']['id']}")
        assert_hsds_valid(one.json(), hsds_response_schema("/taxonomies/{id}"))

        groups = await _all_services(client, "/hsds/taxonomy_terms", taxonomy_id=by_name["Zielgruppen"]["id"])
        assert {t["taxonomy"] for t in groups} == {"Zielgruppen"}
        seniors = next(t for t in groups if t["name"] == "Senior:innen")
        term = await client.get(f"/hsds/taxonomy_terms/{seniors['id']}")
        assert term.status_code == 200
        assert_hsds_valid(term.json(), hsds_response_schema("/taxonomy_terms/{id}"))

        found = await _all_services(client, taxonomy_term_id=seniors["id"], full="true")
        ids = {s["id"] for s in found}
        assert {seeded["known"], str(demo_offer_id("mitte-mittagstisch"))} <= ids
        assert seeded["unknown"] not in ids
        for s in found:
            assert seniors["id"] in [a["taxonomy_term_id"] for a in s["attributes"]]

        fields = await _all_services(client, "/hsds/taxonomy_terms", taxonomy_id=by_name["Handlungsfelder"]["id"])
        senior_work = next(t for t in fields if t["name"] == "Senior:innenarbeit")
        by_field = {s["id"] for s in await _all_services(client, taxonomy_term_id=senior_work["id"])}
        assert seeded["known"] in by_field
        assert str(demo_offer_id("mitte-hausaufgaben")) not in by_field

        everything = (await client.get("/hsds/services", params={"per_page": 1})).json()["total_items"]
        themed = (
            await client.get("/hsds/services", params={"taxonomy_id": by_name["Querschnittsthemen"]["id"]})
        ).json()
        assert 0 < themed["total_items"] < everything  # the Skatrunde has no cross-cutting theme
        assert seeded["unknown"] not in [s["id"] for s in themed["contents"]]
        nothing = (await client.get("/hsds/services", params={"taxonomy_term_id": str(uuid.uuid4())})).json()
        assert_page(nothing, "/services")
        assert nothing["empty"] and nothing["total_items"] == 0


async def test_services_filter_by_modification_and_withdrawn_ones_are_inactive(
    stack: Stack, seeded: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=30) as gateway:
        before = (await gateway.get(f"/hsds/services/{seeded['unknown']}")).json()
        since = before["last_modified"]
        async with httpx.AsyncClient(base_url=stack.url("registry")) as registry:
            r = await registry.post(
                f"/api/v1/offers/{seeded['unknown']}/withdraw", json={"reason": "Die Runde pausiert."}, headers=ACTOR
            )
            assert r.status_code == 200, r.text
        after = (await gateway.get(f"/hsds/services/{seeded['unknown']}")).json()
        assert after["status"] == "inactive"
        assert after["last_modified"] > since

        changed = await _all_services(gateway, modified_after=after["last_modified"])
        assert seeded["unknown"] in [s["id"] for s in changed]
        assert str(demo_offer_id("mitte-mittagstisch")) not in [s["id"] for s in changed]
        assert all(
            datetime.fromisoformat(s["last_modified"]) >= datetime.fromisoformat(after["last_modified"])
            for s in changed
        )
        day = await _all_services(gateway, modified_after=after["last_modified"][:10])
        assert {s["id"] for s in changed} <= {s["id"] for s in day}

        bad = await gateway.get("/hsds/services", params={"modified_after": "gestern"})
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["field"] == "modified_after"


async def test_organizations_and_service_at_locations_validate(stack: Stack, seeded: dict[str, Any]) -> None:
    gateway = stack.url("gateway")
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as client:
        orgs = await _all_services(client, "/hsds/organizations")
        assert seeded["actor_id"] in [o["id"] for o in orgs]
        assert_urls_from(orgs, gateway)
        one = await client.get(f"/hsds/organizations/{seeded['actor_id']}")
        assert one.status_code == 200
        org = one.json()
        assert_hsds_valid(org, hsds_response_schema("/organizations/{id}"))
        assert [s["id"] for s in org["services"]] == [seeded["known"]]
        assert org["phones"][0]["number"] == "02381 555-0178"
        placeholder = (await client.get(f"/hsds/organizations/{seeded['stranger']}")).json()
        assert_hsds_valid(placeholder, hsds_response_schema("/organizations/{id}"))

        sals = await _all_services(client, "/hsds/service_at_locations", organization_id=seeded["actor_id"])
        assert [s["service_id"] for s in sals] == [seeded["known"]]
        r = await client.get(f"/hsds/service_at_locations/{sals[0]['id']}")
        assert r.status_code == 200
        sal = r.json()
        # openapi.json 3.0 names compiled/service.json here (fixed upstream in 3.1.2): checked against the
        # service_at_location schemas instead.
        assert_hsds_valid(sal, hsds_compiled_schema("service_at_location"))
        assert_hsds_valid(sal, hsds_object_schema("service_at_location"))
        assert sal["service"]["id"] == seeded["known"]
        assert sal["location"]["addresses"][0]["postal_code"] == "59069"
        by_postcode = await _all_services(client, "/hsds/service_at_locations", postcode="59069")
        assert sals[0]["id"] in [s["id"] for s in by_postcode]

        for path in ("services", "organizations", "service_at_locations", "taxonomies", "taxonomy_terms"):
            missing = await client.get(f"/hsds/{path}/{uuid.uuid4()}")
            assert missing.status_code == 404, path
            assert (await client.get(f"/hsds/{path}/kein-uuid")).status_code == 404


async def test_without_the_gateway_the_urls_name_the_registry(stack: Stack, seeded: dict[str, Any]) -> None:
    registry = stack.url("registry")
    async with httpx.AsyncClient(base_url=registry) as client:
        service = (await client.get(f"/hsds/services/{seeded['known']}")).json()
        moved = (
            await client.get(
                f"/hsds/services/{seeded['known']}",
                headers={"X-Quartier-Public-Base": "https://quartier.hamm.example/"},
            )
        ).json()
    assert_urls_from(service, registry)
    assert_urls_from(moved, "https://quartier.hamm.example")
