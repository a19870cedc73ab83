"""HTTP routes of actors, people, bodies and memberships (internal API, called by the gateway)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from quartier_registry.domain.people import (
    ACTOR_TYPE_LABELS,
    ROLE_LABELS,
    Actor,
    ActorType,
    Address,
    Body,
    Gone,
    NotFound,
    PeopleError,
    Person,
    Role,
    is_district_mayor,
)
from quartier_registry.service import people as service
from quartier_shared.runtime import ServiceContext

_MESSAGES = {
    "missing": "Pflichtangabe fehlt.",
    "date_parsing": "Bitte ein gültiges Datum angeben (JJJJ-MM-TT).",
    "date_from_datetime_parsing": "Bitte ein gültiges Datum angeben (JJJJ-MM-TT).",
    "date_from_datetime_inexact": "Bitte ein Datum ohne Uhrzeit angeben (JJJJ-MM-TT).",
    "date_type": "Bitte ein gültiges Datum angeben (JJJJ-MM-TT).",
    "uuid_parsing": "Keine gültige Kennung (UUID).",
    "uuid_type": "Keine gültige Kennung (UUID).",
    "int_parsing": "Bitte eine ganze Zahl angeben.",
    "int_type": "Bitte eine ganze Zahl angeben.",
    "int_from_float": "Bitte eine ganze Zahl angeben.",
    "string_type": "Bitte einen Text angeben.",
    "list_type": "Erwartet wird eine Liste.",
    "model_attributes_type": "Erwartet wird ein Objekt.",
    "dict_type": "Erwartet wird ein Objekt.",
    "json_invalid": "Die Anfrage ist kein gültiges JSON.",
}


def _german(error: dict[str, Any]) -> dict[str, Any]:
    """A pydantic validation error in German, with the field named (``loc`` stays as FastAPI gives it)."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "string_too_long":
        message = f"Zu lang (höchstens {ctx.get('max_length')} Zeichen)."
    elif kind == "too_long":
        message = f"Zu viele Einträge (höchstens {ctx.get('max_length')})."
    else:
        message = _MESSAGES.get(kind, "Ungültige Angabe.")
    loc = [str(part) for part in error.get("loc", ())]
    field = ".".join(loc[1:]) if len(loc) > 1 else ".".join(loc)
    return {"loc": list(error.get("loc", ())), "msg": f"Feld „{field}“: {message}", "type": kind}


