"""SQL of actors, people, bodies and memberships. Every statement is parameterised."""

from __future__ import annotations

import json
import uuid
from typing import Any, Literal

import asyncpg

from quartier_registry.domain.people import (
    ERASED_MARK,
    Actor,
    ActorType,
    Address,
    Body,
    BodyKind,
    Membership,
    Person,
    Role,
)
from quartier_shared.db import advisory_key
from quartier_shared.events.topics import REGISTRY_CONTACTS

# ---------------------------------------------------------------- actors

_ACTOR_COLUMNS = (
    "id, name, actor_type, social_area_keys, street, postcode, city, residential_area_number, email, phone, "
    "withdrawn_at IS NOT NULL AS withdrawn"
)


def _actor(r: asyncpg.Record) -> Actor:
    address = (
        Address(r["street"], r["postcode"], r["city"], r["residential_area_number"])
        if r["street"] is not None
        else None
    )
    return Actor(
        id=r["id"],
        name=r["name"],
        type=ActorType(r["actor_type"]),
        social_area_keys=tuple(r["social_area_keys"]),
        address=address,
        email=r["email"],
        phone=r["phone"],
        withdrawn=r["withdrawn"],
    )


async def list_actors(conn: asyncpg.Connection, *, include_withdrawn: bool = True) -> list[Actor]:
    where = "" if include_withdrawn else "WHERE withdrawn_at IS NULL"
    return [_actor(r) for r in await conn.fetch(f"SELECT {_ACTOR_COLUMNS} FROM actors {where} ORDER BY name, id")]  # noqa: S608


async def get_actor(conn: asyncpg.Connection, actor_id: uuid.UUID, *, for_update: bool = False) -> Actor | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(f"SELECT {_ACTOR_COLUMNS} FROM actors WHERE id = $1{lock}", actor_id)  # noqa: S608
    return _actor(row) if row else None


async def save_actor(conn: asyncpg.Connection, actor: Actor) -> None:
    a = actor.address
    await conn.execute(
        """INSERT INTO actors (id, name, actor_type, social_area_keys, street, postcode, city,
                               residential_area_number, email, phone, withdrawn_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $11 THEN now() END)
           ON CONFLICT (id) DO UPDATE SET
               name = excluded.name, actor_type = excluded.actor_type,
               social_area_keys = excluded.social_area_keys, street = excluded.street,
               postcode = excluded.postcode, city = excluded.city,
               residential_area_number = excluded.residential_area_number, email = excluded.email,
               phone = excluded.phone,
               withdrawn_at = CASE WHEN $11 THEN coalesce(actors.withdrawn_at, now()) END,
               updated_at = now()""",
        actor.id,
        actor.name,
        actor.type.value,
        list(actor.social_area_keys),
        a.street if a else None,
        a.postcode if a else None,
        a.city if a else None,
        a.residential_area_number if a else None,
        actor.email,
        actor.phone,
        actor.withdrawn,
    )


# ---------------------------------------------------------------- people

_PERSON_COLUMNS = (
    "id, given_name, family_name, email, phone, actor_id, functions::text AS functions, "
    "residential_area_number, erased_at IS NOT NULL AS erased"
)


def row_person(r: asyncpg.Record) -> Person:
    return Person(
        id=r["id"],
        given_name=r["given_name"] or "",
        family_name=r["family_name"] or "",
        email=r["email"],
        phone=r["phone"],
        actor_id=r["actor_id"],
        functions=tuple(json.loads(r["functions"])),
        residential_area_number=r["residential_area_number"],
        erased=r["erased"],
    )


async def list_persons(conn: asyncpg.Connection) -> list[Person]:
    rows = await conn.fetch(
        f"SELECT {_PERSON_COLUMNS} FROM persons WHERE erased_at IS NULL ORDER BY family_name, given_name, id"  # noqa: S608
    )
    return [row_person(r) for r in rows]


async def residents_of(conn: asyncpg.Connection, residential_area_number: int) -> list[Person]:
    """The people (not erased) who live in a Wohnbereich."""
    rows = await conn.fetch(
        f"SELECT {_PERSON_COLUMNS} FROM persons WHERE erased_at IS NULL AND residential_area_number = $1"  # noqa: S608
        " ORDER BY id",
        residential_area_number,
    )
    return [row_person(r) for r in rows]


