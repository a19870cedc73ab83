"""Every kind of object the OParl mapping produces validates against the official OParl 1.1 JSON schemas.

The schemas (OParl/spec, tag v1.1.1) are read from ``../shared/reference/oparl/schema/v1.1.1`` next to
the repository, never from the network. The OParl schemas link embedded objects with their own keyword
``"schema": "Membership.json"``; the validator follows it through a local ``referencing`` registry, so
embedded memberships and legislative terms are validated too. Formats ``url``, ``date`` and
``date-time`` are checked strictly (absolute http(s) URL; ISO date; ISO date-time with time zone).
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest
from jsonschema import ValidationError

from quartier_registry.domain import oparl
from quartier_registry.domain.oparl import (
    LegislativeTerm,
    ListQuery,
    MembershipRecord,
    Organization,
    PersonRecord,
    Urls,
)
from quartier_registry.domain.people import Body, BodyKind, Membership, Person, Role, bodies_of
from quartier_registry.service.territory import read_territory_file
from tests.support.schemas import OParlCheck, check_oparl_list, needs_oparl_schemas, oparl_validator

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "services" / "registry" / "data"

pytestmark = needs_oparl_schemas

# ---------------------------------------------------------------- fixtures

BASE = "http://127.0.0.1:8080"
URLS = Urls(BASE, "hamm")
T0 = dt.datetime(2025, 11, 3, 8, 0, tzinfo=dt.UTC)
T1 = dt.datetime(2026, 2, 10, 16, 45, 12, 345678, tzinfo=dt.UTC)
TODAY = dt.date(2026, 6, 1)


@pytest.fixture(scope="module")
def check() -> OParlCheck:
    return oparl_validator()


def _bodies() -> list[Body]:
    return bodies_of(read_territory_file(DATA / "hamm.yaml").territory)


def _terms() -> list[LegislativeTerm]:
    import yaml

    return oparl.parse_legislative_terms(yaml.safe_load((DATA / "legislative-terms.yaml").read_text(encoding="utf-8")))


def _memberships(person_id: uuid.UUID, bodies: list[Body], erased: bool = False) -> tuple[MembershipRecord, ...]:
    out = []
    for i, (body, role) in enumerate(zip(bodies, list(Role), strict=False)):
        ends = dt.date(2026, 1, 31) if i % 2 else None
        m = Membership(uuid.uuid4(), body.id, person_id, role, dt.date(2025, 11, 1), ends)
        out.append(MembershipRecord(m, body.kind, erased, T0, T1))
    return tuple(out)


# ---------------------------------------------------------------- tests


def test_system_and_body(check: OParlCheck) -> None:
    check("System", oparl.system(URLS, T0, T1))
    body = oparl.body(URLS, "Hamm", _terms(), T0, T1)
    check("Body", body)
    for term in body["legislativeTerm"]:
        check("LegislativeTerm", term)
    check_oparl_list(check, "Body", oparl.object_list(URLS.bodies, [body], 1, ListQuery()))


def test_every_gremium_as_organization(check: OParlCheck) -> None:
    bodies = _bodies()
    assert {b.kind for b in bodies} == set(BodyKind)
    orgs = [oparl.organization(URLS, Organization(b, T0, T1, (uuid.uuid4(), uuid.uuid4()))) for b in bodies]
    for org in orgs:
        check("Organization", org)
    check_oparl_list(
        check,
        "Organization",
        oparl.object_list(URLS.body_list("organization"), orgs[:10], len(orgs), ListQuery(limit=10)),
    )


def test_persons_memberships_and_terms(check: OParlCheck) -> None:
    bodies = _bodies()
    people = [
        Person(uuid.uuid4(), "Zora", "Musterkamp", "zora@beispiel.example", "0170 1234567", None, ("x",), 42),
        Person(uuid.uuid4(), "Ben", "Probe", None, None, None, (), None),
        Person(uuid.uuid4(), "", "", None, None, None, (), None, erased=True),
    ]
    records = [
        PersonRecord(people[0], T0, T1, _memberships(people[0].id, bodies[:1] + bodies[-4:])),
        PersonRecord(people[1], T0, T0),
        PersonRecord(people[2], T0, T1, _memberships(people[2].id, bodies[:1], erased=True)),
    ]
    out = [oparl.person(URLS, r, TODAY) for r in records]
    assert "email" in out[0] and out[2]["deleted"] is True
    for person in out:
        check("Person", person)
    check_oparl_list(check, "Person", oparl.object_list(URLS.body_list("person"), out, 3, ListQuery()))
    for record in records:
        for m in record.memberships:
            check("Membership", oparl.membership(URLS, m))
    for term in _terms():
        check("LegislativeTerm", oparl.legislative_term(URLS, term))
    check_oparl_list(check, "Meeting", oparl.object_list(URLS.body_list("meeting"), [], 0, ListQuery()))


def test_the_validator_catches_mistakes(check: OParlCheck) -> None:
    """The checks are live: a wrong type, a relative URL, a date-time without zone, a bad embedded object."""
    person = PersonRecord(Person(uuid.uuid4(), "A", "B", None, None, None, (), None), T0, T1)
    good = oparl.person(URLS, person, TODAY)
    broken: list[dict[str, Any]] = [
        {**good, "type": "https://schema.oparl.org/1.0/Person"},
        {**good, "body": "/oparl/body/hamm"},
        {**good, "modified": "2026-01-01T10:00:00"},
        {**good, "email": "a@b.example"},
        {**good, "membership": [{"id": "x", "type": "https://schema.oparl.org/1.1/Membership"}]},
        {
            **good,
            "membership": [
                {"id": URLS.membership(uuid.uuid4()), "type": oparl.type_url("Membership"), "startDate": "1.11.2025"}
            ],
        },
    ]
    for obj in broken:
        with pytest.raises(ValidationError):
            check("Person", obj)
    body = oparl.body(URLS, "Hamm", _terms(), T0, T1)
    with pytest.raises(ValidationError):
        check("Body", {**body, "legislativeTerm": [{"id": URLS.legislative_term("x")}]})
