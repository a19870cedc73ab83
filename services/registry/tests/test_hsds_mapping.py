"""The HSDS 3.0 mapping on its own: every demo offer mapped and validated against the official schemas.

The schemas are read from ``../shared/reference/hsds/3.0`` next to the repository (never from the
network: the schemas' relative ``$ref``s and the openapi document's absolute ones are resolved through
a local ``referencing`` registry). A clone without ``../shared`` skips the conformance tests and says
why; the mapping tests that need no schema run anyway.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from quartier_registry.domain import hsds
from quartier_registry.domain import offers as offers_domain
from quartier_registry.domain.hsds import OfferRecord
from quartier_registry.domain.offers import Offer
from quartier_registry.domain.people import Actor, ActorType, Address
from quartier_registry.domain.territory import Territory
from quartier_registry.service.offers import DEMO_FILE, read_demo_offers
from quartier_registry.service.territory import read_territory_file
from tests.support.helpers import urls_in
from tests.support.schemas import (
    assert_hsds_valid,
    hsds_compiled_schema,
    hsds_errors,
    hsds_object_schema,
    hsds_response_schema,
    needs_hsds_schemas,
)

HAMM = Path(__file__).resolve().parents[1] / "data" / "hamm.yaml"
BASE_URL = "https://quartier.hamm.example"

# ---------------------------------------------------------------- data


@pytest.fixture(scope="module")
def hamm() -> Territory:
    return read_territory_file(HAMM).territory


@pytest.fixture(scope="module")
def demo(hamm: Territory) -> list[OfferRecord]:
    _, items = read_demo_offers(DEMO_FILE)
    moment = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    return [
        OfferRecord(
            Offer(offer_id, offers_domain.parse_offer(data, hamm), confirmed or date(2026, 10, 1)),
            moment,
        )
        for offer_id, data, confirmed in items
    ]


ACTOR = Actor(
    id=uuid.UUID("0b6a1f1e-6a0e-4c1c-9d52-7a4b8e1f2c33"),
    name="Diakonisches Werk Hamm",
    type=ActorType.PROVIDER,
    social_area_keys=("mitte", "westen"),
    address=Address("Beispielstraße 1", "59065", "Hamm", 11),
    email="info@diakonie.example",
    phone="02381 555-0199",
)


def _full(record: OfferRecord, territory: Territory, actor: Actor | None = None) -> dict[str, Any]:
    org = hsds.organization_basic(record.offer.data.provider_actor_id, actor, territory.city, BASE_URL)
    return hsds.service_full(record, territory, org, BASE_URL)


# ---------------------------------------------------------------- conformance


@needs_hsds_schemas
def test_every_demo_offer_is_a_valid_fully_nested_service(hamm: Territory, demo: list[OfferRecord]) -> None:
    compiled = hsds_response_schema("/services/{id}")
    per_object = hsds_object_schema("service")
    for record in demo:
        service = _full(record, hamm)
        assert_hsds_valid(service, compiled)
        assert_hsds_valid(service, per_object)


@needs_hsds_schemas
def test_a_known_actor_makes_a_valid_organization_with_its_services(hamm: Territory, demo: list[OfferRecord]) -> None:
    records = demo[:3]
    org = hsds.organization_full(ACTOR.id, ACTOR, records, hamm, BASE_URL)
    assert_hsds_valid(org, hsds_response_schema("/organizations/{id}"))
    assert org["name"] == "Diakonisches Werk Hamm"
    assert org["email"] == "info@diakonie.example"
    assert org["phones"][0]["number"] == "02381 555-0199"
    assert org["locations"][0]["addresses"][0]["address_1"] == "Beispielstraße 1"
    assert [s["id"] for s in org["services"]] == [str(r.offer.id) for r in records]


@needs_hsds_schemas
def test_an_unknown_actor_gets_a_placeholder_organization(hamm: Territory, demo: list[OfferRecord]) -> None:
    org = hsds.organization_full(uuid.uuid4(), None, demo[:1], hamm, BASE_URL)
    assert_hsds_valid(org, hsds_response_schema("/organizations/{id}"))
    assert org["name"] == hsds.PLACEHOLDER_ORGANIZATION


@needs_hsds_schemas
def test_pages_of_services_organizations_and_terms_are_valid(hamm: Territory, demo: list[OfferRecord]) -> None:
    orgs = {
        r.offer.data.provider_actor_id: hsds.organization_basic(r.offer.data.provider_actor_id, None, "Hamm", BASE_URL)
        for r in demo
    }
    services = [hsds.service_list_item(r, orgs[r.offer.data.provider_actor_id]) for r in demo]
    assert_hsds_valid(hsds.page_out(services, len(services), 1, 100), hsds_response_schema("/services"))
    assert_hsds_valid(hsds.page_out(list(orgs.values()), len(orgs), 1, 100), hsds_response_schema("/organizations"))
    sals = [hsds.service_at_location_out(r, hamm, service=services[i]) for i, r in enumerate(demo)]
    assert_hsds_valid(hsds.page_out(sals, len(sals), 1, 100), hsds_response_schema("/service_at_locations"))
    terms = [hsds.term_out(t, BASE_URL) for t in hsds.catalogue(hamm, ["Senior:innen", "Kinder 6–10"])]
    assert_hsds_valid(hsds.page_out(terms, len(terms), 1, 100), hsds_response_schema("/taxonomy_terms"))
    taxonomies = [hsds.taxonomy_out(t, BASE_URL) for t in hsds.TAXONOMIES]
    assert_hsds_valid(hsds.page_out(taxonomies, 3, 1, 100), hsds_response_schema("/taxonomies"))
    assert_hsds_valid(taxonomies[0], hsds_response_schema("/taxonomies/{id}"))
    assert_hsds_valid(terms[0], hsds_response_schema("/taxonomy_terms/{id}"))


@needs_hsds_schemas
def test_a_service_at_location_is_valid(hamm: Territory, demo: list[OfferRecord]) -> None:
    # openapi.json of 3.0 names compiled/service.json for /service_at_locations/{id}, a known slip of the
    # 3.0 document (fixed in 3.1.2); the object is checked against the service_at_location schemas.
    record = demo[1]
    service = _full(record, hamm)
    service.pop("service_at_locations")
    sal = hsds.service_at_location_out(record, hamm, service=service)
    compiled = hsds_compiled_schema("service_at_location")
    assert_hsds_valid(sal, compiled)
    assert_hsds_valid(sal, hsds_object_schema("service_at_location"))


@needs_hsds_schemas
def test_the_schemas_do_catch_mistakes(hamm: Territory, demo: list[OfferRecord]) -> None:
    """The validation is not vacuous: a broken id, a missing name and a bad enum value are found."""
    service = _full(demo[0], hamm)
    service["id"] = "angebot-1"
    del service["name"]
    service["schedules"][0]["freq"] = "DAILY"
    service["last_modified"] = "gestern"
    found = hsds_errors(service, hsds_response_schema("/services/{id}"))
    assert len(found) == 4, found


# ---------------------------------------------------------------- the mapping


def test_ids_are_uuids_and_stable(hamm: Territory, demo: list[OfferRecord]) -> None:
    a, b = _full(demo[0], hamm), _full(demo[0], hamm)
    assert a == b
    ids: list[str] = []

    def collect(value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k == "id" or k.endswith("_id"):
                    ids.append(v)
                collect(v)
        elif isinstance(value, list):
            for v in value:
                collect(v)

    collect(a)
    assert ids and all(str(uuid.UUID(i)) == i for i in ids)
    assert hsds.FIELDS_OF_ACTION.id == uuid.uuid5(hsds.HSDS_NAMESPACE, "taxonomy/fields_of_action")


def test_an_offer_maps_to_a_service(hamm: Territory, demo: list[OfferRecord]) -> None:
    lunch = next(r for r in demo if r.offer.data.title == "Mittagstisch im FeidikForum")
    s = _full(lunch, hamm, ACTOR)
    assert s["name"] == "Mittagstisch im FeidikForum"
    assert s["status"] == "active"
    assert s["email"] == "seniorenbuero-mitte@example.org"
    assert s["phones"][0]["number"] == "02381 555-0100"
    assert s["contacts"][0]["name"] == "Seniorenbüro Mitte"
    assert s["last_modified"] == "2026-11-01T09:30:00Z"
    assert s["organization"]["name"] == "Diakonisches Werk Hamm"
    assert s["fees_description"] == "3,50 € pro Essen"
    assert s["cost_options"][0] | {"id": None} == {
        "id": None,
        "service_id": str(lunch.offer.id),
        "option": "3,50 € pro Essen",
        "amount_description": "3,50 € pro Essen",
        "amount": 3.5,
        "currency": "EUR",
    }
    assert [(lang["name"], lang.get("code")) for lang in s["languages"]] == [("Deutsch", "de")]
    assert s["schedules"][0] | {"id": None, "description": None} == {
        "id": None,
        "service_id": str(lunch.offer.id),
        "freq": "WEEKLY",
        "interval": 1,
        "wkst": "MO",
        "byday": "WE",
        "opens_at": "12:00",
        "closes_at": "13:30",
        "description": None,
        "attending_type": "in_person",
    }
    area = s["service_areas"][0]
    assert area["name"] == "Sozialraum Hamm-Mitte"
    assert area["uri"] == f"{BASE_URL}/oeffentlich/sozialraeume/mitte"
    location = s["service_at_locations"][0]["location"]
    assert location["name"] == hamm.social_areas["mitte"].community_centre_name
    assert location["accessibility"][0]["description"] == "Rollstuhlgerecht"
    assert "addresses" not in location  # the territory file gives the centres no address


def test_attributes_carry_terms_of_the_three_taxonomies(hamm: Territory, demo: list[OfferRecord]) -> None:
    lunch = next(r for r in demo if r.offer.data.title == "Mittagstisch im FeidikForum")
    attributes = _full(lunch, hamm)["attributes"]
    pairs = [(a["taxonomy_term"]["taxonomy"], a["taxonomy_term"]["name"]) for a in attributes]
    assert pairs == [
        ("Handlungsfelder", "Senior:innenarbeit"),
        ("Querschnittsthemen", "Gesundheit"),
        ("Zielgruppen", "Senior:innen"),
        ("Zielgruppen", "Alleinlebende"),
    ]
    seniors = attributes[2]
    assert seniors["taxonomy_term_id"] == str(hsds.Term(hsds.TARGET_GROUPS, "Senior:innen").id)
    assert seniors["link_id"] == str(lunch.offer.id)
    assert seniors["link_entity"] == "service"
    assert seniors["taxonomy_term"]["term_uri"] == f"{BASE_URL}/hsds/taxonomy_terms/{seniors['taxonomy_term_id']}"


def test_a_monthly_recurrence_names_the_nth_weekday(hamm: Territory, demo: list[OfferRecord]) -> None:
    record = demo[0]
    data = offers_domain.OfferData(
        **{
            **record.offer.data.__dict__,
            "recurrences": (
                offers_domain.Recurrence("monthly", ("tuesday", "thursday"), *_hours("15:00", "17:00"), (1, -1)),
            ),
        }
    )
    offer = Offer(record.offer.id, data, record.offer.last_confirmed_on)
    schedule = hsds.schedule_out(offer, 0, data.recurrences[0])
    assert schedule["freq"] == "MONTHLY"
    assert schedule["byday"] == "1TU,1TH,-1TU,-1TH"
    assert schedule["description"] == "am ersten und letzten Dienstag, Donnerstag im Monat, 15:00–17:00 Uhr"


def _hours(start: str, end: str) -> tuple[Any, Any]:
    from datetime import time

    return time.fromisoformat(start), time.fromisoformat(end)


def test_an_address_becomes_a_location_with_a_german_address(hamm: Territory, demo: list[OfferRecord]) -> None:
    homework = next(r for r in demo if r.offer.data.title == "Hausaufgabenhilfe Grundschule")
    location = _full(homework, hamm)["service_at_locations"][0]["location"]
    assert location["name"] == "Stadtbücherei, Gruppenraum"
    address = location["addresses"][0]
    assert {k: address[k] for k in ("address_1", "postal_code", "city", "region", "country", "address_type")} == {
        "address_1": "Südstraße 12",
        "postal_code": "59065",
        "city": "Hamm",
        "region": "NRW",
        "country": "DE",
        "address_type": "physical",
    }
    assert address["state_province"] == "Nordrhein-Westfalen"


def test_a_withdrawn_offer_is_inactive_and_free_offers_cost_nothing(hamm: Territory, demo: list[OfferRecord]) -> None:
    free = next(r for r in demo if r.offer.data.free_of_charge)
    withdrawn = OfferRecord(
        Offer(free.offer.id, free.offer.data, free.offer.last_confirmed_on, "withdrawn"), free.modified_at
    )
    s = _full(withdrawn, hamm)
    assert s["status"] == "inactive"
    assert s["fees_description"] == "Kostenlos"
    assert s["cost_options"][0]["amount"] == 0


def test_every_url_is_built_from_the_public_base(hamm: Territory, demo: list[OfferRecord]) -> None:
    for record in demo:
        urls = urls_in(_full(record, hamm, ACTOR))
        assert urls
        assert all(u.startswith(BASE_URL + "/") for u in urls), urls


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11-01T10:00:00Z", datetime(2026, 11, 1, 10, tzinfo=UTC)),
        ("2026-11-01T11:00:00 01:00", datetime(2026, 11, 1, 10, tzinfo=UTC)),  # "+" decoded to a space
        ("2026-11-01T11:00:00+01:00", datetime(2026, 11, 1, 10, tzinfo=UTC)),
    ],
)
def test_modified_after_reads_dates_and_date_times(text: str, expected: datetime) -> None:
    assert hsds.parse_modified_after(text) == expected


def test_modified_after_refuses_other_text() -> None:
    with pytest.raises(ValueError):
        hsds.parse_modified_after("letzte Woche")


def test_a_page_says_where_it_is() -> None:
    page = hsds.page_out([{"id": "x"}] * 2, 5, 3, 2)
    assert page | {"contents": None} == {
        "total_items": 5,
        "total_pages": 3,
        "page_number": 3,
        "size": 2,
        "first_page": False,
        "last_page": True,
        "empty": False,
        "contents": None,
    }
    assert hsds.page_out([], 0, 1, 50)["total_pages"] == 1