async def erased_person_ids(conn: asyncpg.Connection) -> set[uuid.UUID]:
    return {r["id"] for r in await conn.fetch("SELECT id FROM persons WHERE erased_at IS NOT NULL")}


async def get_person(conn: asyncpg.Connection, person_id: uuid.UUID, *, for_update: bool = False) -> Person | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(f"SELECT {_PERSON_COLUMNS} FROM persons WHERE id = $1{lock}", person_id)  # noqa: S608
    return row_person(row) if row else None


async def save_person(conn: asyncpg.Connection, person: Person) -> None:
    await conn.execute(
        """INSERT INTO persons (id, given_name, family_name, email, phone, actor_id, functions,
                                residential_area_number, erased_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, CASE WHEN $9 THEN now() END)
           ON CONFLICT (id) DO UPDATE SET
               given_name = excluded.given_name, family_name = excluded.family_name, email = excluded.email,
               phone = excluded.phone, actor_id = excluded.actor_id, functions = excluded.functions,
               residential_area_number = excluded.residential_area_number,
               erased_at = CASE WHEN $9 THEN coalesce(persons.erased_at, now()) END,
               updated_at = now()""",
        person.id,
        person.given_name or None,
        person.family_name or None,
        person.email,
        person.phone,
        person.actor_id,
        json.dumps(list(person.functions), ensure_ascii=False),
        person.residential_area_number,
        person.erased,
    )


# ---------------------------------------------------------------- bodies

_BODY_COLUMNS = "id, kind, name, social_area_key, district_key, local_title"


def row_body(r: asyncpg.Record) -> Body:
    return Body(r["id"], BodyKind(r["kind"]), r["name"], r["social_area_key"], r["district_key"], r["local_title"])


_BODY_ORDER = """ORDER BY array_position(ARRAY['council', 'steering_committee', 'working_group', 'coordination_round',
                                             'neighbourhood_conference', 'district_council'], kind), name"""


async def list_bodies(conn: asyncpg.Connection) -> list[Body]:
    return [row_body(r) for r in await conn.fetch(f"SELECT {_BODY_COLUMNS} FROM bodies {_BODY_ORDER}")]  # noqa: S608


async def get_body(conn: asyncpg.Connection, body_id: uuid.UUID, *, for_update: bool = False) -> Body | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(f"SELECT {_BODY_COLUMNS} FROM bodies WHERE id = $1{lock}", body_id)  # noqa: S608
    return row_body(row) if row else None


async def save_body(conn: asyncpg.Connection, body: Body) -> None:
    await conn.execute(
        """INSERT INTO bodies (id, kind, name, social_area_key, district_key, local_title)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name,
               social_area_key = excluded.social_area_key, district_key = excluded.district_key,
               local_title = excluded.local_title""",
        body.id,
        body.kind.value,
        body.name,
        body.social_area_key,
        body.district_key,
        body.local_title,
    )


# ---------------------------------------------------------------- memberships

_MEMBERSHIP_COLUMNS = "id, body_id, person_id, role, starts_on, ends_on, retention_reason"


def row_membership(r: asyncpg.Record) -> Membership:
    return Membership(
        r["id"], r["body_id"], r["person_id"], Role(r["role"]), r["starts_on"], r["ends_on"], r["retention_reason"]
    )


async def memberships_of_body(conn: asyncpg.Connection, body_id: uuid.UUID) -> list[Membership]:
    rows = await conn.fetch(
        f"SELECT {_MEMBERSHIP_COLUMNS} FROM memberships WHERE body_id = $1 ORDER BY starts_on, id",  # noqa: S608
        body_id,
    )
    return [row_membership(r) for r in rows]


async def memberships_of_person(conn: asyncpg.Connection, person_id: uuid.UUID) -> list[Membership]:
    rows = await conn.fetch(
        f"SELECT {_MEMBERSHIP_COLUMNS} FROM memberships WHERE person_id = $1 ORDER BY starts_on, id",  # noqa: S608
        person_id,
    )
    return [row_membership(r) for r in rows]


