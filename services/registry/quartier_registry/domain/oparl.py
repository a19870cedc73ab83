"""OParl 1.1 view of the city's bodies: System, Body, Organization, Person, Membership, LegislativeTerm.

Pure mapping, no I/O. Every URL is built from the public base address (the gateway's), so the ids
point where other systems read them. The city is the one OParl ``Body``; each of our Gremien (Rat,
Lenkungskreis, AK Stadtteilarbeit, Koordinierungsrunden, Stadtteilkonferenzen, Bezirksvertretungen)
is an OParl ``Organization``.

Data protection (residents sit in Stadtteilkonferenzen and Koordinierungsrunden): a person is published
only while they hold or held a membership in one of the bodies, and only with their name. E-mail and
phone are published only for holders of an *active* mandate in an elected representation (Rat,
Bezirksvertretung), whose contact is public by office; nobody else's. Functions, organisation and
place of residence are never published. An erased person is a bare ``deleted`` object (id, type,
created, modified = time of erasure) so other systems drop their copies; their memberships kept by
law are published as ``deleted`` too and left out of the organisations' membership lists. As OParl 1.1
requires, lists show deleted objects if and only if ``modified_since`` is given.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from quartier_registry.domain.people import ROLE_LABELS, Body, BodyKind, Membership, Person, Role

# The OParl list protocol is shared (quartier_shared.oparl); this module re-exports it for its service.
from quartier_shared.oparl import (  # noqa: F401
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_PAGE,
    OPARL_VERSION,
    ListQuery,
    OParlQueryError,
    object_list,
    parse_query,
    parse_timestamp,
    slugify,
    timestamp,
    type_url,
)

SYSTEM_NAME = "Quartier – Stadtteilarbeit Hamm"

ORGANIZATION_TYPE = "Gremium"
CLASSIFICATIONS: dict[BodyKind, str] = {
    BodyKind.COUNCIL: "Rat",
    BodyKind.STEERING_COMMITTEE: "Lenkungskreis",
    BodyKind.WORKING_GROUP: "Arbeitskreis",
    BodyKind.COORDINATION_ROUND: "Koordinierungsrunde",
    BodyKind.NEIGHBOURHOOD_CONFERENCE: "Stadtteilkonferenz",
    BodyKind.DISTRICT_COUNCIL: "Bezirksvertretung",
}
SHORT_NAMES: dict[BodyKind, str] = {
    BodyKind.COUNCIL: "Rat",
    BodyKind.STEERING_COMMITTEE: "LK",
    BodyKind.WORKING_GROUP: "AK",
    BodyKind.COORDINATION_ROUND: "KR",
    BodyKind.NEIGHBOURHOOD_CONFERENCE: "STK",
    BodyKind.DISTRICT_COUNCIL: "BV",
}
# Elected representations: their mandate holders' office contact is public.
ELECTED: frozenset[BodyKind] = frozenset({BodyKind.COUNCIL, BodyKind.DISTRICT_COUNCIL})
# Roles that vote; guests and advisory members do not.
VOTING_ROLES: frozenset[Role] = frozenset({Role.CHAIR, Role.DEPUTY, Role.MEMBER})


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class LegislativeTerm:
    key: str
    name: str
    start: dt.date
    end: dt.date
    recorded: dt.datetime


@dataclass(frozen=True)
class Organization:
    """A body with its timestamps and the ids of its published memberships."""

    body: Body
    created: dt.datetime
    modified: dt.datetime
    membership_ids: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class MembershipRecord:
    membership: Membership
    body_kind: BodyKind
    person_erased: bool
    created: dt.datetime
    modified: dt.datetime


@dataclass(frozen=True)
class PersonRecord:
    person: Person
    created: dt.datetime
    modified: dt.datetime
    memberships: tuple[MembershipRecord, ...] = ()


# ---------------------------------------------------------------- small helpers


def parse_legislative_terms(doc: Any) -> list[LegislativeTerm]:
    """The ``wahlperioden`` of data/legislative-terms.yaml."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("wahlperioden"), list):
        raise ValueError("legislative-terms.yaml: Abschnitt „wahlperioden“ (Liste) fehlt.")
    terms: list[LegislativeTerm] = []
    for i, entry in enumerate(doc["wahlperioden"]):
        where = f"wahlperioden[{i}]"
        if not isinstance(entry, Mapping):
            raise ValueError(f"{where}: Eintrag ist kein Objekt.")
        try:
            key = slugify(str(entry["key"]))
            start = _date(entry["beginn"])
            end = _date(entry["ende"])
            recorded = entry["erfasst"]
            recorded = recorded if isinstance(recorded, dt.datetime) else dt.datetime.fromisoformat(str(recorded))
        except (KeyError, ValueError, TypeError) as exc:
            raise ValueError(f"{where}: {exc!r}") from None
        if end < start:
            raise ValueError(f"{where}: Ende liegt vor dem Beginn.")
        if recorded.tzinfo is None:
            recorded = recorded.replace(tzinfo=dt.UTC)
        if any(t.key == key for t in terms):
            raise ValueError(f"{where}: Schlüssel „{key}“ doppelt.")
        terms.append(
            LegislativeTerm(key, str(entry.get("name") or f"Wahlperiode {start.year}–{end.year}"), start, end, recorded)
        )
    return terms


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


# ---------------------------------------------------------------- URLs


