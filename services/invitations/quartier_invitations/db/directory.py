"""SQL of the invitations service's copy of the registry's directory (actors, bodies, memberships, people
by id) and of the people's contact details. The territory copy is db/territory.py (read here too).

Every write is an idempotent upsert that only moves forward in event time (``updated_at`` is the time of
the last event applied), so a replay or a late duplicate converges on the same state. No foreign keys:
events of different aggregates arrive in any order across partitions and topics.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

import asyncpg

from quartier_invitations.domain.invitees import (
    ActorInfo,
    BodyInfo,
    Directory,
    MembershipInfo,
    PersonInfo,
)
from quartier_shared.db import advisory_key

# ---------------------------------------------------------------- actors


async def upsert_actor(
    conn: asyncpg.Connection,
    actor_id: uuid.UUID,
    name: str,
    actor_type: str,
    social_area_keys: Sequence[str],
    email: str | None,
    at: dt.datetime,
) -> None:
    await conn.execute(
        """INSERT INTO directory_actors (id, name, type, social_area_keys, email, withdrawn, updated_at)
           VALUES ($1, $2, $3, $4, $5, false, $6)
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, type = excluded.type,
               social_area_keys = excluded.social_area_keys, email = excluded.email, withdrawn = false,
               updated_at = excluded.updated_at
           WHERE directory_actors.updated_at <= excluded.updated_at""",
        actor_id,
        name,
        actor_type,
        list(social_area_keys),
        email,
        at,
    )


async def withdraw_actor(conn: asyncpg.Connection, actor_id: uuid.UUID, at: dt.datetime) -> None:
    await conn.execute(
        "UPDATE directory_actors SET withdrawn = true, updated_at = $2 WHERE id = $1 AND updated_at <= $2",
        actor_id,
        at,
    )


# ---------------------------------------------------------------- bodies and memberships


async def upsert_body(
    conn: asyncpg.Connection,
    body_id: uuid.UUID,
    kind: str,
    name: str,
    display_name: str,
    social_area_key: str | None,
    district_key: str | None,
    at: dt.datetime,
) -> None:
    await conn.execute(
        """INSERT INTO directory_bodies (id, kind, name, display_name, social_area_key, district_key, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name,
               display_name = excluded.display_name, social_area_key = excluded.social_area_key,
               district_key = excluded.district_key, updated_at = excluded.updated_at
           WHERE directory_bodies.updated_at <= excluded.updated_at""",
        body_id,
        kind,
        name,
        display_name,
        social_area_key,
        district_key,
        at,
    )


async def lock_person(conn: asyncpg.Connection, person_id: uuid.UUID) -> None:
    """Serialises everything about one person (membership, person, contact and erasure events arrive on
    different partitions and topics, handled concurrently)."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", advisory_key(f"invitations:person:{person_id}"))


async def person_erased(conn: asyncpg.Connection, person_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval("SELECT erased FROM directory_persons WHERE id = $1", person_id))


async def membership_dropped_by_erasure(
    conn: asyncpg.Connection, person_id: uuid.UUID, membership_id: uuid.UUID
) -> bool:
    row = await conn.fetchrow("SELECT erased, retained_membership_ids FROM directory_persons WHERE id = $1", person_id)
    return bool(row and row["erased"] and membership_id not in row["retained_membership_ids"])


async def start_membership(
    conn: asyncpg.Connection,
    membership_id: uuid.UUID,
    body_id: uuid.UUID,
    person_id: uuid.UUID,
    role: str,
    starts_on: dt.date,
    ends_on: dt.date | None,
    is_district_mayor: bool,
    at: dt.datetime,
) -> None:
    # An end that arrived first (its own event) is kept: the later of both ends wins only by event time.
    await conn.execute(
        """INSERT INTO directory_memberships
               (id, body_id, person_id, role, starts_on, ends_on, is_district_mayor, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (id) DO UPDATE SET body_id = excluded.body_id, person_id = excluded.person_id,
               role = excluded.role, starts_on = excluded.starts_on,
               ends_on = CASE WHEN directory_memberships.updated_at > excluded.updated_at
                              THEN directory_memberships.ends_on ELSE excluded.ends_on END,
               is_district_mayor = excluded.is_district_mayor,
               updated_at = greatest(directory_memberships.updated_at, excluded.updated_at)""",
        membership_id,
        body_id,
        person_id,
        role,
        starts_on,
        ends_on,
        is_district_mayor,
        at,
    )


async def end_membership(
    conn: asyncpg.Connection,
    membership_id: uuid.UUID,
    body_id: uuid.UUID,
    person_id: uuid.UUID,
    ends_on: dt.date,
    at: dt.datetime,
) -> None:
    await conn.execute(
        """INSERT INTO directory_memberships (id, body_id, person_id, ends_on, updated_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (id) DO UPDATE SET ends_on = excluded.ends_on,
               updated_at = greatest(directory_memberships.updated_at, excluded.updated_at)
           WHERE directory_memberships.updated_at <= excluded.updated_at""",
        membership_id,
        body_id,
        person_id,
        ends_on,
        at,
    )


# ---------------------------------------------------------------- people and contacts


async def upsert_person(
    conn: asyncpg.Connection,
    person_id: uuid.UUID,
    actor_id: uuid.UUID | None,
    lives_in_social_area_key: str | None,
    at: dt.datetime,
) -> None:
    await conn.execute(
        """INSERT INTO directory_persons (id, actor_id, lives_in_social_area_key, updated_at)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE SET actor_id = excluded.actor_id,
               lives_in_social_area_key = excluded.lives_in_social_area_key, updated_at = excluded.updated_at
           WHERE directory_persons.updated_at <= excluded.updated_at AND NOT directory_persons.erased""",
        person_id,
        actor_id,
        lives_in_social_area_key,
        at,
    )