async def all_memberships(conn: asyncpg.Connection) -> list[Membership]:
    rows = await conn.fetch(f"SELECT {_MEMBERSHIP_COLUMNS} FROM memberships ORDER BY starts_on, id")  # noqa: S608
    return [row_membership(r) for r in rows]


async def get_membership(
    conn: asyncpg.Connection, membership_id: uuid.UUID, *, for_update: bool = False
) -> Membership | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(
        f"SELECT {_MEMBERSHIP_COLUMNS} FROM memberships WHERE id = $1{lock}",  # noqa: S608
        membership_id,
    )
    return row_membership(row) if row else None


async def save_membership(conn: asyncpg.Connection, m: Membership) -> None:
    await conn.execute(
        """INSERT INTO memberships (id, body_id, person_id, role, starts_on, ends_on, retention_reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (id) DO UPDATE SET role = excluded.role, starts_on = excluded.starts_on,
               ends_on = excluded.ends_on, retention_reason = excluded.retention_reason""",
        m.id,
        m.body_id,
        m.person_id,
        m.role.value,
        m.starts_on,
        m.ends_on,
        m.retention_reason,
    )


async def delete_memberships(conn: asyncpg.Connection, ids: list[uuid.UUID]) -> None:
    await conn.execute("DELETE FROM memberships WHERE id = ANY($1::uuid[])", ids)


# ---------------------------------------------------------------- audit


async def audit(
    conn: asyncpg.Connection, event_id: uuid.UUID, event_type: str, aggregate: str, actor: str, change: dict[str, Any]
) -> None:
    await conn.execute(
        """INSERT INTO directory_audit (event_id, event_type, aggregate, actor, change)
           VALUES ($1, $2, $3, $4, $5::jsonb)""",
        event_id,
        event_type,
        aggregate,
        actor,
        json.dumps(change, ensure_ascii=False),
    )


async def audit_entries(conn: asyncpg.Connection, aggregates: list[str]) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT event_id, event_type, aggregate, actor, change::text AS change, changed_at
           FROM directory_audit WHERE aggregate = ANY($1::text[]) ORDER BY id""",
        aggregates,
    )
    return [
        {
            "event_id": str(r["event_id"]),
            "event_type": r["event_type"],
            "aggregate": r["aggregate"],
            "actor": r["actor"],
            "change": json.loads(r["change"]),
            "changed_at": r["changed_at"].isoformat(),
        }
        for r in rows
    ]


async def scrub_audit_actor(conn: asyncpg.Connection, values: list[str]) -> None:
    """An erased person may have acted under their e-mail or name: those audit entries keep only the mark."""
    if values:
        await conn.execute(
            "UPDATE directory_audit SET actor = $2 WHERE lower(actor) = ANY($1::text[])",
            [v.lower() for v in values],
            ERASED_MARK,
        )
        await conn.execute(
            "UPDATE territory_audit SET actor = $2 WHERE lower(actor) = ANY($1::text[])",
            [v.lower() for v in values],
            ERASED_MARK,
        )


# ---------------------------------------------------------------- contact details (contacts topic)


async def persons_without_contact_events(conn: asyncpg.Connection) -> list[Person]:
    """People (not erased) whose contact details were never put into the outbox."""
    rows = await conn.fetch(
        f"""SELECT {_PERSON_COLUMNS} FROM persons p
            WHERE erased_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.topic = $1 AND o.partition_key = 'person/' || p.id)
            ORDER BY id""",  # noqa: S608
        REGISTRY_CONTACTS.name,
    )
    return [row_person(r) for r in rows]


async def forget_contact_events(conn: asyncpg.Connection, person_id: uuid.UUID) -> None:
    """An erasure removes the person's contact details from the outbox (published or not)."""
    await conn.execute(
        "DELETE FROM outbox WHERE topic = $1 AND partition_key = $2",
        REGISTRY_CONTACTS.name,
        f"person/{person_id}",
    )


async def lock(conn: asyncpg.Connection, what: Literal["bodies", "demo-people", "contacts"]) -> None:
    """Serialises one idempotent start-up task (creating the bodies, the demo people, announcing contacts)
    until the end of the transaction, so that two starting instances do not both do it."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", advisory_key(f"registry:{what}"))
