"""The offer rules on their own: validating an offer, the review flag, neighbours, duplicate scoring."""

from __future__ import annotations

import copy
import uuid
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest

from quartier_registry.domain import offers as domain
from quartier_registry.domain.offers import OfferError, TextFeatures
from quartier_registry.domain.territory import Territory
from quartier_registry.service.offers import DEMO_FILE, read_demo_offers
from quartier_registry.service.territory import read_territory_file

HAMM = Path(__file__).resolve().parents[1] / "data" / "hamm.yaml"
MUSTERSTADT = Path(__file__).with_name("musterstadt.yaml")

VALID: dict[str, Any] = {
    "title": "Sprachcafé International",
    "description": "Deutsch im Gespräch üben bei Kaffee und Tee.",
    "provider_actor_id": "6a1f0d4e-8c39-5b1e-9d39-2f4f0b6c8a11",
    "field_of_action": "Quartiersmanagement",
    "cross_cutting_themes": ["Integration"],
    "target_groups": ["Geflüchtete", "Erwachsene"],
    "languages": ["Deutsch", "Arabisch"],
    "place": {"kind": "community_centre", "social_area_key": "westen"},
    "schedule": {
        "recurrences": [{"frequency": "weekly", "weekdays": ["tuesday"], "start_time": "10:00", "end_time": "12:00"}]
    },
    "free_of_charge": True,
    "accessibility": {"wheelchair_accessible": True, "notes": "Aufzug"},
    "contact": {"office": "Stadtteilbüro Westen", "email": "westen@example.org", "phone": "02381 555-0100"},
}


@pytest.fixture(scope="module")
def hamm() -> Territory:
    return read_territory_file(HAMM).territory


