"""Actors, people, bodies and memberships: who works where and who sits in which body.

Pure rules, no I/O. Each decision takes the current state (and the territory where areas are named)
and returns the new state together with the event that announces it. A broken rule raises
``PeopleError`` naming the field, with a German message for the user.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from quartier_registry.domain.territory import Territory
from quartier_shared import errors
from quartier_shared.events.contacts import ContactDetailsErased, ContactDetailsSet
from quartier_shared.events.people import (
    ActorChanged,
    ActorRegistered,
    ActorWithdrawn,
    BodyRegistered,
    MembershipEnded,
    MembershipStarted,
    PersonChanged,
    PersonErased,
    PersonRegistered,
)

# Stable ids of everything derived from data (bodies from the territory, demo records from their keys).
NAMESPACE = uuid.UUID("6f0b7c1e-3a57-4f0e-9a0c-7c1d2f6b9e41")


def stable_id(key: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, key)


def demo_actor_id(key: str) -> uuid.UUID:
    """The id of a demo actor (demo-people.yaml), which the demo offers name as their provider."""
    return stable_id(f"demo/actor/{key}")


class PeopleError(errors.DomainError):
    """A rule is broken. ``field`` names the input (``ends_on``, ``email`` …), ``message`` says why (German)."""


class NotFound(PeopleError, errors.NotFound):
    """The actor, person, body or membership does not exist."""


class Gone(PeopleError, errors.Gone):
    """The person's data was erased; nothing can be done with it any more."""


class ActorType(StrEnum):
    CITY_SERVICE = "city_service"
    PROVIDER = "provider"
    NEIGHBOURHOOD_OFFICE = "neighbourhood_office"
    ASSOCIATION = "association"
    SCHOOL = "school"
    KITA = "kita"
    FAITH_COMMUNITY = "faith_community"
    POLICE_DISTRICT_SERVICE = "police_district_service"
    MUNICIPAL_ENFORCEMENT = "municipal_enforcement"
    OTHER = "other"


ACTOR_TYPE_LABELS: dict[ActorType, str] = {
    ActorType.CITY_SERVICE: "Fachdienst der Stadt",
    ActorType.PROVIDER: "Träger",
    ActorType.NEIGHBOURHOOD_OFFICE: "Stadtteilbüro",
    ActorType.ASSOCIATION: "Verein",
    ActorType.SCHOOL: "Schule",
    ActorType.KITA: "Kita",
    ActorType.FAITH_COMMUNITY: "Glaubensgemeinschaft",
    ActorType.POLICE_DISTRICT_SERVICE: "Bezirksdienst der Polizei",
    ActorType.MUNICIPAL_ENFORCEMENT: "Kommunaler Ordnungsdienst (KOD)",
    ActorType.OTHER: "Sonstige",
}


class BodyKind(StrEnum):
    COUNCIL = "council"
    STEERING_COMMITTEE = "steering_committee"
    WORKING_GROUP = "working_group"
    COORDINATION_ROUND = "coordination_round"
    NEIGHBOURHOOD_CONFERENCE = "neighbourhood_conference"
    DISTRICT_COUNCIL = "district_council"


class Role(StrEnum):
    CHAIR = "chair"
    DEPUTY = "deputy"
    MEMBER = "member"
    GUEST = "guest"
    ADVISORY = "advisory"


ROLE_LABELS: dict[Role, str] = {
    Role.CHAIR: "Vorsitz",
    Role.DEPUTY: "Stellvertretung",
    Role.MEMBER: "Mitglied",
    Role.GUEST: "Gast",
    Role.ADVISORY: "Beratend",
}

# Memberships whose record the law requires to keep after an erasure: the composition of elected
# representations (Rat, Bezirksvertretung) is a public record of who decided, kept with the minutes.
RETAINED_BODY_KINDS: dict[BodyKind, str] = {
    BodyKind.COUNCIL: (
        "Mandat im Rat: Die Zusammensetzung gewählter Vertretungen ist mit den Niederschriften "
        "ihrer Beschlüsse aufzubewahren."
    ),
    BodyKind.DISTRICT_COUNCIL: (
        "Mandat in der Bezirksvertretung: Die Zusammensetzung gewählter Vertretungen ist mit den "
        "Niederschriften ihrer Beschlüsse aufzubewahren."
    ),
}

