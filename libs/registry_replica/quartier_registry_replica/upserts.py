"""The replica's writes: idempotent upserts that only move forward in event time.

One ordering rule for every table: a row carries the time of the last event applied (``updated_at``) and an
event changes it only if it is not older (``updated_at <= event time``), so a replay or a late duplicate
converges on the same state and an older event never overwrites a newer one. Facts that can only happen once
are final whatever arrives later: a withdrawal (actor, offer) and an erasure (person).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence

import asyncpg

# ---------------------------------------------------------------- territory


async def upsert_district(conn: asyncpg.Connection, key: str, name: str, city: str, at: dt.datetime) -> None:
    await conn.execute(
        """INSERT INTO registry_districts (key, name, city, registered_at, updated_at) VALUES ($1, $2, $3, $4, $4)
           ON CONFLICT (key) DO UPDATE SET name = excluded.name, city = excluded.city, updated_at = excluded.updated_at
           WHERE registry_districts.updated_at <= excluded.updated_at""",
        key,
        name,
        city,
        at,
    )
    # the registry's order is that of the first registration, whichever event arrives first
    await conn.execute("UPDATE registry_districts SET registered_at = least(registered_at, $2) WHERE key = $1", key, at)


async def upsert_social_area(
    conn: asyncpg.Connection, key: str, name: str, centre: str, city: str, at: dt.datetime
) -> None:
    await conn.execute(
        """INSERT INTO registry_social_areas (key, name, community_centre_name, city, registered_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $5)
           ON CONFLICT (key) DO UPDATE SET name = excluded.name, city = excluded.city,
               community_centre_name = excluded.community_centre_name, updated_at = excluded.updated_at
           WHERE registry_social_areas.updated_at <= excluded.updated_at""",
        key,
        name,
        centre,
        city,
        at,
    )
    await conn.execute(
        "UPDATE registry_social_areas SET registered_at = least(registered_at, $2) WHERE key = $1", key, at
    )


async def set_community_centre(conn: asyncpg.Connection, key: str, name: str, at: dt.datetime) -> None:
    await conn.execute(
        """UPDATE registry_social_areas SET community_centre_name = $2, updated_at = $3
           WHERE key = $1 AND updated_at <= $3""",
        key,
        name,
        at,
    )


async def upsert_residential_area(
    conn: asyncpg.Connection, number: int, name: str, district_key: str, social_area_key: str, at: dt.datetime
) -> None:
    await conn.execute(
        """INSERT INTO registry_residential_areas (number, name, district_key, social_area_key, updated_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (number) DO UPDATE SET name = excluded.name, district_key = excluded.district_key,
               social_area_key = excluded.social_area_key, updated_at = excluded.updated_at
           WHERE registry_residential_areas.updated_at <= excluded.updated_at""",
        number,
        name,
        district_key,
        social_area_key,
        at,
    )


async def move_residential_area(conn: asyncpg.Connection, number: int, social_area_key: str, at: dt.datetime) -> bool:
    """The Wohnbereich now belongs to another Sozialraum; False if a newer event about it was applied already."""
    result: str = await conn.execute(
        """UPDATE registry_residential_areas SET social_area_key = $2, updated_at = $3
           WHERE number = $1 AND updated_at <= $3""",
        number,
        social_area_key,
        at,
    )
    return result.split()[-1] != "0"


async def upsert_vocabulary(conn: asyncpg.Connection, name: str, terms: Sequence[str], at: dt.datetime) -> None:
    await conn.execute(
        """INSERT INTO registry_vocabularies (name, terms, updated_at) VALUES ($1, $2::jsonb, $3)
           ON CONFLICT (name) DO UPDATE SET terms = excluded.terms, updated_at = excluded.updated_at
           WHERE registry_vocabularies.updated_at <= excluded.updated_at""",
        name,
        json.dumps(list(terms), ensure_ascii=False),
        at,
    )


# ---------------------------------------------------------------- actors


async def upsert_actor(
    conn: asyncpg.Connection,
    actor_id: uuid.UUID,
    name: str,
    actor_type: str,
    social_area_keys: Sequence[str],
    residential_area_number: int | None,
    email: str | None,
    at: dt.datetime,
) -> None:
    """Registered or changed: the actor as it is now. ``withdrawn`` is left alone: the registry changes no
    withdrawn actor, so a withdrawal is final."""
    await conn.execute(
        """INSERT INTO registry_actors
               (id, name, type, social_area_keys, residential_area_number, email, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, type = excluded.type,
               social_area_keys = excluded.social_area_keys,
               residential_area_number = excluded.residential_area_number, email = excluded.email,
               updated_at = excluded.updated_at
           WHERE registry_actors.updated_at <= excluded.updated_at""",
        actor_id,
        name,
        actor_type,
        list(social_area_keys),
        residential_area_number,
        email,
        at,
    )


async def withdraw_actor(conn: asyncpg.Connection, actor_id: uuid.UUID, at: dt.datetime) -> None:
    await conn.execute(
        "UPDATE registry_actors SET withdrawn = true, updated_at = greatest(updated_at, $2) WHERE id = $1",
        actor_id,
        at,
    )


# ---------------------------------------------------------------- people (ids only)


async def lock_person(conn: asyncpg.Connection, person_id: uuid.UUID) -> None:
    """Serialises everything about one person until the transaction ends: person, membership, erasure (and a
    service's contact) events travel on other partitions and topics and are handled concurrently. The key
    names the schema, so two services on one database do not wait for each other."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || ':registry_replica.person:' || $1, 0))",
        str(person_id),
    )


async def upsert_person(
    conn: asyncpg.Connection,
    person_id: uuid.UUID,
    actor_id: uuid.UUID | None,
    lives_in_social_area_key: str | None,
    at: dt.datetime,
) -> None:
    """Registered or changed; an erased person stays erased whatever arrives later."""
    await conn.execute(
        """INSERT INTO registry_persons (id, actor_id, lives_in_social_area_key, updated_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE SET actor_id = excluded.actor_id,
               lives_in_social_area_key = excluded.lives_in_social_area_key, updated_at = excluded.updated_at
           WHERE NOT registry_persons.erased AND registry_persons.updated_at <= excluded.updated_at""",
        person_id,
        actor_id,
        lives_in_social_area_key,
        at,
    )


async def person_erased(conn: asyncpg.Connection, person_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval("SELECT erased FROM registry_persons WHERE id = $1", person_id))


async def erase_person(
    conn: asyncpg.Connection, person_id: uuid.UUID, retained_membership_ids: Sequence[uuid.UUID], at: dt.datetime
) -> int:
    """Drops what the replica holds about the person; keeps the memberships the registry retains. Returns how
    many memberships were removed."""
    await conn.execute(
        """INSERT INTO registry_persons (id, erased, retained_membership_ids, updated_at) VALUES ($1, true, $2, $3)
           ON CONFLICT (id) DO UPDATE SET actor_id = NULL, lives_in_social_area_key = NULL, erased = true,
               retained_membership_ids = excluded.retained_membership_ids,
               updated_at = greatest(registry_persons.updated_at, excluded.updated_at)""",
        person_id,
        list(retained_membership_ids),
        at,
    )
    result: str = await conn.execute(
        "DELETE FROM registry_memberships WHERE person_id = $1 AND NOT (id = ANY($2::uuid[]))",
        person_id,
        list(retained_membership_ids),
    )
    return int(result.split()[-1])


async def membership_dropped_by_erasure(
    conn: asyncpg.Connection, person_id: uuid.UUID, membership_id: uuid.UUID
) -> bool:
    """True if the person is erased and the registry did not retain this membership."""
    return bool(
        await conn.fetchval(
            """SELECT true FROM registry_persons
               WHERE id = $1 AND erased AND NOT ($2 = ANY(retained_membership_ids))""",
            person_id,
            membership_id,
        )
    )


# ---------------------------------------------------------------- bodies and memberships


async def upsert_body(
    conn: asyncpg.Connection,
    body_id: uuid.UUID,
    kind: str,
    name: str,
    display_name: str,
    local_title: str | None,
    social_area_key: str | None,
    district_key: str | None,
    at: dt.datetime,
) -> None:
    await conn.execute(
        """INSERT INTO registry_bodies
               (id, kind, name, display_name, local_title, social_area_key, district_key, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name,
               display_name = excluded.display_name, local_title = excluded.local_title,
               social_area_key = excluded.social_area_key, district_key = excluded.district_key,
               updated_at = excluded.updated_at
           WHERE registry_bodies.updated_at <= excluded.updated_at""",
        body_id,
        kind,
        name,
        display_name,
        local_title,
        social_area_key,
        district_key,
        at,
    )


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
    """Body, person, role, start and mayoralty are facts of the membership that never change, so they are taken
    whenever they arrive (also after an end that overtook the start); the end follows the event-time rule."""
    await conn.execute(
        """INSERT INTO registry_memberships
               (id, body_id, person_id, role, starts_on, ends_on, is_district_mayor, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (id) DO UPDATE SET body_id = excluded.body_id, person_id = excluded.person_id,
               role = excluded.role, starts_on = excluded.starts_on, is_district_mayor = excluded.is_district_mayor,
               ends_on = CASE WHEN registry_memberships.updated_at <= excluded.updated_at
                              THEN excluded.ends_on ELSE registry_memberships.ends_on END,
               updated_at = greatest(registry_memberships.updated_at, excluded.updated_at)""",
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
        """INSERT INTO registry_memberships (id, body_id, person_id, ends_on, updated_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (id) DO UPDATE SET ends_on = excluded.ends_on, updated_at = excluded.updated_at
           WHERE registry_memberships.updated_at <= excluded.updated_at""",
        membership_id,
        body_id,
        person_id,
        ends_on,
        at,
    )


# ---------------------------------------------------------------- offers (existence and withdrawal only)


async def upsert_offer(conn: asyncpg.Connection, offer_id: uuid.UUID, at: dt.datetime) -> None:
    """Registered, changed or confirmed: the offer exists. ``withdrawn`` is left alone (a withdrawal is final)."""
    await conn.execute(
        """INSERT INTO registry_offers (id, updated_at) VALUES ($1, $2)
           ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at
           WHERE registry_offers.updated_at <= excluded.updated_at""",
        offer_id,
        at,
    )


async def withdraw_offer(
    conn: asyncpg.Connection, offer_id: uuid.UUID, merged_into: uuid.UUID | None, at: dt.datetime
) -> None:
    """Withdrawn (``merged_into`` when merged into another offer); whatever arrives later, it stays withdrawn."""
    await conn.execute(
        """INSERT INTO registry_offers (id, withdrawn, merged_into, updated_at) VALUES ($1, true, $2, $3)
           ON CONFLICT (id) DO UPDATE SET withdrawn = true,
               merged_into = coalesce(excluded.merged_into, registry_offers.merged_into),
               updated_at = greatest(registry_offers.updated_at, excluded.updated_at)""",
        offer_id,
        merged_into,
        at,
    )
