"""Use cases of actors, people, bodies and memberships.

Each use case loads, decides with the domain rules, and saves the new state together with its event
(outbox) and an audit row (who, when) in one transaction: a refused change stores nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import yaml

from quartier_registry.db import people as db
from quartier_registry.db import territory as territory_db
from quartier_registry.domain import people as domain
from quartier_registry.domain.people import (
    Actor,
    ActorType,
    Address,
    Body,
    Membership,
    NotFound,
    PeopleError,
    Person,
    demo_actor_id,
    stable_id,
)
from quartier_registry.domain.territory import Territory
from quartier_registry.settings import SOURCE, settings_of
from quartier_shared.events.envelope import CloudEvent, EventPayload
from quartier_shared.outbox import enqueue
from quartier_shared.runtime import ServiceContext

log = logging.getLogger(__name__)

DEMO_FILE = Path(__file__).resolve().parents[2] / "data" / "demo-people.yaml"
T = TypeVar("T")


async def _announce(conn: asyncpg.Connection, payload: EventPayload, who: str) -> CloudEvent:
    """The event in the outbox and the audit row, inside the caller's transaction."""
    event = await enqueue(conn, payload, source=SOURCE)
    await db.audit(conn, event.id, event.type, payload.partition_key(), who, payload.model_dump(mode="json"))
    return event


async def _save(
    conn: asyncpg.Connection,
    save: Callable[[asyncpg.Connection, T], Awaitable[None]],
    decided: tuple[T, EventPayload],
    who: str,
) -> T:
    """Saves the state a rule decided, with its event in the outbox and its audit row (the caller's transaction)."""
    state, event = decided
    await save(conn, state)
    await _announce(conn, event, who)
    return state


async def _territory(conn: asyncpg.Connection) -> Territory:
    territory = await territory_db.load_territory(conn)
    if territory is None:
        raise PeopleError("", "Das Gebiet ist noch nicht geladen.")
    return territory