class _GermanValidation(APIRoute):
    """Request validation errors of these routes in German, each naming its field; a refused use case
    (``PeopleError``) answered with its status (404, 410, 422)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return JSONResponse(status_code=422, content={"detail": [_german(e) for e in exc.errors()]})
            except PeopleError as exc:
                raise _http_error(exc) from exc

        return route


router = APIRouter(prefix="/api/v1", tags=["Akteur:innen, Personen und Gremien"], route_class=_GermanValidation)

Actor_ = Annotated[str, Header(alias="X-Quartier-Actor")]


def _pool(request: Request) -> Any:
    ctx: ServiceContext = request.app.state.ctx
    return ctx.pool


def _http_error(exc: PeopleError) -> HTTPException:
    if isinstance(exc, NotFound):
        return HTTPException(status_code=404, detail=exc.message)
    if isinstance(exc, Gone):
        return HTTPException(status_code=410, detail=exc.message)
    if not exc.field:
        return HTTPException(status_code=422, detail=exc.message)
    loc = ["body", *exc.field.split(".")]
    return HTTPException(status_code=422, detail=[{"loc": loc, "msg": exc.message, "type": "value_error"}])


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

    def to_domain(self, actor_id: uuid.UUID) -> Actor:
        a = self.address
        return Actor(
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


def _actor_out(actor: Actor) -> ActorOut:
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
async def list_actors(request: Request) -> list[ActorOut]:
    return [_actor_out(a) for a in await service.list_actors(_pool(request))]


@router.get("/actors/{actor_id}", response_model=ActorOut, summary="Eine Akteur:in")
async def get_actor(actor_id: uuid.UUID, request: Request) -> ActorOut:
    return _actor_out(await service.get_actor(_pool(request), actor_id))


@router.post("/actors", response_model=ActorOut, status_code=201, summary="Akteur:in erfassen")
async def register_actor(body: ActorIn, request: Request, x_quartier_actor: Actor_ = "api") -> ActorOut:
    return _actor_out(await service.register_actor(_pool(request), body.to_domain(uuid.uuid4()), x_quartier_actor))


@router.put("/actors/{actor_id}", response_model=ActorOut, summary="Akteur:in ändern")
async def change_actor(
    actor_id: uuid.UUID, body: ActorIn, request: Request, x_quartier_actor: Actor_ = "api"
) -> ActorOut:
    return _actor_out(await service.change_actor(_pool(request), actor_id, body.to_domain(actor_id), x_quartier_actor))


@router.post("/actors/{actor_id}/withdraw", response_model=ActorOut, summary="Akteur:in zurückziehen")
async def withdraw_actor(actor_id: uuid.UUID, request: Request, x_quartier_actor: Actor_ = "api") -> ActorOut:
    return _actor_out(await service.withdraw_actor(_pool(request), actor_id, x_quartier_actor))


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
async def list_persons(request: Request) -> list[PersonOut]:
    return [_person_out(p) for p in await service.list_persons(_pool(request))]


@router.get("/persons/{person_id}", response_model=PersonOut, summary="Eine Person mit ihren Mitgliedschaften")
async def get_person(person_id: uuid.UUID, request: Request) -> PersonOut:
    view = await service.get_person(_pool(request), person_id)
    return _person_out(view.person, view)


@router.post("/persons", response_model=PersonOut, status_code=201, summary="Person erfassen")
async def register_person(body: PersonIn, request: Request, x_quartier_actor: Actor_ = "api") -> PersonOut:
    person = await service.register_person(_pool(request), body.to_domain(uuid.uuid4()), x_quartier_actor)
    view = await service.get_person(_pool(request), person.id)
    return _person_out(view.person, view)


@router.put("/persons/{person_id}", response_model=PersonOut, summary="Person ändern")
async def change_person(
    person_id: uuid.UUID, body: PersonIn, request: Request, x_quartier_actor: Actor_ = "api"
) -> PersonOut:
    await service.change_person(_pool(request), person_id, body.to_domain(person_id), x_quartier_actor)
    view = await service.get_person(_pool(request), person_id)
    return _person_out(view.person, view)


@router.get("/persons/{person_id}/export", summary="Auskunft: alles, was das Register über eine Person speichert")
async def export_person(person_id: uuid.UUID, request: Request) -> dict[str, Any]:
    return await service.export_person(_pool(request), person_id)


class ErasedOut(BaseModel):
    person_id: uuid.UUID
    event_id: uuid.UUID
    retained_membership_ids: list[uuid.UUID]


@router.post("/persons/{person_id}/erase", response_model=ErasedOut, summary="Personenbezogene Daten löschen")
async def erase_person(person_id: uuid.UUID, request: Request, x_quartier_actor: Actor_ = "api") -> ErasedOut:
    event = await service.erase_person(_pool(request), person_id, x_quartier_actor)
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
async def list_bodies(request: Request) -> list[BodyOut]:
    return [_body_out(v) for v in await service.list_bodies(_pool(request))]


@router.get("/bodies/{body_id}", response_model=BodyOut, summary="Ein Gremium mit Mitgliedern und Rollen")
async def get_body(body_id: uuid.UUID, request: Request) -> BodyOut:
    return _body_out(await service.get_body(_pool(request), body_id))


class LocalTitleIn(BaseModel):
    local_title: str | None = Field(default=None, max_length=200)


@router.put("/bodies/{body_id}/local-title", response_model=BodyOut, summary="Örtlicher Titel einer Stadtteilkonferenz")
async def set_local_title(
    body_id: uuid.UUID, body: LocalTitleIn, request: Request, x_quartier_actor: Actor_ = "api"
) -> BodyOut:
    await service.set_local_title(_pool(request), body_id, body.local_title, x_quartier_actor)
    return _body_out(await service.get_body(_pool(request), body_id))


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


async def _membership_out(request: Request, membership_id: uuid.UUID) -> MembershipOut:
    for view in await service.list_bodies(_pool(request)):
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
    raise HTTPException(status_code=404, detail="Die Mitgliedschaft ist nicht bekannt.")


@router.post(
    "/bodies/{body_id}/memberships", response_model=MembershipOut, status_code=201, summary="Mitgliedschaft beginnen"
)
async def start_membership(
    body_id: uuid.UUID, body: MembershipIn, request: Request, x_quartier_actor: Actor_ = "api"
) -> MembershipOut:
    membership = await service.start_membership(
        _pool(request), body_id, body.person_id, body.role, body.starts_on, body.ends_on, x_quartier_actor
    )
    return await _membership_out(request, membership.id)


class EndMembershipIn(BaseModel):
    ends_on: dt.date


@router.post("/memberships/{membership_id}/end", response_model=MembershipOut, summary="Mitgliedschaft beenden")
async def end_membership(
    membership_id: uuid.UUID, body: EndMembershipIn, request: Request, x_quartier_actor: Actor_ = "api"
) -> MembershipOut:
    await service.end_membership(_pool(request), membership_id, body.ends_on, x_quartier_actor)
    return await _membership_out(request, membership_id)