ERASED_MARK = "gelöscht"


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class Address:
    street: str
    postcode: str
    city: str
    residential_area_number: int | None = None


@dataclass(frozen=True)
class Actor:
    id: uuid.UUID
    name: str
    type: ActorType
    social_area_keys: tuple[str, ...]
    address: Address | None
    email: str | None
    phone: str | None
    withdrawn: bool = False


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    given_name: str
    family_name: str
    email: str | None
    phone: str | None
    actor_id: uuid.UUID | None
    functions: tuple[str, ...]
    residential_area_number: int | None
    erased: bool = False


@dataclass(frozen=True)
class Body:
    id: uuid.UUID
    kind: BodyKind
    name: str
    social_area_key: str | None = None
    district_key: str | None = None
    local_title: str | None = None

    @property
    def display_name(self) -> str:
        """A Stadtteilkonferenz may carry a local title, always next to the word Stadtteilkonferenz."""
        if self.kind is BodyKind.NEIGHBOURHOOD_CONFERENCE and self.local_title:
            if "stadtteilkonferenz" in self.local_title.lower():
                return self.local_title
            return f"{self.local_title} – {self.name}"
        return self.name


@dataclass(frozen=True)
class Membership:
    id: uuid.UUID
    body_id: uuid.UUID
    person_id: uuid.UUID
    role: Role
    starts_on: dt.date
    ends_on: dt.date | None = None
    retention_reason: str | None = None

    def overlaps(self, starts_on: dt.date, ends_on: dt.date | None) -> bool:
        own_end = self.ends_on or dt.date.max
        other_end = ends_on or dt.date.max
        return self.starts_on <= other_end and starts_on <= own_end

    def active_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


def is_district_mayor(body: Body, membership: Membership, today: dt.date) -> bool:
    """The chair of a Bezirksvertretung is the district mayor, while the chair lasts."""
    return body.kind is BodyKind.DISTRICT_COUNCIL and membership.role is Role.CHAIR and membership.active_on(today)


# ---------------------------------------------------------------- checking input

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_PHONE = re.compile(r"^\+?[0-9][0-9 ()/\-]{3,30}[0-9]$")
_POSTCODE = re.compile(r"^[0-9]{5}$")


def _name(value: str, field: str, what: str, *, max_length: int = 200) -> str:
    text = " ".join(value.split())
    if not text:
        raise PeopleError(field, f"Bitte geben Sie {what} an.")
    if len(text) > max_length:
        raise PeopleError(field, f"{what[0].upper()}{what[1:]} ist zu lang (höchstens {max_length} Zeichen).")
    return text


def _optional(value: str | None) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    return text or None


def check_email(value: str | None, field: str = "email") -> str | None:
    email = _optional(value)
    if email is None:
        return None
    if len(email) > 254 or ".." in email or not _EMAIL.match(email) or len(email.split("@", 1)[0]) > 64:
        raise PeopleError(field, f"„{email}“ ist keine gültige E-Mail-Adresse.")
    return email


def check_phone(value: str | None, field: str = "phone") -> str | None:
    phone = _optional(value)
    if phone is None:
        return None
    if not _PHONE.match(phone):
        raise PeopleError(field, f"„{phone}“ ist keine gültige Telefonnummer.")
    return phone


def check_social_areas(territory: Territory, keys: Iterable[str], field: str = "social_area_keys") -> tuple[str, ...]:
    out: list[str] = []
    for key in keys:
        if key not in territory.social_areas:
            raise PeopleError(field, f"Sozialraum „{key}“ ist nicht bekannt.")
        if key not in out:
            out.append(key)
    return tuple(out)


def check_residential_area(territory: Territory, number: int | None, field: str) -> int | None:
    if number is not None and number not in territory.residential_areas:
        raise PeopleError(field, f"Wohnbereich {number} ist nicht bekannt.")
    return number


