"""The offer directory through the registry's API, with duplicate detection, on the real stack.

The session's registry runs with the demo data on, so the demo offers (with their seeded duplicate
pair) are there; the tests add their own offers in places the demo data does not use.
"""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import httpx

from quartier_registry.service.offers import demo_offer_id
from quartier_shared.events.topics import REGISTRY_OFFERS
from tests.support.helpers import eventually
from tests.support.kafka import header, read_topic
from tests.support.stack import Stack

ACTOR = {"X-Quartier-Actor": "test-stadtteilkoordination"}


def chess_club(**changes: Any) -> dict[str, Any]:
    offer: dict[str, Any] = {
        "title": "Schachtreff für Kinder",
        "description": "Schach spielen und lernen für Anfänger:innen, Bretter sind vorhanden.",
        "provider_actor_id": str(uuid.uuid4()),
        "field_of_action": "Kinder- und Jugendarbeit",
        "cross_cutting_themes": ["Bildung"],
        "target_groups": ["Kinder 8–12"],
        "languages": ["Deutsch"],
        "place": {
            "kind": "address",
            "residential_area_number": 33,
            "street": "Osttünener Weg 7",
            "postal_code": "59069",
            "name": "Pfarrheim Westtünen",
        },
        "schedule": {
            "recurrences": [
                {"frequency": "weekly", "weekdays": ["thursday"], "start_time": "16:00", "end_time": "17:30"}
            ]
        },
        "free_of_charge": True,
        "accessibility": {"wheelchair_accessible": False},
        "contact": {"office": "Stadtteilbüro Rhynern", "email": "stadtteilbuero-rhynern@example.org"},
    }
    offer.update(changes)
    return offer


def reworded(**changes: Any) -> dict[str, Any]:
    """The same chess club entered again by another provider, in other words."""
    offer = chess_club(
        title="Schach-Treff Kinder",
        description="Offener Schachnachmittag im Pfarrheim für Kinder zwischen acht und zwölf.",
        schedule={
            "recurrences": [
                {"frequency": "weekly", "weekdays": ["thursday"], "start_time": "16:30", "end_time": "18:00"}
            ]
        },
    )
    offer.update(changes)
    return offer


async def _records(stack: Stack, event_type: str) -> list[dict[str, Any]]:
    records = await read_topic(stack.env["QUARTIER_KAFKA_BOOTSTRAP"], stack.topic_prefix + REGISTRY_OFFERS.name)
    return [
        {"key": r.key.decode() if r.key else None, "data": json.loads(r.value)}
        for r in records
        if header(r, "ce_type") == event_type
    ]


async def test_a_near_duplicate_is_shown_with_reasons_stored_and_announced(stack: Stack, registry_db) -> None:
    url = stack.url("registry")
    async with httpx.AsyncClient(base_url=url) as client:
        first = await client.post("/api/v1/offers", json=chess_club(), headers=ACTOR)
        assert first.status_code == 201, first.text
        first_id = first.json()["offer"]["id"]
        assert first.json()["offer"]["social_area_key"] == "rhynern"

        second = await client.post("/api/v1/offers", json=reworded(), headers=ACTOR)
        assert second.status_code == 201, second.text
        body = second.json()
    candidates = {c["offer_id"]: c for c in body["duplicate_candidates"]}
    assert first_id in candidates, body
    candidate = candidates[first_id]
    codes = [r["code"] for r in candidate["reasons"]]
    assert {"similar_title", "same_target_group", "same_weekday_overlapping_hours", "same_place"} <= set(codes)
    assert "gleicher Ort" in [r["text"] for r in candidate["reasons"]]
    assert 0.785 <= candidate["score"] <= 1

    pair = await registry_db.fetchrow(
        "SELECT status, offer_a, offer_b FROM offer_duplicate_pairs WHERE id = $1", uuid.UUID(candidate["pair_id"])
    )
    assert pair["status"] == "open"
    assert {str(pair["offer_a"]), str(pair["offer_b"])} == {first_id, body["offer"]["id"]}
    audit = await registry_db.fetchval(
        "SELECT actor FROM offer_audit WHERE pair_id = $1", uuid.UUID(candidate["pair_id"])
    )
    assert audit == "test-stadtteilkoordination"

    async def announced() -> list[dict[str, Any]]:
        return [
            r
            for r in await _records(stack, "quartier.registry.DuplicateSuspected.v1")
            if r["data"]["pair_id"] == candidate["pair_id"]
        ]

    (event,) = await eventually(announced)
    assert event["key"] == f"offer/{min(uuid.UUID(first_id), uuid.UUID(body['offer']['id']))}"
    assert event["data"]["score"] == candidate["score"]
    assert set(event["data"]["reasons"]) == set(codes)


