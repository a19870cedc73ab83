"""SQL of the people's contact details (the registry's contacts topic, the one place names and e-mail
addresses arrive; only the invitations service holds them) and the snapshot of the directory the invitation
rules read: the registry replica (``quartier_registry_replica``: territory, actors, bodies, memberships,
people by id) together with the contacts.

A contact only moves forward in event time (``updated_at``), so a replay or a late duplicate converges; an
erased person or erased contact details are never taken in again.
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
from quartier_registry_replica.upserts import person_erased

# ---------------------------------------------------------------- contacts


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


async def delete_contact(conn: asyncpg.Connection, person_id: uuid.UUID) -> None:
    """PersonErased: the person's contact details go with the rest of what is held about them."""
    await conn.execute("DELETE FROM contacts WHERE person_id = $1", person_id)


async def get_contact(conn: asyncpg.Connection, person_id: uuid.UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT person_id, name, email, salutation, functions FROM contacts WHERE person_id = $1", person_id
    )
    return row


# ---------------------------------------------------------------- the snapshot the rules read


async def load_directory(conn: asyncpg.Connection) -> Directory:
    """Everything the invitation rules read, in one snapshot (the city's directory is small)."""
    districts = await conn.fetch("SELECT key, name, city FROM registry_districts")
    areas = await conn.fetch("SELECT key, name FROM registry_social_areas")
    residential = await conn.fetch("SELECT number, district_key, social_area_key FROM registry_residential_areas")
    actors = await conn.fetch(
        "SELECT id, name, type, social_area_keys, email FROM registry_actors WHERE NOT withdrawn ORDER BY name, id"
    )
    bodies = await conn.fetch(
        "SELECT id, kind, name, display_name, social_area_key, district_key FROM registry_bodies ORDER BY name, id"
    )
    memberships = await conn.fetch(
        """SELECT id, body_id, person_id, role, starts_on, ends_on, is_district_mayor FROM registry_memberships
           WHERE role IS NOT NULL AND starts_on IS NOT NULL ORDER BY starts_on, id"""
    )
    persons = await conn.fetch(
        """SELECT coalesce(p.id, c.person_id) AS id, p.actor_id, p.lives_in_social_area_key,
                  coalesce(p.erased, false) AS erased, c.name, c.email, coalesce(c.functions, '{}') AS functions
           FROM registry_persons p FULL JOIN contacts c ON c.person_id = p.id"""
    )
    return Directory(
        city=next((r["city"] for r in districts if r["city"]), ""),
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