def lives_in_social_area(territory: Territory, number: int | None) -> str | None:
    area = territory.residential_areas.get(number) if number is not None else None
    return area.social_area_key if area else None


# ---------------------------------------------------------------- actors


def _actor(territory: Territory, actor: Actor) -> Actor:
    name = _name(actor.name, "name", "einen Namen")
    try:
        kind = ActorType(actor.type)
    except ValueError:
        allowed = ", ".join(t.value for t in ActorType)
        raise PeopleError("type", f"Art „{actor.type}“ ist nicht bekannt (erlaubt: {allowed}).") from None
    address = actor.address
    if address is not None:
        postcode = address.postcode.strip()
        if not _POSTCODE.match(postcode):
            raise PeopleError("address.postcode", f"„{postcode}“ ist keine gültige Postleitzahl (fünf Ziffern).")
        address = Address(
            street=_name(address.street, "address.street", "eine Straße"),
            postcode=postcode,
            city=_name(address.city, "address.city", "einen Ort"),
            residential_area_number=check_residential_area(
                territory, address.residential_area_number, "address.residential_area_number"
            ),
        )
    return replace(
        actor,
        name=name,
        type=kind,
        social_area_keys=check_social_areas(territory, actor.social_area_keys),
        address=address,
        email=check_email(actor.email),
        phone=check_phone(actor.phone),
    )


def _actor_facts(actor: Actor) -> dict[str, object]:
    a = actor.address
    return {
        "actor_id": actor.id,
        "name": actor.name,
        "actor_type": actor.type.value,
        "social_area_keys": list(actor.social_area_keys),
        "street": a.street if a else None,
        "postcode": a.postcode if a else None,
        "city": a.city if a else None,
        "residential_area_number": a.residential_area_number if a else None,
        "email": actor.email,
    }


def register_actor(territory: Territory, actor: Actor) -> tuple[Actor, ActorRegistered]:
    checked = _actor(territory, replace(actor, withdrawn=False))
    return checked, ActorRegistered.model_validate(_actor_facts(checked))


def change_actor(territory: Territory, current: Actor, desired: Actor) -> tuple[Actor, ActorChanged]:
    if current.withdrawn:
        raise PeopleError("", f"„{current.name}“ ist zurückgezogen und kann nicht mehr geändert werden.")
    checked = _actor(territory, replace(desired, id=current.id, withdrawn=False))
    if checked == current:
        raise PeopleError("", "Es wurde nichts geändert.")
    return checked, ActorChanged.model_validate(_actor_facts(checked))


def withdraw_actor(current: Actor) -> tuple[Actor, ActorWithdrawn]:
    if current.withdrawn:
        raise PeopleError("", f"„{current.name}“ ist bereits zurückgezogen.")
    return replace(current, withdrawn=True), ActorWithdrawn(actor_id=current.id)


# ---------------------------------------------------------------- people


def _person(territory: Territory, person: Person, organisation: Actor | None) -> Person:
    if person.actor_id is not None and organisation is None:
        raise PeopleError("actor_id", "Die Organisation ist nicht bekannt.")
    if organisation is not None and organisation.withdrawn:
        raise PeopleError("actor_id", f"„{organisation.name}“ ist zurückgezogen.")
    functions: list[str] = []
    for i, text in enumerate(person.functions):
        function = _name(text, f"functions.{i}", "die Funktion")
        if function not in functions:
            functions.append(function)
    return replace(
        person,
        given_name=_name(person.given_name, "given_name", "einen Vornamen", max_length=100),
        family_name=_name(person.family_name, "family_name", "einen Nachnamen", max_length=100),
        email=check_email(person.email),
        phone=check_phone(person.phone),
        functions=tuple(functions),
        residential_area_number=check_residential_area(
            territory, person.residential_area_number, "residential_area_number"
        ),
        erased=False,
    )


def register_person(
    territory: Territory, person: Person, organisation: Actor | None
) -> tuple[Person, PersonRegistered]:
    checked = _person(territory, person, organisation)
    return checked, PersonRegistered(
        person_id=checked.id,
        actor_id=checked.actor_id,
        lives_in_social_area_key=lives_in_social_area(territory, checked.residential_area_number),
    )