async def test_a_dismissed_pair_is_never_suggested_again(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url("registry")) as client:
        place = {"kind": "address", "residential_area_number": 32, "street": "Bergstraße 3", "postal_code": "59069"}
        a = (await client.post("/api/v1/offers", json=chess_club(place=place), headers=ACTOR)).json()
        b = (await client.post("/api/v1/offers", json=reworded(place=place), headers=ACTOR)).json()
        (candidate,) = [c for c in b["duplicate_candidates"] if c["offer_id"] == a["offer"]["id"]]

        open_pairs = (
            await client.get("/api/v1/duplicates", params={"social_area_key": "rhynern", "limit": 200})
        ).json()
        assert candidate["pair_id"] in [p["id"] for p in open_pairs["items"]]

        dismissed = await client.post(f"/api/v1/duplicates/{candidate['pair_id']}/dismiss", headers=ACTOR)
        assert dismissed.status_code == 200, dismissed.text
        assert dismissed.json()["status"] == "dismissed"
        again = await client.post(f"/api/v1/duplicates/{candidate['pair_id']}/dismiss", headers=ACTOR)
        assert again.status_code == 422

        # A change of either offer runs the detection again; the dismissed pair stays away.
        changed = await client.put(
            f"/api/v1/offers/{b['offer']['id']}",
            json=reworded(place=place, description="Schach für Kinder, jetzt auch mit Turnieren."),
            headers=ACTOR,
        )
        assert changed.status_code == 200, changed.text
        assert a["offer"]["id"] not in [c["offer_id"] for c in changed.json()["duplicate_candidates"]]
        shown = (await client.get(f"/api/v1/offers/{b['offer']['id']}")).json()
        assert a["offer"]["id"] not in [c["offer_id"] for c in shown["duplicate_candidates"]]
        open_pairs = (
            await client.get("/api/v1/duplicates", params={"social_area_key": "rhynern", "limit": 200})
        ).json()
        assert candidate["pair_id"] not in [p["id"] for p in open_pairs["items"]]

    async def announced() -> list[dict[str, Any]]:
        return [
            r
            for r in await _records(stack, "quartier.registry.DuplicatePairDismissed.v1")
            if r["data"]["pair_id"] == candidate["pair_id"]
        ]

    await eventually(announced)


async def test_merging_withdraws_one_offer_into_the_other(stack: Stack, registry_db) -> None:
    async with httpx.AsyncClient(base_url=stack.url("registry")) as client:
        place = {"kind": "address", "residential_area_number": 31, "street": "Unnaer Straße 2", "postal_code": "59069"}
        a = (await client.post("/api/v1/offers", json=chess_club(place=place), headers=ACTOR)).json()
        b = (await client.post("/api/v1/offers", json=reworded(place=place), headers=ACTOR)).json()
        (candidate,) = [c for c in b["duplicate_candidates"] if c["offer_id"] == a["offer"]["id"]]
        wrong = await client.post(
            f"/api/v1/duplicates/{candidate['pair_id']}/merge", json={"keep_offer_id": str(uuid.uuid4())}
        )
        assert wrong.status_code == 422
        assert wrong.json()["errors"][0]["field"] == "keep_offer_id"

        merged = await client.post(
            f"/api/v1/duplicates/{candidate['pair_id']}/merge", json={"keep_offer_id": a["offer"]["id"]}, headers=ACTOR
        )
        assert merged.status_code == 200, merged.text
        assert merged.json()["withdrawn"]["status"] == "withdrawn"
        assert merged.json()["withdrawn"]["merged_into"] == a["offer"]["id"]
        assert merged.json()["kept"]["status"] == "active"

        listed = (await client.get("/api/v1/offers", params={"social_area_key": "rhynern", "limit": 200})).json()
        assert b["offer"]["id"] not in [o["id"] for o in listed["items"]]
        refused = await client.put(f"/api/v1/offers/{b['offer']['id']}", json=reworded(place=place))
        assert refused.status_code == 422
    assert (
        await registry_db.fetchval(
            "SELECT status FROM offer_duplicate_pairs WHERE id = $1", uuid.UUID(candidate["pair_id"])
        )
        == "merged"
    )

    async def announced() -> list[dict[str, Any]]:
        return [
            r
            for r in await _records(stack, "quartier.registry.OffersMerged.v1")
            if r["data"]["pair_id"] == candidate["pair_id"]
        ]

    (event,) = await eventually(announced)
    assert event["data"]["kept_offer_id"] == a["offer"]["id"]
    assert event["data"]["withdrawn_offer_id"] == b["offer"]["id"]


