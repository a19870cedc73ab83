"""The rules of actors, people, bodies and memberships on their own (no I/O but reading files)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
import yaml

from quartier_registry.domain import people as domain
from quartier_registry.domain.people import (
    Actor,
    ActorType,
    Address,
    Body,
    BodyKind,
    Membership,
    PeopleError,
    Person,
    Role,
)
from quartier_registry.domain.territory import Territory
from quartier_registry.service.territory import read_territory_file
from quartier_shared.events.people import MembershipStarted, PersonChanged, PersonErased, PersonRegistered

DATA = Path(__file__).resolve().parents[1] / "data"
MUSTERSTADT = Path(__file__).with_name("musterstadt.yaml")
D = dt.date


@pytest.fixture(scope="module")
def hamm() -> Territory:
    return read_territory_file(DATA / "hamm.yaml").territory


def _person(**changes: object) -> Person:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "given_name": "Greta",
        "family_name": "Beispielkamp",
        "email": "greta.beispielkamp@stadt-hamm.example",
        "phone": "02381 555-0199",
        "actor_id": None,
        "functions": ("Stadtteilkoordination Westen",),
        "residential_area_number": None,
    }
    values.update(changes)
    return Person(**values)  # type: ignore[arg-type]


def _actor(**changes: object) -> Actor:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "name": "Kita Beispielgarten",
        "type": ActorType.KITA,
        "social_area_keys": ("westen",),
        "address": Address("Gartenweg 1", "59067", "Hamm", 14),
        "email": "kontakt@kita.example",
        "phone": None,
    }
    values.update(changes)
    return Actor(**values)  # type: ignore[arg-type]


def _body(kind: BodyKind = BodyKind.DISTRICT_COUNCIL) -> Body:
    return Body(uuid.uuid4(), kind, "Bezirksvertretung Hamm-Pelkum", district_key="pelkum")


def _chair(body: Body, starts_on: dt.date, ends_on: dt.date | None = None) -> Membership:
    return Membership(uuid.uuid4(), body.id, uuid.uuid4(), Role.CHAIR, starts_on, ends_on)


def _start(body: Body, role: str, starts_on: dt.date, ends_on: dt.date | None, existing: list[Membership]):  # type: ignore[no-untyped-def]
    return domain.start_membership(body, _person(), uuid.uuid4(), role, starts_on, ends_on, existing)


# ---------------------------------------------------------------- membership dates and chairs


def test_a_membership_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(PeopleError) as err:
        _start(_body(), "member", D(2026, 3, 1), D(2026, 2, 28), [])
    assert err.value.field == "ends_on"
    assert err.value.message == "Das Ende (28.02.2026) liegt vor dem Beginn (01.03.2026)."


def test_a_membership_of_one_day_is_fine() -> None:
    membership, event = _start(_body(), "member", D(2026, 3, 1), D(2026, 3, 1), [])
    assert membership.ends_on == D(2026, 3, 1)
    assert isinstance(event, MembershipStarted)


def test_ending_a_membership_before_its_start_is_refused_and_ending_twice_too() -> None:
    m = Membership(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), Role.MEMBER, D(2026, 1, 1))
    with pytest.raises(PeopleError) as err:
        domain.end_membership(m, D(2025, 12, 31))
    assert err.value.field == "ends_on"
    ended, event = domain.end_membership(m, D(2026, 6, 30))
    assert ended.ends_on == D(2026, 6, 30) and ended.id == m.id
    assert event.ends_on == D(2026, 6, 30)
    with pytest.raises(PeopleError, match=r"endet bereits am 30\.06\.2026"):
        domain.end_membership(ended, D(2026, 7, 1))


@pytest.mark.parametrize(
    ("existing", "new"),
    [
        ((D(2025, 11, 1), None), (D(2026, 1, 1), None)),
        ((D(2025, 11, 1), D(2026, 6, 30)), (D(2026, 6, 30), None)),
        ((D(2026, 1, 1), None), (D(2025, 1, 1), D(2026, 1, 1))),
        ((D(2025, 1, 1), D(2025, 12, 31)), (D(2024, 1, 1), None)),
    ],
)
def test_two_chairs_of_one_body_at_the_same_time_are_refused(
    existing: tuple[dt.date, dt.date | None], new: tuple[dt.date, dt.date | None]
) -> None:
    body = _body()
    with pytest.raises(PeopleError) as err:
        _start(body, "chair", new[0], new[1], [_chair(body, *existing)])
    assert err.value.field == "role"
    assert "schon einen Vorsitz" in err.value.message


def test_a_chair_after_the_previous_chair_ended_is_fine_and_is_the_district_mayor() -> None:
    body = _body()
    old = _chair(body, D(2020, 11, 1), D(2025, 10, 31))
    deputy = Membership(uuid.uuid4(), body.id, uuid.uuid4(), Role.DEPUTY, D(2025, 11, 1))
    membership, event = _start(body, "chair", D(2025, 11, 1), None, [old, deputy])
    assert event.is_district_mayor
    assert domain.is_district_mayor(body, membership, D(2026, 1, 1))
    assert not domain.is_district_mayor(body, old, D(2026, 1, 1))
    assert not domain.is_district_mayor(body, deputy, D(2026, 1, 1))


def test_the_chair_of_another_body_is_not_a_district_mayor() -> None:
    body = _body(BodyKind.COORDINATION_ROUND)
    membership, event = _start(body, "chair", D(2025, 1, 1), None, [])
    assert not event.is_district_mayor
    assert not domain.is_district_mayor(body, membership, D(2026, 1, 1))


def test_an_unknown_role_is_refused() -> None:
    with pytest.raises(PeopleError) as err:
        _start(_body(), "king", D(2026, 1, 1), None, [])
    assert err.value.field == "role"


# ---------------------------------------------------------------- e-mail, phone, areas


@pytest.mark.parametrize(
    "email", ["kein-at-zeichen", "zwei@@stadt.example", "leer@", "@stadt.example", "a b@stadt.example", "x@y", "x@.de"]
)
def test_an_invalid_email_is_refused(hamm: Territory, email: str) -> None:
    with pytest.raises(PeopleError) as err:
        domain.register_person(hamm, _person(email=email), None)
    assert err.value.field == "email"
    assert "keine gültige E-Mail-Adresse" in err.value.message


@pytest.mark.parametrize("email", ["a.b@stadt-hamm.example", "vorname+x@sub.beispiel.de", None])
def test_valid_or_missing_emails_are_fine(hamm: Territory, email: str | None) -> None:
    person, _ = domain.register_person(hamm, _person(email=email), None)
    assert person.email == email


def test_an_invalid_phone_and_empty_names_are_refused(hamm: Territory) -> None:
    with pytest.raises(PeopleError) as err:
        domain.register_person(hamm, _person(phone="bitte anrufen"), None)
    assert err.value.field == "phone"
    with pytest.raises(PeopleError) as err:
        domain.register_person(hamm, _person(family_name="   "), None)
    assert err.value.field == "family_name"
    assert err.value.message == "Bitte geben Sie einen Nachnamen an."


def test_an_unknown_residential_area_is_refused(hamm: Territory) -> None:
    with pytest.raises(PeopleError) as err:
        domain.register_person(hamm, _person(residential_area_number=99), None)
    assert err.value.field == "residential_area_number"
    assert err.value.message == "Wohnbereich 99 ist nicht bekannt."


def test_a_person_event_carries_ids_and_the_social_area_never_names(hamm: Territory) -> None:
    person, event = domain.register_person(hamm, _person(residential_area_number=42), None)
    assert isinstance(event, PersonRegistered)
    assert event.lives_in_social_area_key == "westen"
    dumped = event.model_dump_json()
    for value in (person.given_name, person.family_name, str(person.email), str(person.phone)):
        assert value not in dumped
    assert 42 not in event.model_dump().values()


def test_a_change_names_the_changed_fields_not_their_values(hamm: Territory) -> None:
    current, _ = domain.register_person(hamm, _person(), None)
    changed, event = domain.change_person(hamm, current, _person(id=current.id, email="neu@stadt.example"), None)
    assert isinstance(event, PersonChanged)
    assert event.changed_fields == ["email"]
    assert "neu@stadt.example" not in event.model_dump_json()
    with pytest.raises(PeopleError, match="nichts geändert"):
        domain.change_person(hamm, changed, changed, None)


def test_a_withdrawn_or_unknown_organisation_is_refused(hamm: Territory) -> None:
    organisation, _ = domain.register_actor(hamm, _actor())
    withdrawn, _ = domain.withdraw_actor(organisation)
    with pytest.raises(PeopleError) as err:
        domain.register_person(hamm, _person(actor_id=withdrawn.id), withdrawn)
    assert err.value.field == "actor_id"
    with pytest.raises(PeopleError) as err:
        domain.register_person(hamm, _person(actor_id=uuid.uuid4()), None)
    assert err.value.field == "actor_id"


def test_an_actor_with_unknown_social_area_or_residential_area_or_type_is_refused(hamm: Territory) -> None:
    cases = {
        "social_area_keys": _actor(social_area_keys=("westen", "atlantis")),
        "address.residential_area_number": _actor(address=Address("Weg 1", "59067", "Hamm", 99)),
        "address.postcode": _actor(address=Address("Weg 1", "5906", "Hamm", None)),
        "type": _actor(type="castle"),
        "email": _actor(email="kontakt(at)kita.example"),
    }
    for field, actor in cases.items():
        with pytest.raises(PeopleError) as err:
            domain.register_actor(hamm, actor)
        assert err.value.field == field
    with pytest.raises(PeopleError, match="„atlantis“ ist nicht bekannt"):
        domain.register_actor(hamm, cases["social_area_keys"])


def test_a_withdrawn_actor_cannot_be_changed_or_withdrawn_again(hamm: Territory) -> None:
    actor, registered = domain.register_actor(hamm, _actor())
    assert registered.name == "Kita Beispielgarten" and registered.social_area_keys == ["westen"]
    withdrawn, _ = domain.withdraw_actor(actor)
    with pytest.raises(PeopleError):
        domain.withdraw_actor(withdrawn)
    with pytest.raises(PeopleError):
        domain.change_actor(hamm, withdrawn, _actor(id=actor.id, name="Neu"))


# ---------------------------------------------------------------- erasure


def test_erasure_removes_every_personal_field_and_keeps_only_elected_mandates() -> None:
    person = _person(residential_area_number=42, actor_id=uuid.uuid4())
    council = _body(BodyKind.DISTRICT_COUNCIL)
    round_ = Body(uuid.uuid4(), BodyKind.COORDINATION_ROUND, "Koordinierungsrunde Westen", social_area_key="westen")
    mandate = Membership(uuid.uuid4(), council.id, person.id, Role.MEMBER, D(2025, 11, 1))
    guest = Membership(uuid.uuid4(), round_.id, person.id, Role.GUEST, D(2026, 1, 1))
    erasure = domain.erase_person(person, [(mandate, council), (guest, round_)])
    assert erasure.person.erased
    assert (erasure.person.given_name, erasure.person.family_name) == ("", "")
    assert erasure.person.email is None and erasure.person.phone is None and erasure.person.actor_id is None
    assert erasure.person.functions == () and erasure.person.residential_area_number is None
    assert [m.id for m in erasure.retained] == [mandate.id]
    assert erasure.retained[0].retention_reason and "Bezirksvertretung" in erasure.retained[0].retention_reason
    assert [m.id for m in erasure.dropped] == [guest.id]
    assert isinstance(erasure.event, PersonErased)
    assert erasure.event.retained_membership_ids == [mandate.id]
    with pytest.raises(domain.Gone):
        domain.erase_person(erasure.person, [])
    with pytest.raises(domain.Gone):
        domain.start_membership(council, erasure.person, uuid.uuid4(), "member", D(2026, 1, 1), None, [])


# ---------------------------------------------------------------- bodies


def test_the_bodies_of_hamm(hamm: Territory) -> None:
    bodies = domain.bodies_of(hamm)
    kinds = [b.kind for b in bodies]
    assert kinds.count(BodyKind.COUNCIL) == 1
    assert kinds.count(BodyKind.STEERING_COMMITTEE) == 1
    assert kinds.count(BodyKind.WORKING_GROUP) == 1
    assert kinds.count(BodyKind.COORDINATION_ROUND) == 9
    assert kinds.count(BodyKind.NEIGHBOURHOOD_CONFERENCE) == 9
    assert kinds.count(BodyKind.DISTRICT_COUNCIL) == 7
    names = {b.name for b in bodies}
    assert {"Rat der Stadt Hamm", "Koordinierungsrunde Hammer Westen", "Bezirksvertretung Hamm-Pelkum"} <= names
    assert domain.body_registrations(bodies, domain.bodies_of(hamm)) == []
    assert [b.id for b in domain.bodies_of(hamm)] == [b.id for b in bodies]


def test_another_city_has_its_own_bodies() -> None:
    town = read_territory_file(MUSTERSTADT).territory
    bodies = domain.bodies_of(town)
    assert sum(b.kind is BodyKind.COORDINATION_ROUND for b in bodies) == len(town.social_areas)
    assert sum(b.kind is BodyKind.DISTRICT_COUNCIL for b in bodies) == len(town.districts)


def test_a_neighbourhood_conference_keeps_the_word_in_its_local_title(hamm: Territory) -> None:
    conference = next(b for b in domain.bodies_of(hamm) if b.name == "Stadtteilkonferenz Pelkum")
    titled, event = domain.set_local_title(conference, "Wir in Pelkum")
    assert titled.display_name == "Wir in Pelkum – Stadtteilkonferenz Pelkum"
    assert event.display_name == titled.display_name and event.local_title == "Wir in Pelkum"
    own, _ = domain.set_local_title(conference, "Stadtteilkonferenz „Mein Pelkum“")
    assert own.display_name == "Stadtteilkonferenz „Mein Pelkum“"
    assert "Stadtteilkonferenz" in domain.set_local_title(conference, "Treffpunkt")[0].display_name
    council = next(b for b in domain.bodies_of(hamm) if b.kind is BodyKind.COUNCIL)
    with pytest.raises(PeopleError) as err:
        domain.set_local_title(council, "Unser Rat")
    assert err.value.field == "local_title"
    # a renamed body keeps its local title
    assert domain.body_registrations([titled], [conference]) == []


# ---------------------------------------------------------------- the demo data


def test_the_demo_data_is_fictitious_and_fills_every_body(hamm: Territory) -> None:
    doc = yaml.safe_load((DATA / "demo-people.yaml").read_text(encoding="utf-8"))
    assert doc["city"] == hamm.city
    refs = {m["body"] for p in doc["persons"] for m in p["memberships"]}
    expected = {"council", "steering_committee", "working_group"}
    expected |= {f"{k}/{s}" for s in hamm.social_areas for k in ("coordination_round", "neighbourhood_conference")}
    expected |= {f"district_council/{d}" for d in hamm.districts}
    assert refs == expected
    for p in doc["persons"]:
        assert p["email"].endswith(".example"), p["key"]
        person, _ = domain.register_person(
            hamm,
            _person(
                **{
                    "given_name": p["given_name"],
                    "family_name": p["family_name"],
                    "email": p["email"],
                    "phone": p["phone"],
                    "residential_area_number": p.get("residential_area"),
                }
            ),
            None,
        )
        assert person.email == p["email"]
    # every district council has a chair and 2-3 further members living in their district
    for d in hamm.districts:
        members = [p for p in doc["persons"] for m in p["memberships"] if m["body"] == f"district_council/{d}"]
        assert 3 <= len(members) <= 4
        assert all(hamm.residential_areas[p["residential_area"]].district_key == d for p in members)
    living_in = {
        hamm.residential_areas[p["residential_area"]].social_area_key
        for p in doc["persons"]
        if p.get("residential_area")
    }
    assert {"westen", "norden"} <= living_in