PERSON_FIELDS = ("given_name", "family_name", "email", "phone", "actor_id", "functions", "residential_area_number")


def change_person(
    territory: Territory, current: Person, desired: Person, organisation: Actor | None
) -> tuple[Person, PersonChanged]:
    if current.erased:
        raise Gone("", "Die Daten dieser Person wurden gelöscht.")
    checked = _person(territory, replace(desired, id=current.id), organisation)
    changed = [f for f in PERSON_FIELDS if getattr(checked, f) != getattr(current, f)]
    if not changed:
        raise PeopleError("", "Es wurde nichts geändert.")
    return checked, PersonChanged(
        person_id=checked.id,
        actor_id=checked.actor_id,
        lives_in_social_area_key=lives_in_social_area(territory, checked.residential_area_number),
        changed_fields=changed,
    )


def contact_details(person: Person) -> ContactDetailsSet:
    """How to address and reach a person, for the service that writes the invitations (contacts topic)."""
    return ContactDetailsSet(
        person_id=person.id,
        name=f"{person.given_name} {person.family_name}".strip(),
        email=person.email,
        functions=list(person.functions),
    )


def contact_details_erased(person_id: uuid.UUID) -> ContactDetailsErased:
    return ContactDetailsErased(person_id=person_id)


@dataclass(frozen=True)
class Erasure:
    person: Person
    retained: tuple[Membership, ...]
    dropped: tuple[Membership, ...]
    event: PersonErased


def erase_person(current: Person, memberships: Sequence[tuple[Membership, Body]]) -> Erasure:
    """Removes everything personal; keeps only the membership records the law requires, marked with why."""
    if current.erased:
        raise Gone("", "Die Daten dieser Person wurden bereits gelöscht.")
    retained: list[Membership] = []
    dropped: list[Membership] = []
    for membership, body in memberships:
        reason = RETAINED_BODY_KINDS.get(body.kind)
        if reason is None:
            dropped.append(membership)
        else:
            retained.append(replace(membership, retention_reason=reason))
    erased = Person(
        id=current.id,
        given_name="",
        family_name="",
        email=None,
        phone=None,
        actor_id=None,
        functions=(),
        residential_area_number=None,
        erased=True,
    )
    event = PersonErased(person_id=current.id, retained_membership_ids=[m.id for m in retained])
    return Erasure(erased, tuple(retained), tuple(dropped), event)


# ---------------------------------------------------------------- bodies


def _short(name: str, prefix: str) -> str:
    return name[len(prefix) :].strip() if name.startswith(prefix) else name


def bodies_of(territory: Territory) -> list[Body]:
    """Every body of the city, derived from its territory: one Rat, one Lenkungskreis, one AK
    Stadtteilarbeit, a Koordinierungsrunde and a Stadtteilkonferenz per social area, a
    Bezirksvertretung per district. Ids are stable, so creating them again changes nothing."""
    bodies = [
        Body(stable_id("body/council"), BodyKind.COUNCIL, f"Rat der Stadt {territory.city}"),
        Body(stable_id("body/steering_committee"), BodyKind.STEERING_COMMITTEE, "Lenkungskreis Stadtteilarbeit"),
        Body(stable_id("body/working_group"), BodyKind.WORKING_GROUP, "AK Stadtteilarbeit"),
    ]
    for area in territory.social_areas.values():
        short = _short(area.name, "Sozialraum ")
        bodies.append(
            Body(
                stable_id(f"body/coordination_round/{area.key}"),
                BodyKind.COORDINATION_ROUND,
                f"Koordinierungsrunde {short}",
                social_area_key=area.key,
            )
        )
    for area in territory.social_areas.values():
        short = _short(area.name, "Sozialraum ")
        bodies.append(
            Body(
                stable_id(f"body/neighbourhood_conference/{area.key}"),
                BodyKind.NEIGHBOURHOOD_CONFERENCE,
                f"Stadtteilkonferenz {short}",
                social_area_key=area.key,
            )
        )
    for district in territory.districts.values():
        bodies.append(
            Body(
                stable_id(f"body/district_council/{district.key}"),
                BodyKind.DISTRICT_COUNCIL,
                f"Bezirksvertretung {district.name}",
                district_key=district.key,
            )
        )
    return bodies