async def test_bad_input_is_refused_naming_the_field_and_stores_nothing(stack: Stack, registry_db) -> None:
    no_days = chess_club()
    no_days["schedule"] = {
        "recurrences": [{"frequency": "weekly", "weekdays": [], "start_time": "16:00", "end_time": "17:00"}]
    }
    unknown_area = chess_club()
    unknown_area["place"] = copy.deepcopy(unknown_area["place"]) | {"residential_area_number": 99}
    unknown_centre = chess_club(place={"kind": "community_centre", "social_area_key": "atlantis"})

    offers_before = await registry_db.fetchval("SELECT count(*) FROM offers")
    outbox_before = await registry_db.fetchval("SELECT count(*) FROM outbox")
    async with httpx.AsyncClient(base_url=stack.url("registry")) as client:
        r = await client.post("/api/v1/offers", json=no_days)
        assert r.status_code == 422
        assert r.json()["errors"] == [
            {
                "field": "schedule.recurrences[0].weekdays",
                "message": "Bitte geben Sie mindestens einen Wochentag für den Termin an.",
            }
        ]
        r = await client.post("/api/v1/offers", json=unknown_area)
        assert r.status_code == 422
        assert r.json()["errors"] == [
            {"field": "place.residential_area_number", "message": "Wohnbereich 99 ist nicht bekannt."}
        ]
        r = await client.post("/api/v1/offers", json=unknown_centre)
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "place.social_area_key"
        assert "Sozialraum „atlantis“ ist nicht bekannt." == r.json()["errors"][0]["message"]
        r = await client.post("/api/v1/offers", json=["kein", "Objekt"])
        assert r.status_code == 422

        existing = demo_offer_id("rhynern-mittagstisch")
        r = await client.put(f"/api/v1/offers/{existing}", json=no_days)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "schedule.recurrences[0].weekdays"
        r = await client.post(f"/api/v1/offers/{existing}/withdraw", json={"reason": "  "})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
        r = await client.post(f"/api/v1/offers/{uuid.uuid4()}/confirm")
        assert r.status_code == 404
    assert await registry_db.fetchval("SELECT count(*) FROM offers") == offers_before
    assert await registry_db.fetchval("SELECT count(*) FROM outbox") == outbox_before


async def test_the_demo_offers_show_their_seeded_duplicate_and_the_review_list(stack: Stack) -> None:
    seeded = {str(demo_offer_id("westen-sprachcafe")), str(demo_offer_id("westen-sprach-cafe"))}
    async with httpx.AsyncClient(base_url=stack.url("registry")) as client:
        pairs = (await client.get("/api/v1/duplicates", params={"social_area_key": "westen", "limit": 200})).json()
        assert any({o["id"] for o in p["offers"]} == seeded for p in pairs["items"]), pairs

        due = (await client.get("/api/v1/offers/review-due", params={"limit": 200})).json()
        due_ids = {o["id"] for o in due["items"]}
        assert str(demo_offer_id("norden-frauentreff")) in due_ids
        assert all(o["review_due"] for o in due["items"])
        assert str(demo_offer_id("westen-krabbelgruppe")) not in due_ids

        one = (await client.get(f"/api/v1/offers/{demo_offer_id('norden-frauentreff')}")).json()["offer"]
        assert one["review_due"] is True
        confirmed = await client.post(f"/api/v1/offers/{demo_offer_id('pelkum-nachbarschaftsfest')}/confirm")
        assert confirmed.status_code == 200
        assert confirmed.json()["review_due"] is False
        due = (await client.get("/api/v1/offers/review-due", params={"limit": 200})).json()
        assert str(demo_offer_id("pelkum-nachbarschaftsfest")) not in {o["id"] for o in due["items"]}