async def _in_transaction(pool: asyncpg.Pool, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    async with pool.acquire() as conn, conn.transaction():
        return await work(conn)


async def _actor_or_404(conn: asyncpg.Connection, actor_id: uuid.UUID, *, for_update: bool = False) -> Actor:
    actor = await db.get_actor(conn, actor_id, for_update=for_update)
    if actor is None:
        raise NotFound("actor_id", "Die Organisation ist nicht bekannt.")
    return actor


async def _person_or_404(conn: asyncpg.Connection, person_id: uuid.UUID, *, for_update: bool = False) -> Person:
    person = await db.get_person(conn, person_id, for_update=for_update)
    if person is None:
        raise NotFound("person_id", "Die Person ist nicht bekannt.")
    return person


async def _body_or_404(conn: asyncpg.Connection, body_id: uuid.UUID, *, for_update: bool = False) -> Body:
    body = await db.get_body(conn, body_id, for_update=for_update)
    if body is None:
        raise NotFound("body_id", "Das Gremium ist nicht bekannt.")
    return body


async def _organisation(conn: asyncpg.Connection, actor_id: uuid.UUID | None) -> Actor | None:
    return await db.get_actor(conn, actor_id) if actor_id is not None else None


# ---------------------------------------------------------------- actors


async def _register_actor(conn: asyncpg.Connection, actor: Actor, who: str) -> Actor:
    if await db.get_actor(conn, actor.id) is not None:
        raise PeopleError("id", "Diese Organisation ist bereits erfasst.")
    return await _save(conn, db.save_actor, domain.register_actor(await _territory(conn), actor), who)


async def register_actor(pool: asyncpg.Pool, actor: Actor, who: str) -> Actor:
    return await _in_transaction(pool, lambda conn: _register_actor(conn, actor, who))


async def change_actor(pool: asyncpg.Pool, actor_id: uuid.UUID, desired: Actor, who: str) -> Actor:
    async def work(conn: asyncpg.Connection) -> Actor:
        current = await _actor_or_404(conn, actor_id, for_update=True)
        return await _save(conn, db.save_actor, domain.change_actor(await _territory(conn), current, desired), who)

    return await _in_transaction(pool, work)


async def withdraw_actor(pool: asyncpg.Pool, actor_id: uuid.UUID, who: str) -> Actor:
    async def work(conn: asyncpg.Connection) -> Actor:
        current = await _actor_or_404(conn, actor_id, for_update=True)
        return await _save(conn, db.save_actor, domain.withdraw_actor(current), who)

    return await _in_transaction(pool, work)


async def list_actors(pool: asyncpg.Pool) -> list[Actor]:
    async with pool.acquire() as conn:
        return await db.list_actors(conn)


async def get_actor(pool: asyncpg.Pool, actor_id: uuid.UUID) -> Actor:
    async with pool.acquire() as conn:
        return await _actor_or_404(conn, actor_id)


# ---------------------------------------------------------------- people


async def _announce_contact(conn: asyncpg.Connection, person: Person) -> None:
    """The person's name and e-mail on the contacts topic (same transaction, no audit row: the audit
    must not hold personal data an erasure could not reach)."""
    await enqueue(conn, domain.contact_details(person), source=SOURCE)


async def _register_person(conn: asyncpg.Connection, person: Person, who: str) -> Person:
    if await db.get_person(conn, person.id) is not None:
        raise PeopleError("id", "Diese Person ist bereits erfasst.")
    organisation = await _organisation(conn, person.actor_id)
    decided = domain.register_person(await _territory(conn), person, organisation)
    saved = await _save(conn, db.save_person, decided, who)
    await _announce_contact(conn, saved)
    return saved


async def register_person(pool: asyncpg.Pool, person: Person, who: str) -> Person:
    return await _in_transaction(pool, lambda conn: _register_person(conn, person, who))


async def change_person(pool: asyncpg.Pool, person_id: uuid.UUID, desired: Person, who: str) -> Person:
    async def work(conn: asyncpg.Connection) -> Person:
        current = await _person_or_404(conn, person_id, for_update=True)
        organisation = await _organisation(conn, desired.actor_id)
        decided = domain.change_person(await _territory(conn), current, desired, organisation)
        saved = await _save(conn, db.save_person, decided, who)
        await _announce_contact(conn, saved)
        return saved

    return await _in_transaction(pool, work)


async def list_persons(pool: asyncpg.Pool) -> list[Person]:
    async with pool.acquire() as conn:
        return await db.list_persons(conn)


@dataclass(frozen=True)
class PersonView:
    person: Person
    lives_in_social_area_key: str | None
    memberships: list[tuple[Membership, Body]]


async def get_person(pool: asyncpg.Pool, person_id: uuid.UUID) -> PersonView:
    async with pool.acquire() as conn:
        person = await _person_or_404(conn, person_id)
        if person.erased:
            raise domain.Gone("person_id", "Die Daten dieser Person wurden gelöscht.")
        territory = await _territory(conn)
        bodies = {b.id: b for b in await db.list_bodies(conn)}
        memberships = [(m, bodies[m.body_id]) for m in await db.memberships_of_person(conn, person_id)]
    return PersonView(person, domain.lives_in_social_area(territory, person.residential_area_number), memberships)


async def export_person(pool: asyncpg.Pool, person_id: uuid.UUID, today: dt.date | None = None) -> dict[str, Any]:
    """Everything the registry holds on a person (right of access): the person, the organisation,
    every membership with its body, and every audit entry about them."""
    today = today or dt.date.today()
    async with pool.acquire() as conn:
        person = await _person_or_404(conn, person_id)
        territory = await _territory(conn)
        organisation = await _organisation(conn, person.actor_id)
        bodies = {b.id: b for b in await db.list_bodies(conn)}
        memberships = await db.memberships_of_person(conn, person_id)
        aggregates = [f"person/{person_id}", *(f"membership/{m.id}" for m in memberships)]
        audit = await db.audit_entries(conn, aggregates)
    area = territory.residential_areas.get(person.residential_area_number or -1)
    return {
        "exported_at": dt.datetime.now(dt.UTC).isoformat(),
        "person": {
            "id": str(person.id),
            "given_name": person.given_name or None,
            "family_name": person.family_name or None,
            "email": person.email,
            "phone": person.phone,
            "actor_id": str(person.actor_id) if person.actor_id else None,
            "functions": list(person.functions),
            "residential_area_number": person.residential_area_number,
            "residential_area_name": area.name if area else None,
            "lives_in_social_area_key": area.social_area_key if area else None,
            "erased": person.erased,
        },
        "organisation": (
            {"id": str(organisation.id), "name": organisation.name, "type": organisation.type.value}
            if organisation
            else None
        ),
        "memberships": [
            {
                "id": str(m.id),
                "body_id": str(m.body_id),
                "body_name": bodies[m.body_id].display_name,
                "body_kind": bodies[m.body_id].kind.value,
                "role": m.role.value,
                "starts_on": m.starts_on.isoformat(),
                "ends_on": m.ends_on.isoformat() if m.ends_on else None,
                "is_district_mayor": domain.is_district_mayor(bodies[m.body_id], m, today),
                "retention_reason": m.retention_reason,
            }
            for m in memberships
        ],
        "audit": audit,
    }


async def erase_person(pool: asyncpg.Pool, person_id: uuid.UUID, who: str) -> CloudEvent:
    """Erases the person's personal data from every table of the registry and announces PersonErased."""

    async def work(conn: asyncpg.Connection) -> CloudEvent:
        current = await _person_or_404(conn, person_id, for_update=True)
        bodies = {b.id: b for b in await db.list_bodies(conn)}
        memberships = [(m, bodies[m.body_id]) for m in await db.memberships_of_person(conn, person_id)]
        erasure = domain.erase_person(current, memberships)
        await db.delete_memberships(conn, [m.id for m in erasure.dropped])
        for kept in erasure.retained:
            await db.save_membership(conn, kept)
        await db.save_person(conn, erasure.person)
        identifying = [
            v
            for v in (
                current.email,
                f"{current.given_name} {current.family_name}",
                f"{current.family_name}, {current.given_name}",
            )
            if v
        ]
        await db.scrub_audit_actor(conn, identifying)
        # the contact details announced earlier leave the outbox too; the erasure follows on their topic
        await db.forget_contact_events(conn, person_id)
        await enqueue(conn, domain.contact_details_erased(person_id), source=SOURCE)
        return await _announce(conn, erasure.event, who)

    return await _in_transaction(pool, work)


# ---------------------------------------------------------------- bodies and memberships


async def ensure_bodies(pool: asyncpg.Pool, who: str = "system") -> int:
    """Creates the bodies of the territory (idempotent); returns how many were announced."""
    async with pool.acquire() as conn, conn.transaction():
        await db.lock(conn, "bodies")
        territory = await _territory(conn)
        changes = domain.body_registrations(await db.list_bodies(conn), domain.bodies_of(territory))
        for decided in changes:
            await _save(conn, db.save_body, decided, who)
    if changes:
        log.info("bodies registered", extra={"bodies": len(changes)})
    return len(changes)


async def set_local_title(pool: asyncpg.Pool, body_id: uuid.UUID, title: str | None, who: str) -> Body:
    async def work(conn: asyncpg.Connection) -> Body:
        current = await _body_or_404(conn, body_id, for_update=True)
        return await _save(conn, db.save_body, domain.set_local_title(current, title), who)

    return await _in_transaction(pool, work)


@dataclass(frozen=True)
class MemberView:
    membership: Membership
    person: Person
    is_district_mayor: bool
    lives_in_social_area_key: str | None


@dataclass(frozen=True)
class BodyView:
    body: Body
    members: list[MemberView]


async def list_bodies(pool: asyncpg.Pool, today: dt.date | None = None) -> list[BodyView]:
    today = today or dt.date.today()
    async with pool.acquire() as conn:
        territory = await _territory(conn)
        bodies = await db.list_bodies(conn)
        persons = {p.id: p for p in await db.list_persons(conn)}
        erased_ids = await db.erased_person_ids(conn)
        memberships = await db.all_memberships(conn)
    by_body: dict[uuid.UUID, list[MemberView]] = {b.id: [] for b in bodies}
    index = {b.id: b for b in bodies}
    for m in memberships:
        person = persons.get(m.person_id)
        if person is None and m.person_id in erased_ids:
            person = Person(m.person_id, "", "", None, None, None, (), None, erased=True)
        if person is None:
            continue
        by_body[m.body_id].append(
            MemberView(
                m,
                person,
                domain.is_district_mayor(index[m.body_id], m, today),
                domain.lives_in_social_area(territory, person.residential_area_number),
            )
        )
    return [BodyView(b, by_body[b.id]) for b in bodies]


async def _start_membership(
    conn: asyncpg.Connection,
    membership_id: uuid.UUID,
    body_id: uuid.UUID,
    person_id: uuid.UUID,
    role: str,
    starts_on: dt.date,
    ends_on: dt.date | None,
    who: str,
) -> Membership:
    # The body's row serialises changes of its memberships, so the chair rule holds under concurrency.
    body = await _body_or_404(conn, body_id, for_update=True)
    person = await _person_or_404(conn, person_id)
    decided = domain.start_membership(
        body, person, membership_id, role, starts_on, ends_on, await db.memberships_of_body(conn, body_id)
    )
    return await _save(conn, db.save_membership, decided, who)


async def start_membership(
    pool: asyncpg.Pool,
    body_id: uuid.UUID,
    person_id: uuid.UUID,
    role: str,
    starts_on: dt.date,
    ends_on: dt.date | None,
    who: str,
) -> Membership:
    return await _in_transaction(
        pool, lambda conn: _start_membership(conn, uuid.uuid4(), body_id, person_id, role, starts_on, ends_on, who)
    )


async def end_membership(pool: asyncpg.Pool, membership_id: uuid.UUID, ends_on: dt.date, who: str) -> Membership:
    async def work(conn: asyncpg.Connection) -> Membership:
        current = await db.get_membership(conn, membership_id)
        if current is None:
            raise NotFound("membership_id", "Die Mitgliedschaft ist nicht bekannt.")
        await _body_or_404(conn, current.body_id, for_update=True)
        current = await db.get_membership(conn, membership_id, for_update=True)
        assert current is not None
        return await _save(conn, db.save_membership, domain.end_membership(current, ends_on), who)

    return await _in_transaction(pool, work)


async def get_body(pool: asyncpg.Pool, body_id: uuid.UUID) -> BodyView:
    for view in await list_bodies(pool):
        if view.body.id == body_id:
            return view
    raise NotFound("body_id", "Das Gremium ist nicht bekannt.")


# ---------------------------------------------------------------- demo data


def _body_id(ref: str) -> uuid.UUID:
    """``coordination_round/westen`` → the stable id of that body (see ``domain.bodies_of``)."""
    return stable_id(f"body/{ref}")


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _address(raw: dict[str, Any] | None) -> Address | None:
    if not raw:
        return None
    return Address(str(raw["street"]), str(raw["postcode"]), str(raw["city"]), raw.get("residential_area"))


async def load_demo_data(pool: asyncpg.Pool, path: Path = DEMO_FILE, who: str = "demo") -> int:
    """Loads the fictitious demo actors, people and memberships (idempotent: stable ids from the keys).

    Returns how many records were added. Skipped when the file belongs to another city.
    """
    doc = yaml.safe_load(await asyncio.to_thread(path.read_text, encoding="utf-8"))
    async with pool.acquire() as conn, conn.transaction():
        await db.lock(conn, "demo-people")
        territory = await _territory(conn)
        if doc.get("city") != territory.city:
            log.info("demo people skipped: file is for another city", extra={"file": str(path)})
            return 0
        added = await _demo_actors(conn, doc.get("actors", []), territory, who)
        for raw in doc.get("persons", []):
            added += await _demo_person(conn, raw, who)
        await _demo_conference_titles(conn, doc.get("neighbourhood_conference_titles") or {}, who)
    log.info("demo people loaded", extra={"added": added})
    return added


async def _demo_actors(conn: asyncpg.Connection, entries: list[dict[str, Any]], territory: Territory, who: str) -> int:
    added = 0
    for raw in entries:
        actor_id = demo_actor_id(raw["key"])
        if await db.get_actor(conn, actor_id) is None:
            areas = raw.get("social_areas", [])
            actor = Actor(
                id=actor_id,
                name=raw["name"],
                type=ActorType(raw["type"]),
                social_area_keys=tuple(territory.social_areas) if areas == "all" else tuple(areas),
                address=_address(raw.get("address")),
                email=raw.get("email"),
                phone=raw.get("phone"),
            )
            await _register_actor(conn, actor, who)
            added += 1
    return added


async def _demo_person(conn: asyncpg.Connection, raw: dict[str, Any], who: str) -> int:
    """One demo person with their memberships; an erased demo person stays erased."""
    added = 0
    person_id = stable_id(f"demo/person/{raw['key']}")
    if await db.get_person(conn, person_id) is None:
        person = Person(
            id=person_id,
            given_name=raw["given_name"],
            family_name=raw["family_name"],
            email=raw.get("email"),
            phone=raw.get("phone"),
            actor_id=demo_actor_id(raw["actor"]) if raw.get("actor") else None,
            functions=tuple(raw.get("functions", [])),
            residential_area_number=raw.get("residential_area"),
        )
        await _register_person(conn, person, who)
        added += 1
    elif (await _person_or_404(conn, person_id)).erased:
        return 0
    for m in raw.get("memberships", []):
        membership_id = stable_id(f"demo/membership/{raw['key']}/{m['body']}/{m['role']}")
        if await db.get_membership(conn, membership_id) is None:
            await _start_membership(
                conn,
                membership_id,
                _body_id(m["body"]),
                person_id,
                m["role"],
                _date(m["starts_on"]),
                _date(m["ends_on"]) if m.get("ends_on") else None,
                who,
            )
            added += 1
    return added


async def _demo_conference_titles(conn: asyncpg.Connection, titles: dict[str, str], who: str) -> None:
    """The local names of the Stadtteilkonferenzen, unless one was set already."""
    for key, title in titles.items():
        body = await _body_or_404(conn, _body_id(f"neighbourhood_conference/{key}"), for_update=True)
        if body.local_title is None:
            await _save(conn, db.save_body, domain.set_local_title(body, title), who)


async def ensure_contacts(pool: asyncpg.Pool) -> int:
    """Announces the contact details of every person never announced on the contacts topic (people
    registered before that topic existed); idempotent. Returns how many were announced."""
    async with pool.acquire() as conn, conn.transaction():
        await db.lock(conn, "contacts")
        persons = await db.persons_without_contact_events(conn)
        for person in persons:
            await _announce_contact(conn, person)
    if persons:
        log.info("contact details announced", extra={"persons": len(persons)})
    return len(persons)


async def on_startup(ctx: ServiceContext) -> None:
    """Runs after the territory is loaded: the bodies of the territory, then the demo data if on."""
    await ensure_bodies(ctx.pool)
    await ensure_contacts(ctx.pool)
    if settings_of(ctx).demo_data:
        await load_demo_data(ctx.pool)