def body_registered(body: Body) -> BodyRegistered:
    return BodyRegistered(
        body_id=body.id,
        kind=body.kind.value,
        name=body.name,
        display_name=body.display_name,
        social_area_key=body.social_area_key,
        district_key=body.district_key,
        local_title=body.local_title,
    )


def body_registrations(current: Sequence[Body], desired: Sequence[Body]) -> list[tuple[Body, BodyRegistered]]:
    """The bodies to save and announce: new ones, and known ones whose name changed (local title kept)."""
    known = {b.id: b for b in current}
    out: list[tuple[Body, BodyRegistered]] = []
    for body in desired:
        old = known.get(body.id)
        if old is not None:
            body = replace(body, local_title=old.local_title)
            if body == old:
                continue
        out.append((body, body_registered(body)))
    return out


def set_local_title(body: Body, title: str | None) -> tuple[Body, BodyRegistered]:
    if body.kind is not BodyKind.NEIGHBOURHOOD_CONFERENCE:
        raise PeopleError("local_title", "Einen örtlichen Titel trägt nur eine Stadtteilkonferenz.")
    text = _optional(title)
    if text is not None and len(text) > 120:
        raise PeopleError("local_title", "Der örtliche Titel ist zu lang (höchstens 120 Zeichen).")
    if text == body.local_title:
        raise PeopleError("local_title", "Es wurde nichts geändert.")
    changed = replace(body, local_title=text)
    return changed, body_registered(changed)


# ---------------------------------------------------------------- memberships


def _dates(starts_on: dt.date, ends_on: dt.date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise PeopleError(
            "ends_on",
            f"Das Ende ({ends_on:%d.%m.%Y}) liegt vor dem Beginn ({starts_on:%d.%m.%Y}).",
        )


def start_membership(
    body: Body,
    person: Person,
    membership_id: uuid.UUID,
    role: str,
    starts_on: dt.date,
    ends_on: dt.date | None,
    body_memberships: Sequence[Membership],
) -> tuple[Membership, MembershipStarted]:
    """A person joins a body. ``body_memberships`` are the body's memberships, for the chair rule."""
    if person.erased:
        raise Gone("person_id", "Die Daten dieser Person wurden gelöscht.")
    try:
        kind = Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise PeopleError("role", f"Rolle „{role}“ ist nicht bekannt (erlaubt: {allowed}).") from None
    _dates(starts_on, ends_on)
    if kind is Role.CHAIR:
        for other in body_memberships:
            if other.role is Role.CHAIR and other.id != membership_id and other.overlaps(starts_on, ends_on):
                until = f"bis {other.ends_on:%d.%m.%Y}" if other.ends_on else "ohne Ende"
                raise PeopleError(
                    "role",
                    f"„{body.display_name}“ hat in diesem Zeitraum schon einen Vorsitz "
                    f"(ab {other.starts_on:%d.%m.%Y} {until}); zwei Vorsitzende zugleich sind nicht möglich.",
                )
    membership = Membership(membership_id, body.id, person.id, kind, starts_on, ends_on)
    return membership, MembershipStarted(
        membership_id=membership.id,
        body_id=body.id,
        person_id=person.id,
        role=kind.value,
        starts_on=starts_on,
        ends_on=ends_on,
        is_district_mayor=body.kind is BodyKind.DISTRICT_COUNCIL and kind is Role.CHAIR,
    )


def end_membership(membership: Membership, ends_on: dt.date) -> tuple[Membership, MembershipEnded]:
    """Ends a membership; the record stays."""
    if membership.ends_on is not None:
        raise PeopleError("ends_on", f"Die Mitgliedschaft endet bereits am {membership.ends_on:%d.%m.%Y}.")
    _dates(membership.starts_on, ends_on)
    ended = replace(membership, ends_on=ends_on)
    return ended, MembershipEnded(
        membership_id=membership.id, body_id=membership.body_id, person_id=membership.person_id, ends_on=ends_on
    )