async def test_the_directory_filters_and_pages(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url("registry")) as client:
        seniors = (await client.get("/api/v1/offers", params={"target_group": "senior", "limit": 200})).json()
        assert seniors["total"] >= 5
        assert all(any("senior" in g.lower() for g in o["target_groups"]) for o in seniors["items"])

        norden = (
            await client.get(
                "/api/v1/offers", params={"social_area_key": "norden", "field_of_action": "Familienarbeit"}
            )
        ).json()
        assert [o["title"] for o in norden["items"]] == ["Elterncafé in der Kita"]
        assert norden["items"][0]["place"]["residential_area_number"] == 62

        turkish = (await client.get("/api/v1/offers", params={"language": "türkisch", "limit": 200})).json()
        assert turkish["total"] >= 3 and all("Türkisch" in o["languages"] for o in turkish["items"])

        page1 = (await client.get("/api/v1/offers", params={"limit": 2})).json()
        page2 = (await client.get("/api/v1/offers", params={"limit": 2, "offset": 2})).json()
        assert len(page1["items"]) == 2 and page1["total"] >= 31
        assert not {o["id"] for o in page1["items"]} & {o["id"] for o in page2["items"]}

        monthly = (await client.get(f"/api/v1/offers/{demo_offer_id('norden-seniorenfruehstueck')}")).json()
        assert monthly["offer"]["schedule"]["recurrences"][0]["text"] == "am ersten Mittwoch im Monat, 09:00–11:00 Uhr"


async def test_withdrawing_an_offer_closes_its_open_pairs_and_is_announced(stack: Stack, registry_db) -> None:
    async with httpx.AsyncClient(base_url=stack.url("registry")) as client:
        place = {
            "kind": "address",
            "residential_area_number": 31,
            "street": "Rhynerner Markt 1",
            "postal_code": "59069",
        }
        a = (await client.post("/api/v1/offers", json=chess_club(place=place), headers=ACTOR)).json()
        b = (await client.post("/api/v1/offers", json=reworded(place=place), headers=ACTOR)).json()
        (candidate,) = [c for c in b["duplicate_candidates"] if c["offer_id"] == a["offer"]["id"]]

        withdrawn = await client.post(
            f"/api/v1/offers/{a['offer']['id']}/withdraw", json={"reason": "Der Schachtreff endet."}, headers=ACTOR
        )
        assert withdrawn.status_code == 200, withdrawn.text
        assert withdrawn.json()["status"] == "withdrawn"
        again = await client.post(f"/api/v1/offers/{a['offer']['id']}/withdraw", json={"reason": "Doppelt"})
        assert again.status_code == 422
        listed = await client.get(
            "/api/v1/offers", params={"social_area_key": "rhynern", "include_withdrawn": True, "limit": 200}
        )
        assert a["offer"]["id"] in [o["id"] for o in listed.json()["items"]]
    assert (
        await registry_db.fetchval(
            "SELECT status FROM offer_duplicate_pairs WHERE id = $1", uuid.UUID(candidate["pair_id"])
        )
        == "closed"
    )
    actors = await registry_db.fetch(
        "SELECT actor FROM offer_audit WHERE offer_id = $1 ORDER BY id", uuid.UUID(a["offer"]["id"])
    )
    assert [r["actor"] for r in actors] == ["test-stadtteilkoordination"] * 2  # registered, withdrawn

    async def announced() -> list[dict[str, Any]]:
        return [
            r
            for r in await _records(stack, "quartier.registry.OfferWithdrawn.v1")
            if r["data"]["offer_id"] == a["offer"]["id"]
        ]

    (event,) = await eventually(announced)
    assert event["data"] == {"offer_id": a["offer"]["id"], "reason": "Der Schachtreff endet.", "merged_into": None}
