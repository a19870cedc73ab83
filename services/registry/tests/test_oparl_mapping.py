"""The OParl mapping on its own: URLs, list parameters, pagination, what is published of a person."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from quartier_registry.domain import oparl
from quartier_registry.domain.oparl import (
    ListQuery,
    MembershipRecord,
    OParlQueryError,
    Organization,
    PersonRecord,
    Urls,
)
from quartier_registry.domain.people import Body, BodyKind, Membership, Person, Role, stable_id

DATA = Path(__file__).resolve().parents[1] / "data"
BASE = "http://gateway.example:8080"
URLS = Urls(BASE, "hamm")
T0 = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)
T1 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 6, 1)

COUNCIL = Body(stable_id("body/council"), BodyKind.COUNCIL, "Rat der Stadt Hamm")
CONFERENCE = Body(
    stable_id("body/neighbourhood_conference/pelkum"),
    BodyKind.NEIGHBOURHOOD_CONFERENCE,
    "Stadtteilkonferenz Pelkum",
    social_area_key="pelkum",
    local_title="Wir in Pelkum",
)


def _person(**changes: object) -> Person:
    fields: dict[str, object] = {
        "id": uuid.UUID(int=7),
        "given_name": "Zora",
        "family_name": "Musterkamp",
        "email": "zora@beispiel.example",
        "phone": "0170 1234567",
        "actor_id": uuid.UUID(int=99),
        "functions": ("Quartiersmanagerin",),
        "residential_area_number": 42,
    }
    fields.update(changes)
    return Person(**fields)  # type: ignore[arg-type]


def _membership(body: Body, role: Role = Role.MEMBER, ends_on: dt.date | None = None) -> MembershipRecord:
    m = Membership(uuid.uuid4(), body.id, uuid.UUID(int=7), role, dt.date(2025, 11, 1), ends_on)
    return MembershipRecord(m, body.kind, False, T0, T1)


# ---------------------------------------------------------------- URLs and keys


def test_city_key_is_the_slugified_city_name() -> None:
    assert oparl.slugify("Hamm") == "hamm"
    assert oparl.slugify(" Bockum-Hövel ") == "bockum-hoevel"
    assert oparl.slugify("Mülheim an der Ruhr") == "muelheim-an-der-ruhr"
    assert oparl.slugify("Weißenfels") == "weissenfels"


def test_every_url_starts_with_the_public_base() -> None:
    pid = uuid.UUID(int=7)
    assert URLS.person(pid) == f"{BASE}/oparl/body/hamm/person/{pid}"
    assert URLS.organization(COUNCIL.id) == f"{BASE}/oparl/body/hamm/organization/{COUNCIL.id}"
    assert URLS.legislative_term("2025-2030") == f"{BASE}/oparl/body/hamm/legislativeterm/2025-2030"
    system = oparl.system(URLS, T0, T1)
    assert system["id"] == f"{BASE}/oparl" and system["body"] == f"{BASE}/oparl/body"
    assert system["type"] == "https://schema.oparl.org/1.1/System"
    assert system["oparlVersion"] == "https://schema.oparl.org/1.1/"
    assert system["name"] == "Quartier – Stadtteilarbeit Hamm"


# ---------------------------------------------------------------- list parameters


def test_list_parameters_have_defaults_and_a_maximum() -> None:
    assert oparl.parse_query({}) == ListQuery(limit=100, page=1)
    assert oparl.parse_query({"limit": "5000"}).limit == 1000
    query = oparl.parse_query({"limit": "20", "page": "3", "modified_since": "2026-01-31T12:00:00+01:00"})
    assert (query.limit, query.page, query.offset) == (20, 3, 40)
    assert query.modified_since == dt.datetime(2026, 1, 31, 11, 0, tzinfo=dt.UTC)
    # "+" of an unencoded query string arrives as a space; "Z" is UTC; without zone: UTC
    assert oparl.parse_query({"created_since": "2026-01-31T12:00:00 01:00"}).created_since == dt.datetime(
        2026, 1, 31, 11, 0, tzinfo=dt.UTC
    )
    assert oparl.parse_query({"modified_until": "2026-01-31T12:00:00Z"}).modified_until == dt.datetime(
        2026, 1, 31, 12, 0, tzinfo=dt.UTC
    )
    assert oparl.parse_query({"modified_until": "2026-01-31T12:00:00"}).modified_until == dt.datetime(
        2026, 1, 31, 12, 0, tzinfo=dt.UTC
    )


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "viele"}, "limit"),
        ({"page": "-1"}, "page"),
        ({"page": "1" + "0" * 30}, "page"),
        ({"modified_since": "gestern"}, "modified_since"),
        ({"created_until": "2026-13-01"}, "created_until"),
    ],
)
def test_bad_list_parameters_are_named(params: dict[str, str], parameter: str) -> None:
    with pytest.raises(OParlQueryError) as caught:
        oparl.parse_query(params)
    assert caught.value.parameter == parameter


def test_deleted_objects_are_listed_only_with_modified_since() -> None:
    assert not oparl.parse_query({}).include_deleted
    assert not oparl.parse_query({"created_since": "2026-01-01T00:00:00Z"}).include_deleted
    assert oparl.parse_query({"modified_since": "2026-01-01T00:00:00Z"}).include_deleted


def test_omit_internal_leaves_out_embedded_memberships_and_stays_in_the_links() -> None:
    query = oparl.parse_query({"omit_internal": "true", "limit": "1"})
    assert query.omit_internal and not oparl.parse_query({"omit_internal": "false"}).omit_internal
    with pytest.raises(OParlQueryError):
        oparl.parse_query({"omit_internal": "ja"})
    page = oparl.object_list(URLS.body_list("person"), [], 2, query)
    assert all("omit_internal=true" in url for url in page["links"].values())
    record = PersonRecord(_person(), T0, T1, (_membership(CONFERENCE),))
    assert "membership" not in oparl.person(URLS, record, TODAY, omit_internal=True)
    assert oparl.person(URLS, record, TODAY)["membership"]


def test_filters_admit_by_created_and_modified() -> None:
    query = oparl.parse_query({"modified_since": T1.isoformat()})
    assert query.admits(T0, T1) and not query.admits(T0, T0)
    assert not oparl.parse_query({"created_until": "2026-01-01T00:00:00Z"}).admits(T0, T1)


def test_pages_link_to_their_neighbours_and_keep_the_filters() -> None:
    query = oparl.parse_query({"limit": "10", "page": "2", "modified_since": "2026-01-01T00:00:00+00:00"})
    page = oparl.object_list(URLS.body_list("person"), [{"x": 1}], 25, query)
    assert page["pagination"] == {"totalElements": 25, "elementsPerPage": 10, "currentPage": 2, "totalPages": 3}
    links = page["links"]
    assert set(links) == {"first", "prev", "next", "last", "self"}
    for name, number in (("first", 1), ("prev", 1), ("self", 2), ("next", 3), ("last", 3)):
        url = urlsplit(links[name])
        assert f"{url.scheme}://{url.netloc}{url.path}" == f"{BASE}/oparl/body/hamm/person"
        params = parse_qs(url.query)
        assert params["page"] == [str(number)] and params["limit"] == ["10"]
        assert params["modified_since"] == ["2026-01-01T00:00:00+00:00"]
    only = oparl.object_list(URLS.bodies, [], 0, ListQuery())
    assert only["pagination"]["totalPages"] == 1 and "next" not in only["links"] and "prev" not in only["links"]


# ---------------------------------------------------------------- objects


def test_organizations_are_gremien_with_classification_and_membership_urls() -> None:
    mid = uuid.uuid4()
    org = oparl.organization(URLS, Organization(CONFERENCE, T0, T1, (mid,)))
    assert org["name"] == "Wir in Pelkum – Stadtteilkonferenz Pelkum"
    assert org["organizationType"] == "Gremium" and org["classification"] == "Stadtteilkonferenz"
    assert org["membership"] == [f"{BASE}/oparl/body/hamm/membership/{mid}"]
    assert org["body"] == f"{BASE}/oparl/body/hamm"
    assert org["keyword"] == ["pelkum"]
    assert {oparl.CLASSIFICATIONS[k] for k in BodyKind} == {
        "Rat",
        "Lenkungskreis",
        "Arbeitskreis",
        "Koordinierungsrunde",
        "Stadtteilkonferenz",
        "Bezirksvertretung",
    }


@pytest.mark.parametrize(
    ("role", "label", "votes"),
    [
        (Role.CHAIR, "Vorsitz", True),
        (Role.DEPUTY, "Stellvertretung", True),
        (Role.MEMBER, "Mitglied", True),
        (Role.GUEST, "Gast", False),
        (Role.ADVISORY, "Beratend", False),
    ],
)
def test_membership_role_and_voting_right(role: Role, label: str, votes: bool) -> None:
    record = _membership(COUNCIL, role, ends_on=dt.date(2026, 2, 1))
    out = oparl.membership(URLS, record)
    assert out["role"] == label and out["votingRight"] is votes
    assert out["person"] == URLS.person(uuid.UUID(int=7))
    assert out["organization"] == URLS.organization(COUNCIL.id)
    assert (out["startDate"], out["endDate"]) == ("2025-11-01", "2026-02-01")
    assert "person" not in oparl.membership(URLS, record, embedded=True)


def test_a_person_is_published_with_name_and_memberships_only() -> None:
    record = PersonRecord(_person(), T0, T1, (_membership(CONFERENCE),))
    out = oparl.person(URLS, record, TODAY)
    assert (out["givenName"], out["familyName"], out["name"]) == ("Zora", "Musterkamp", "Zora Musterkamp")
    assert "email" not in out and "phone" not in out
    assert [m["organization"] for m in out["membership"]] == [URLS.organization(CONFERENCE.id)]
    text = repr(out)
    for private in ("Quartiersmanagerin", "zora@", "0170", str(uuid.UUID(int=99))):
        assert private not in text
    # The Wohnbereich she lives in (42) is no value anywhere; random ids may well contain the digits.
    assert not {42, "42"} & set(_leaves(out))
    assert out["created"] == T0.isoformat() and out["modified"] == T1.isoformat()


def test_contact_only_with_an_active_elected_mandate() -> None:
    active = PersonRecord(_person(), T0, T1, (_membership(CONFERENCE), _membership(COUNCIL)))
    out = oparl.person(URLS, active, TODAY)
    assert out["email"] == ["zora@beispiel.example"] and out["phone"] == ["0170 1234567"]
    ended = PersonRecord(_person(), T0, T1, (_membership(COUNCIL, ends_on=dt.date(2026, 1, 31)),))
    assert "email" not in oparl.person(URLS, ended, TODAY)
    guest_in_conference = PersonRecord(_person(), T0, T1, (_membership(CONFERENCE, Role.CHAIR),))
    assert "phone" not in oparl.person(URLS, guest_in_conference, TODAY)


def test_an_erased_person_is_a_bare_deleted_object() -> None:
    erased = Person(uuid.UUID(int=7), "", "", None, None, None, (), None, erased=True)
    retained = MembershipRecord(
        Membership(uuid.uuid4(), COUNCIL.id, erased.id, Role.MEMBER, dt.date(2025, 11, 1)), COUNCIL.kind, True, T0, T1
    )
    out = oparl.person(URLS, PersonRecord(erased, T0, T1, (retained,)), TODAY)
    assert out == {
        "id": URLS.person(erased.id),
        "type": "https://schema.oparl.org/1.1/Person",
        "created": T0.isoformat(),
        "modified": T1.isoformat(),
        "deleted": True,
    }
    kept = oparl.membership(URLS, retained)
    assert kept["deleted"] is True and set(kept) == {"id", "type", "created", "modified", "deleted"}


def test_the_current_wahlperiode_comes_from_the_data_file() -> None:
    terms = oparl.parse_legislative_terms(yaml.safe_load((DATA / "legislative-terms.yaml").read_text(encoding="utf-8")))
    assert [(t.key, t.start, t.end) for t in terms] == [("2025-2030", dt.date(2025, 11, 1), dt.date(2030, 10, 31))]
    body = oparl.body(URLS, "Hamm", terms, T0, T0)
    assert body["name"] == "Stadt Hamm" and body["shortName"] == "Hamm"
    assert body["legislativeTerm"][0]["id"] == f"{BASE}/oparl/body/hamm/legislativeterm/2025-2030"
    assert body["modified"] == T0.isoformat()  # the later of the body's and the terms' times
    for name in ("organization", "person", "meeting", "paper"):
        assert body[name] == f"{BASE}/oparl/body/hamm/{name}"


def test_a_broken_term_file_is_refused() -> None:
    with pytest.raises(ValueError, match="wahlperioden"):
        oparl.parse_legislative_terms({"perioden": []})
    with pytest.raises(ValueError, match="Ende liegt vor dem Beginn"):
        oparl.parse_legislative_terms(
            {"wahlperioden": [{"key": "x", "beginn": "2030-01-01", "ende": "2025-01-01", "erfasst": "2025-01-01"}]}
        )


def _leaves(node: object) -> list[object]:
    if isinstance(node, dict):
        return [leaf for value in node.values() for leaf in _leaves(value)]
    if isinstance(node, list):
        return [leaf for value in node for leaf in _leaves(value)]
    return [node]