def with_(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    target: Any = data
    *parents, last = path.split(".")
    for p in parents:
        target = target[int(p)] if isinstance(target, list) else target[p]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return data


def test_a_valid_offer_is_parsed(hamm: Territory) -> None:
    offer = domain.parse_offer(VALID, hamm)
    assert offer.place.social_area_key == "westen"
    assert offer.place.name == "Stadtteilzentrum an der Wilhelmstraße"
    assert offer.recurrences == (domain.Recurrence("weekly", ("tuesday",), time(10), time(12)),)
    assert offer.target_groups == ("Geflüchtete", "Erwachsene")


def test_an_address_takes_the_social_area_of_its_residential_area(hamm: Territory) -> None:
    data = with_("place", {"kind": "address", "residential_area_number": 42, "street": "Dabergstraße 20"})
    assert domain.parse_offer(data, hamm).place.social_area_key == "westen"


@pytest.mark.parametrize(
    ("path", "value", "field", "words"),
    [
        ("title", "  ", "title", "Titel"),
        ("field_of_action", "Stadtplanung", "field_of_action", "Handlungsfeld „Stadtplanung“ ist nicht bekannt"),
        ("cross_cutting_themes", ["Integration", "Sport"], "cross_cutting_themes[1]", "Querschnittsthema „Sport“"),
        ("target_groups", [], "target_groups", "Zielgruppe"),
        ("provider_actor_id", "abc", "provider_actor_id", "Träger"),
        (
            "place",
            {"kind": "community_centre", "social_area_key": "atlantis"},
            "place.social_area_key",
            "Sozialraum „atlantis“ ist nicht bekannt",
        ),
        (
            "place",
            {"kind": "address", "residential_area_number": 99, "street": "Weg 1"},
            "place.residential_area_number",
            "Wohnbereich 99 ist nicht bekannt",
        ),
        ("place", {"kind": "address", "residential_area_number": 11}, "place.street", "Straße"),
        ("place", {"kind": "boot"}, "place.kind", "Stadtteilzentrum oder eine Adresse"),
        ("schedule.recurrences.0.weekdays", [], "schedule.recurrences[0].weekdays", "mindestens einen Wochentag"),
        ("schedule.recurrences.0.weekdays", ["dienstag"], "schedule.recurrences[0].weekdays", "kein Wochentag"),
        ("schedule.recurrences.0.end_time", "09:00", "schedule.recurrences[0].end_time", "nach dem Beginn"),
        ("schedule.recurrences.0.start_time", "25:00", "schedule.recurrences[0].start_time", "HH:MM"),
        ("schedule.recurrences.0.frequency", "daily", "schedule.recurrences[0].frequency", "wöchentlich"),
        ("free_of_charge", False, "cost", "kostet"),
        ("contact", {"office": "Büro"}, "contact.email", "E-Mail-Adresse oder Telefonnummer"),
        ("contact.email", "keine-adresse", "contact.email", "keine gültige E-Mail-Adresse"),
        ("contact.office", "", "contact.office", "Dienststelle"),
    ],
)
def test_bad_input_is_refused_naming_the_field_in_german(
    hamm: Territory, path: str, value: Any, field: str, words: str
) -> None:
    with pytest.raises(OfferError) as exc:
        domain.parse_offer(with_(path, value), hamm)
    assert exc.value.field == field
    assert words in exc.value.message


def test_a_monthly_recurrence_needs_its_nth_weekday(hamm: Territory) -> None:
    monthly = {"frequency": "monthly", "weekdays": ["wednesday"], "start_time": "09:00", "end_time": "11:00"}
    with pytest.raises(OfferError) as exc:
        domain.parse_offer(with_("schedule.recurrences", [monthly]), hamm)
    assert exc.value.field == "schedule.recurrences[0].ordinals"
    parsed = domain.parse_offer(with_("schedule.recurrences", [{**monthly, "ordinals": [-1, 1]}]), hamm)
    assert parsed.recurrences[0].ordinals == (1, -1)
    assert parsed.recurrences[0].describe() == "am ersten und letzten Mittwoch im Monat, 09:00–11:00 Uhr"


def test_an_offer_not_confirmed_for_12_months_is_due_for_review(hamm: Territory) -> None:
    offer, _ = domain.register_offer(uuid.uuid4(), domain.parse_offer(VALID, hamm), date(2025, 2, 28))
    assert offer.review_due_on() == date(2026, 2, 28)
    assert not offer.review_due(date(2026, 2, 27))
    assert offer.review_due(date(2026, 2, 28))
    confirmed, event = domain.confirm_offer(offer, date(2026, 3, 1))
    assert not confirmed.review_due(date(2026, 3, 2))
    assert event.confirmed_on == date(2026, 3, 1)
    withdrawn, _ = domain.withdraw_offer(offer, "Endet")
    assert not withdrawn.review_due(date(2030, 1, 1))


def test_add_months_keeps_the_end_of_february() -> None:
    assert domain.add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert domain.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert domain.add_months(date(2025, 3, 15), -12) == date(2024, 3, 15)


def test_neighbours_share_a_district(hamm: Territory) -> None:
    assert domain.neighbours(hamm, "westen") == ["mitte", "pelkum", "herringen"]
    assert domain.neighbours(hamm, "norden") == ["bockum-hoevel", "heessen"]
    assert domain.neighbours(hamm, "mitte") == ["westen"]
    assert domain.neighbours(hamm, "uentrop") == []


def test_a_change_announces_only_what_changed_and_nothing_when_unchanged(hamm: Territory) -> None:
    offer, registered = domain.register_offer(uuid.uuid4(), domain.parse_offer(VALID, hamm), date(2026, 1, 1))
    assert registered.offer.place.social_area_key == "westen"
    same, none = domain.change_offer(offer, domain.parse_offer(VALID, hamm), date(2026, 2, 1))
    assert none is None and same == offer
    changed, event = domain.change_offer(
        offer, domain.parse_offer(with_("title", "Sprachcafé"), hamm), date(2026, 2, 1)
    )
    assert event is not None and event.changed_fields == ["title"]
    assert changed.last_confirmed_on == date(2026, 2, 1)
    withdrawn, _ = domain.withdraw_offer(changed, "Endet")
    with pytest.raises(OfferError):
        domain.change_offer(withdrawn, domain.parse_offer(VALID, hamm), date(2026, 3, 1))


def test_events_carry_no_personal_data(hamm: Territory) -> None:
    _, event = domain.register_offer(uuid.uuid4(), domain.parse_offer(VALID, hamm), date(2026, 1, 1))
    payload = event.model_dump(mode="json")
    assert event.partition_key() == f"offer/{event.offer_id}"
    assert payload["offer"]["contact_office"] == "Stadtteilbüro Westen"
    assert "name" not in payload["offer"]  # no person's name; the provider is an actor id


def _recurrence(day: str, start: int, end: int, ordinals: tuple[int, ...] = ()) -> domain.Recurrence:
    return domain.Recurrence("monthly" if ordinals else "weekly", (day,), time(start), time(end), ordinals)


def test_overlapping_times_need_the_same_weekday_and_overlapping_hours() -> None:
    tue_10_12 = _recurrence("tuesday", 10, 12)
    assert domain.overlapping_times([tue_10_12], [_recurrence("tuesday", 11, 13)])
    assert not domain.overlapping_times([tue_10_12], [_recurrence("tuesday", 12, 14)])
    assert not domain.overlapping_times([tue_10_12], [_recurrence("wednesday", 10, 12)])
    # A weekly date meets every monthly one of its weekday; two monthly ones must share a week.
    assert domain.overlapping_times([tue_10_12], [_recurrence("tuesday", 10, 12, (3,))])
    assert not domain.overlapping_times([_recurrence("tuesday", 10, 12, (1,))], [_recurrence("tuesday", 10, 12, (3,))])


def test_a_pair_at_the_same_place_and_time_with_a_similar_title_is_suspected_with_reasons(hamm: Territory) -> None:
    a = domain.parse_offer(VALID, hamm)
    b = domain.parse_offer(with_("title", "Internationales Sprach-Café"), hamm)
    assessment = domain.assess(a, b, TextFeatures(title=0.72, description=0.3, target_group=1.0, address=0.0))
    assert assessment.suspected
    assert assessment.reasons == (
        "similar_title",
        "same_target_group",
        "same_weekday_overlapping_hours",
        "same_place",
    )
    elsewhere = domain.parse_offer(with_("place", {"kind": "community_centre", "social_area_key": "pelkum"}), hamm)
    far = domain.assess(a, elsewhere, TextFeatures(title=1.0, description=1.0, target_group=1.0, address=0.0))
    assert not far.suspected  # the same kind of offer in another centre is not the same offer


def test_pair_ids_are_ordered_and_a_pair_needs_two_offers() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    assert domain.pair_ids(a, b) == domain.pair_ids(b, a)
    assert domain.pair_ids(a, b)[0] < domain.pair_ids(a, b)[1]
    with pytest.raises(OfferError):
        domain.pair_ids(a, a)


def test_a_pair_is_decided_once(hamm: Territory) -> None:
    a, _ = domain.register_offer(uuid.uuid4(), domain.parse_offer(VALID, hamm), date(2026, 1, 1))
    b, _ = domain.register_offer(uuid.uuid4(), domain.parse_offer(VALID, hamm), date(2026, 1, 1))
    first, second = domain.pair_ids(a.id, b.id)
    pair = domain.DuplicatePair(uuid.uuid4(), first, second, 0.9, ("same_place",), "open")
    dismissed = domain.dismiss_pair(pair)
    assert dismissed.offer_id == first
    withdrawn, event, merged = domain.merge_pair(pair, a, b)
    assert withdrawn.status == "withdrawn" and withdrawn.merged_into == a.id
    assert event.merged_into == a.id and merged.kept_offer_id == a.id and merged.withdrawn_offer_id == b.id
    for status in ("dismissed", "merged"):
        with pytest.raises(OfferError):
            domain.dismiss_pair(domain.DuplicatePair(pair.id, first, second, 0.9, (), status))
    stranger, _ = domain.register_offer(uuid.uuid4(), domain.parse_offer(VALID, hamm), date(2026, 1, 1))
    with pytest.raises(OfferError) as exc:
        domain.merge_pair(pair, stranger, b)
    assert exc.value.field == "keep_offer_id"


def test_the_demo_offers_are_valid_and_cover_every_social_area(hamm: Territory) -> None:
    city, offers = read_demo_offers(DEMO_FILE)
    assert city == hamm.city
    areas = {domain.parse_offer(data, hamm).place.social_area_key for _, data, _ in offers}
    assert areas == set(hamm.social_areas)
    assert len({offer_id for offer_id, _, _ in offers}) == len(offers)