@dataclass(frozen=True)
class Urls:
    """Every URL of the export, from the public base (``http://host:port``) and the city's key."""

    base: str
    body_key: str

    @property
    def system(self) -> str:
        return f"{self.base}/oparl"

    @property
    def bodies(self) -> str:
        return f"{self.base}/oparl/body"

    @property
    def body(self) -> str:
        return f"{self.bodies}/{self.body_key}"

    def body_list(self, name: str) -> str:
        """organization, person, meeting, paper, legislativeterm, membership"""
        return f"{self.body}/{name}"

    def organization(self, body_id: uuid.UUID) -> str:
        return f"{self.body}/organization/{body_id}"

    def person(self, person_id: uuid.UUID) -> str:
        return f"{self.body}/person/{person_id}"

    def membership(self, membership_id: uuid.UUID) -> str:
        return f"{self.body}/membership/{membership_id}"

    def legislative_term(self, key: str) -> str:
        return f"{self.body}/legislativeterm/{key}"


# ---------------------------------------------------------------- objects


def system(urls: Urls, created: dt.datetime, modified: dt.datetime) -> dict[str, Any]:
    return {
        "id": urls.system,
        "type": type_url("System"),
        "oparlVersion": OPARL_VERSION,
        "otherOparlVersions": [],
        "body": urls.bodies,
        "name": SYSTEM_NAME,
        # The platform is run by the city itself: its start page stands for vendor and product.
        "website": f"{urls.base}/",
        "vendor": f"{urls.base}/",
        "product": f"{urls.base}/",
        "created": timestamp(created),
        "modified": timestamp(modified),
    }


def body(
    urls: Urls, city: str, terms: Sequence[LegislativeTerm], created: dt.datetime, modified: dt.datetime
) -> dict[str, Any]:
    last = max([modified, *(t.recorded for t in terms)])
    return {
        "id": urls.body,
        "type": type_url("Body"),
        "system": urls.system,
        "shortName": city,
        "name": f"Stadt {city}",
        "classification": "Stadt",
        "organization": urls.body_list("organization"),
        "person": urls.body_list("person"),
        "meeting": urls.body_list("meeting"),
        "paper": urls.body_list("paper"),
        "membership": urls.body_list("membership"),
        "legislativeTerm": [legislative_term(urls, t, embedded=True) for t in terms],
        "legislativeTermList": urls.body_list("legislativeterm"),
        "created": timestamp(created),
        "modified": timestamp(last),
    }


def legislative_term(urls: Urls, term: LegislativeTerm, *, embedded: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": urls.legislative_term(term.key),
        "type": type_url("LegislativeTerm"),
        "name": term.name,
        "startDate": term.start.isoformat(),
        "endDate": term.end.isoformat(),
        "created": timestamp(term.recorded),
        "modified": timestamp(term.recorded),
    }
    if not embedded:
        out["body"] = urls.body
    return out


def organization(urls: Urls, org: Organization) -> dict[str, Any]:
    b = org.body
    keyword = [k for k in (b.social_area_key, b.district_key) if k]
    out: dict[str, Any] = {
        "id": urls.organization(b.id),
        "type": type_url("Organization"),
        "body": urls.body,
        "name": b.display_name,
        "shortName": SHORT_NAMES[b.kind],
        "organizationType": ORGANIZATION_TYPE,
        "classification": CLASSIFICATIONS[b.kind],
        "membership": [urls.membership(m) for m in org.membership_ids],
        "created": timestamp(org.created),
        "modified": timestamp(org.modified),
    }
    if keyword:
        out["keyword"] = keyword
    return out


def deleted(type_name: str, id_url: str, created: dt.datetime, modified: dt.datetime) -> dict[str, Any]:
    """What remains of an erased object: enough for other systems to drop their copy."""
    return {
        "id": id_url,
        "type": type_url(type_name),
        "created": timestamp(created),
        "modified": timestamp(modified),
        "deleted": True,
    }


def membership(urls: Urls, record: MembershipRecord, *, embedded: bool = False) -> dict[str, Any]:
    m = record.membership
    if record.person_erased:
        return deleted("Membership", urls.membership(m.id), record.created, record.modified)
    out: dict[str, Any] = {
        "id": urls.membership(m.id),
        "type": type_url("Membership"),
        "organization": urls.organization(m.body_id),
        "role": ROLE_LABELS[m.role],
        "votingRight": m.role in VOTING_ROLES,
        "startDate": m.starts_on.isoformat(),
        "created": timestamp(record.created),
        "modified": timestamp(record.modified),
    }
    if not embedded:
        out["person"] = urls.person(m.person_id)
    if m.ends_on is not None:
        out["endDate"] = m.ends_on.isoformat()
    return out


def contact_is_public(memberships: Sequence[MembershipRecord], today: dt.date) -> bool:
    """Only an active mandate in an elected representation (Rat, Bezirksvertretung) makes e-mail and
    phone public; everyone else (residents, staff of providers) is published with their name only."""
    return any(r.body_kind in ELECTED and r.membership.active_on(today) for r in memberships)


def person(urls: Urls, record: PersonRecord, today: dt.date, *, omit_internal: bool = False) -> dict[str, Any]:
    """``omit_internal`` (OParl 1.1, lists only): without the embedded memberships, which the body's
    membership list holds."""
    p = record.person
    if p.erased:
        return deleted("Person", urls.person(p.id), record.created, record.modified)
    out: dict[str, Any] = {
        "id": urls.person(p.id),
        "type": type_url("Person"),
        "body": urls.body,
        "name": f"{p.given_name} {p.family_name}".strip(),
        "familyName": p.family_name,
        "givenName": p.given_name,
    }
    if contact_is_public(record.memberships, today):
        if p.email:
            out["email"] = [p.email]
        if p.phone:
            out["phone"] = [p.phone]
    if not omit_internal:
        out["membership"] = [membership(urls, r, embedded=True) for r in record.memberships if not r.person_erased]
    out["created"] = timestamp(record.created)
    out["modified"] = timestamp(record.modified)
    return out


# ---------------------------------------------------------------- lists