async def erase_person(
    conn: asyncpg.Connection, person_id: uuid.UUID, retained_membership_ids: Sequence[uuid.UUID], at: dt.datetime
) -> int:
    """Drops what is held about the person: the contact details, the facts, the memberships not retained.
    Returns how many memberships were dropped."""
    await conn.execute("DELETE FROM contacts WHERE person_id = $1", person_id)
    await conn.execute(
        """INSERT INTO directory_persons (id, erased, retained_membership_ids, updated_at) VALUES ($1, true, $2, $3)
           ON CONFLICT (id) DO UPDATE SET actor_id = NULL, lives_in_social_area_key = NULL, erased = true,
               retained_membership_ids = excluded.retained_membership_ids,
               updated_at = greatest(directory_persons.updated_at, excluded.updated_at)""",
        person_id,
        list(retained_membership_ids),
        at,
    )
    result: str = await conn.execute(
        "DELETE FROM directory_memberships WHERE person_id = $1 AND NOT (id = ANY($2::uuid[]))",
        person_id,
        list(retained_membership_ids),
    )
    return int(result.split()[-1])


async def set_contact(
    conn: asyncpg.Connection,
    person_id: uuid.UUID,
    name: str,
    email: str | None,
    salutation: str | None,
    functions: Sequence[str],
    at: dt.datetime,
) -> bool:
    """Stores a person's contact details unless the person or their contact details are erased; False when
    refused."""
    if await person_erased(conn, person_id) or await conn.fetchval(
        "SELECT true FROM erased_contacts WHERE person_id = $1", person_id
    ):
        return False
    await conn.execute(
        """INSERT INTO contacts (person_id, name, email, salutation, functions, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (person_id) DO UPDATE SET name = excluded.name, email = excluded.email,
               salutation = excluded.salutation, functions = excluded.functions, updated_at = excluded.updated_at
           WHERE contacts.updated_at <= excluded.updated_at""",
        person_id,
        name,
        email,
        salutation,
        list(functions),
        at,
    )
    return True


async def erase_contact(conn: asyncpg.Connection, person_id: uuid.UUID, at: dt.datetime) -> None:
    """ContactDetailsErased: the contact row goes, and a tombstone keeps a late ContactDetailsSet (e.g. a
    replay) from bringing it back. The person's other facts go with PersonErased."""
    await conn.execute("DELETE FROM contacts WHERE person_id = $1", person_id)
    await conn.execute(
        "INSERT INTO erased_contacts (person_id, erased_at) VALUES ($1, $2) ON CONFLICT DO NOTHING", person_id, at
    )


async def get_contact(conn: asyncpg.Connection, person_id: uuid.UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT person_id, name, email, salutation, functions FROM contacts WHERE person_id = $1", person_id
    )
    return row


# ---------------------------------------------------------------- the snapshot the rules read


async def load_directory(conn: asyncpg.Connection) -> Directory:
    """Everything the invitation rules read, in one snapshot (the city's directory is small)."""
    districts = await conn.fetch("SELECT key, name, city FROM territory_districts")
    areas = await conn.fetch("SELECT key, name FROM territory_social_areas")
    residential = await conn.fetch("SELECT number, district_key, social_area_key FROM territory_residential_areas")
    actors = await conn.fetch(
        "SELECT id, name, type, social_area_keys, email FROM directory_actors WHERE NOT withdrawn ORDER BY name, id"
    )
    bodies = await conn.fetch(
        "SELECT id, kind, name, display_name, social_area_key, district_key FROM directory_bodies ORDER BY name, id"
    )
    memberships = await conn.fetch(
        """SELECT id, body_id, person_id, role, starts_on, ends_on, is_district_mayor FROM directory_memberships
           WHERE role IS NOT NULL AND starts_on IS NOT NULL ORDER BY starts_on, id"""
    )
    persons = await conn.fetch(
        """SELECT coalesce(p.id, c.person_id) AS id, p.actor_id, p.lives_in_social_area_key,
                  coalesce(p.erased, false) AS erased, c.name, c.email, coalesce(c.functions, '{}') AS functions
           FROM directory_persons p FULL JOIN contacts c ON c.person_id = p.id"""
    )
    return Directory(
        city=next((r["city"] for r in districts), ""),
        districts={r["key"]: r["name"] for r in districts},
        social_areas={r["key"]: r["name"] for r in areas},
        residential_areas={r["number"]: (r["district_key"], r["social_area_key"]) for r in residential},
        actors=tuple(
            ActorInfo(r["id"], r["name"], r["type"], tuple(r["social_area_keys"]), r["email"]) for r in actors
        ),
        bodies=tuple(
            BodyInfo(r["id"], r["kind"], r["display_name"], r["social_area_key"], r["district_key"]) for r in bodies
        ),
        memberships=tuple(
            MembershipInfo(
                r["id"], r["body_id"], r["person_id"], r["role"], r["starts_on"], r["ends_on"], r["is_district_mayor"]
            )
            for r in memberships
        ),
        persons={
            r["id"]: PersonInfo(
                r["id"],
                r["actor_id"],
                r["lives_in_social_area_key"],
                r["name"],
                r["email"],
                tuple(r["functions"]),
                r["erased"],
            )
            for r in persons
        },
    )
