"""HTTP routes of actors, people, bodies and memberships (internal API, called by the gateway)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from quartier_registry.domain import people as domain
from quartier_registry.domain.people import (
    ACTOR_TYPE_LABELS,
    ROLE_LABELS,
    ActorType,
    Address,
    Body,
    NotFound,
    Person,
    Role,
    is_district_mayor,
)
from quartier_registry.service import people as service
from quartier_shared.http import PROBLEM_RESPONSES, Actor, Pool

router = APIRouter(prefix="/api/v1", tags=["Akteur:innen, Personen und Gremien"], responses=PROBLEM_RESPONSES)


# ---------------------------------------------------------------- actors


class AddressIn(BaseModel):
    street: str = Field(max_length=200)
    postcode: str = Field(max_length=10)
    city: str = Field(max_length=100)
    residential_area_number: int | None = None


class ActorIn(BaseModel):
    name: str = Field(max_length=300)
    type: str = Field(max_length=64)
    social_area_keys: list[str] = Field(default_factory=list, max_length=50)
    address: AddressIn | None = None
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=64)

    def to_domain(self, actor_id: uuid.UUID) -> domain.Actor:
        a = self.address
        return domain.Actor(
            id=actor_id,
            name=self.name,
            type=self.type,  # type: ignore[arg-type]  # checked by the domain with a German message
            social_area_keys=tuple(self.social_area_keys),
            address=Address(a.street, a.postcode, a.city, a.residential_area_number) if a else None,
            email=self.email,
            phone=self.phone,
        )


class ActorOut(BaseModel):
    id: uuid.UUID
    name: str
    type: str
    type_label: str
    social_area_keys: list[str]
    address: AddressIn | None
    email: str | None
    phone: str | None
    withdrawn: bool


def _actor_out(actor: domain.Actor) -> ActorOut:
    a = actor.address
    return ActorOut(
        id=actor.id,
        name=actor.name,
        type=actor.type.value,
        type_label=ACTOR_TYPE_LABELS[ActorType(actor.type)],
        social_area_keys=list(actor.social_area_keys),
        address=AddressIn(
            street=a.street, postcode=a.postcode, city=a.city, residential_area_number=a.residential_area_number
        )
        if a
        else None,
        email=actor.email,
        phone=actor.phone,
        withdrawn=actor.withdrawn,
    )


@router.get("/actors", response_model=list[ActorOut], summary="Alle Akteur:innen (Organisationen und Dienste)")
async def list_actors(pool: Pool) -> list[ActorOut]:
    return [_actor_out(a) for a in await service.list_actors(pool)]


@router.get("/actors/{actor_id}", response_model=ActorOut, summary="Eine Akteur:in")
async def get_actor(actor_id: uuid.UUID, pool: Pool) -> ActorOut:
    return _actor_out(await service.get_actor(pool, actor_id))


@router.post("/actors", response_model=ActorOut, status_code=201, summary="Akteur:in erfassen")
async def register_actor(body: ActorIn, pool: Pool, actor: Actor) -> ActorOut:
    return _actor_out(await service.register_actor(pool, body.to_domain(uuid.uuid4()), actor))


@router.put("/actors/{actor_id}", response_model=ActorOut, summary="Akteur:in ändern")
async def change_actor(actor_id: uuid.UUID, body: ActorIn, pool: Pool, actor: Actor) -> ActorOut:
    return _actor_out(await service.change_actor(pool, actor_id, body.to_domain(actor_id), actor))


@router.post("/actors/{actor_id}/withdraw", response_model=ActorOut, summary="Akteur:in zurückziehen")
async def withdraw_actor(actor_id: uuid.UUID, pool: Pool, actor: Actor) -> ActorOut:
    return _actor_out(await service.withdraw_actor(pool, actor_id, actor))


# ---------------------------------------------------------------- people


class PersonIn(BaseModel):
    given_name: str = Field(max_length=200)
    family_name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=64)
    actor_id: uuid.UUID | None = None
    functions: list[str] = Field(default_factory=list, max_length=30)
    residential_area_number: int | None = None

    def to_domain(self, person_id: uuid.UUID) -> Person:
        return Person(
            id=person_id,
            given_name=self.given_name,
            family_name=self.family_name,
            email=self.email,
            phone=self.phone,
            actor_id=self.actor_id,
            functions=tuple(self.functions),
            residential_area_number=self.residential_area_number,
        )


class PersonMembershipOut(BaseModel):
    id: uuid.UUID
    body_id: uuid.UUID
    body_name: str
    body_kind: str
    role: str
    role_label: str
    starts_on: dt.date
    ends_on: dt.date | None
    is_district_mayor: bool


class PersonOut(BaseModel):
    id: uuid.UUID
    given_name: str
    family_name: str
    email: str | None
    phone: str | None
    actor_id: uuid.UUID | None
    functions: list[str]
    residential_area_number: int | None
    lives_in_social_area_key: str | None = None
    is_district_mayor: bool = False
    memberships: list[PersonMembershipOut] = Field(default_factory=list)


def _person_out(person: Person, view: service.PersonView | None = None) -> PersonOut:
    today = dt.date.today()
    memberships = [
        PersonMembershipOut(
            id=m.id,
            body_id=b.id,
            body_name=b.display_name,
            body_kind=b.kind.value,
            role=m.role.value,
            role_label=ROLE_LABELS[Role(m.role)],
            starts_on=m.starts_on,
            ends_on=m.ends_on,
            is_district_mayor=is_district_mayor(b, m, today),
        )
        for m, b in (view.memberships if view else [])
    ]
    return PersonOut(
        id=person.id,
        given_name=person.given_name,
        family_name=person.family_name,
        email=person.email,
        phone=person.phone,
        actor_id=person.actor_id,
        functions=list(person.functions),
        residential_area_number=person.residential_area_number,
        lives_in_social_area_key=view.lives_in_social_area_key if view else None,
        is_district_mayor=any(m.is_district_mayor for m in memberships),
        memberships=memberships,
    )


@router.get("/persons", response_model=list[PersonOut], summary="Alle Personen")
async def list_persons(pool: Pool) -> list[PersonOut]:
    return [_person_out(p) for p in await service.list_persons(pool)]


@router.get("/persons/{person_id}", response_model=PersonOut, summary="Eine Person mit ihren Mitgliedschaften")
async def get_person(person_id: uuid.UUID, pool: Pool) -> PersonOut:
    view = await service.get_person(pool, person_id)
    return _person_out(view.person, view)


@router.post("/persons", response_model=PersonOut, status_code=201, summary="Person erfassen")
async def register_person(body: PersonIn, pool: Pool, actor: Actor) -> PersonOut:
    person = await service.register_person(pool, body.to_domain(uuid.uuid4()), actor)
    view = await service.get_person(pool, person.id)
    return _person_out(view.person, view)


@router.put("/persons/{person_id}", response_model=PersonOut, summary="Person ändern")
async def change_person(person_id: uuid.UUID, body: PersonIn, pool: Pool, actor: Actor) -> PersonOut:
    await service.change_person(pool, person_id, body.to_domain(person_id), actor)
    view = await service.get_person(pool, person_id)
    return _person_out(view.person, view)


@router.get("/persons/{person_id}/export", summary="Auskunft: alles, was das Register über eine Person speichert")
async def export_person(person_id: uuid.UUID, pool: Pool) -> dict[str, Any]:
    return await service.export_person(pool, person_id)


class ErasedOut(BaseModel):
    person_id: uuid.UUID
    event_id: uuid.UUID
    retained_membership_ids: list[uuid.UUID]


@router.post("/persons/{person_id}/erase", response_model=ErasedOut, summary="Personenbezogene Daten löschen")
async def erase_person(person_id: uuid.UUID, pool: Pool, actor: Actor) -> ErasedOut:
    event = await service.erase_person(pool, person_id, actor)
    return ErasedOut(
        person_id=person_id, event_id=event.id, retained_membership_ids=event.data["retained_membership_ids"]
    )


# ---------------------------------------------------------------- bodies and memberships


class MemberOut(BaseModel):
    membership_id: uuid.UUID
    person_id: uuid.UUID
    given_name: str | None
    family_name: str | None
    erased: bool
    role: str
    role_label: str
    starts_on: dt.date
    ends_on: dt.date | None
    active: bool
    is_district_mayor: bool
    lives_in_social_area_key: str | None
    retention_reason: str | None


class BodyOut(BaseModel):
    id: uuid.UUID
    kind: str
    name: str
    display_name: str
    social_area_key: str | None
    district_key: str | None
    local_title: str | None
    members: list[MemberOut]


def _body_out(view: service.BodyView) -> BodyOut:
    b: Body = view.body
    today = dt.date.today()
    return BodyOut(
        id=b.id,
        kind=b.kind.value,
        name=b.name,
        display_name=b.display_name,
        social_area_key=b.social_area_key,
        district_key=b.district_key,
        local_title=b.local_title,
        members=[
            MemberOut(
                membership_id=m.membership.id,
                person_id=m.person.id,
                given_name=m.person.given_name or None,
                family_name=m.person.family_name or None,
                erased=m.person.erased,
                role=m.membership.role.value,
                role_label=ROLE_LABELS[Role(m.membership.role)],
                starts_on=m.membership.starts_on,
                ends_on=m.membership.ends_on,
                active=m.membership.active_on(today),
                is_district_mayor=m.is_district_mayor,
                lives_in_social_area_key=m.lives_in_social_area_key,
                retention_reason=m.membership.retention_reason,
            )
            for m in view.members
        ],
    )


@router.get("/bodies", response_model=list[BodyOut], summary="Alle Gremien mit Mitgliedern und Rollen")
async def list_bodies(pool: Pool) -> list[BodyOut]:
    return [_body_out(v) for v in await service.list_bodies(pool)]


@router.get("/bodies/{body_id}", response_model=BodyOut, summary="Ein Gremium mit Mitgliedern und Rollen")
async def get_body(body_id: uuid.UUID, pool: Pool) -> BodyOut:
    return _body_out(await service.get_body(pool, body_id))


class LocalTitleIn(BaseModel):
    local_title: str | None = Field(default=None, max_length=200)


@router.put("/bodies/{body_id}/local-title", response_model=BodyOut, summary="Örtlicher Titel einer Stadtteilkonferenz")
async def set_local_title(body_id: uuid.UUID, body: LocalTitleIn, pool: Pool, actor: Actor) -> BodyOut:
    await service.set_local_title(pool, body_id, body.local_title, actor)
    return _body_out(await service.get_body(pool, body_id))


class MembershipIn(BaseModel):
    person_id: uuid.UUID
    role: str = Field(max_length=32)
    starts_on: dt.date
    ends_on: dt.date | None = None


class MembershipOut(BaseModel):
    id: uuid.UUID
    body_id: uuid.UUID
    person_id: uuid.UUID
    role: str
    starts_on: dt.date
    ends_on: dt.date | None
    is_district_mayor: bool


async def _membership_out(pool: Pool, membership_id: uuid.UUID) -> MembershipOut:
    for view in await service.list_bodies(pool):
        for m in view.members:
            if m.membership.id == membership_id:
                return MembershipOut(
                    id=m.membership.id,
                    body_id=m.membership.body_id,
                    person_id=m.membership.person_id,
                    role=m.membership.role.value,
                    starts_on=m.membership.starts_on,
                    ends_on=m.membership.ends_on,
                    is_district_mayor=m.is_district_mayor,
                )
    raise NotFound("", "Die Mitgliedschaft ist nicht bekannt.")


@router.post(
    "/bodies/{body_id}/memberships", response_model=MembershipOut, status_code=201, summary="Mitgliedschaft beginnen"
)
async def start_membership(body_id: uuid.UUID, body: MembershipIn, pool: Pool, actor: Actor) -> MembershipOut:
    membership = await service.start_membership(
        pool, body_id, body.person_id, body.role, body.starts_on, body.ends_on, actor
    )
    return await _membership_out(pool, membership.id)


class EndMembershipIn(BaseModel):
    ends_on: dt.date


@router.post("/memberships/{membership_id}/end", response_model=MembershipOut, summary="Mitgliedschaft beenden")
async def end_membership(membership_id: uuid.UUID, body: EndMembershipIn, pool: Pool, actor: Actor) -> MembershipOut:
    await service.end_membership(pool, membership_id, body.ends_on, actor)
    return await _membership_out(pool, membership_id)
