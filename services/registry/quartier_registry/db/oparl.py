"""Read queries of the OParl export. Every statement is parameterised; nothing here writes.

``modified`` of an object is the latest of its own change and the changes of what it embeds or lists:
a membership's creation and its audit rows (ended, changed); a person's row and their memberships;
a body's row, its audit rows (local title), its memberships and, since an erasure removes memberships
without trace, the latest erasure. Reporting a change too often is harmless for other systems;
missing one is not.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg

from quartier_registry.db.people import row_body, row_membership, row_person
from quartier_registry.domain.oparl import ListQuery, MembershipRecord, Organization, PersonRecord
from quartier_registry.domain.people import BodyKind

_MEMBERSHIPS = """ms AS (
    SELECT m.id, m.body_id, m.person_id, m.role, m.starts_on, m.ends_on, m.retention_reason,
           b.kind AS body_kind, p.erased_at IS NOT NULL AS person_erased, m.created_at AS created,
           greatest(m.created_at,
                    (SELECT max(a.changed_at) FROM directory_audit a WHERE a.aggregate = 'membership/' || m.id::text),
                    p.erased_at) AS modified
    FROM memberships m JOIN persons p ON p.id = m.person_id JOIN bodies b ON b.id = m.body_id
)"""

_ORGANIZATIONS = f"""WITH {_MEMBERSHIPS},
o AS (
    SELECT b.id, b.kind, b.name, b.social_area_key, b.district_key, b.local_title, b.created_at AS created,
           greatest(b.created_at,
                    (SELECT max(a.changed_at) FROM directory_audit a WHERE a.aggregate = 'body/' || b.id::text),
                    (SELECT max(ms.modified) FROM ms WHERE ms.body_id = b.id),
                    (SELECT max(erased_at) FROM persons)) AS modified,
           coalesce((SELECT array_agg(ms.id ORDER BY ms.created, ms.id) FROM ms
                     WHERE ms.body_id = b.id AND NOT ms.person_erased), '{{}}') AS membership_ids,
           array_position(ARRAY['council', 'steering_committee', 'working_group', 'coordination_round',
                                'neighbourhood_conference', 'district_council'], b.kind) AS rank,
           false AS deleted
    FROM bodies b
)"""  # noqa: S608

# Published: whoever holds or held a membership; erased persons as bare deleted objects.
_PERSONS = f"""WITH {_MEMBERSHIPS},
o AS (
    SELECT p.id, p.given_name, p.family_name, p.email, p.phone, p.actor_id, p.functions::text AS functions,
           p.residential_area_number, p.erased_at IS NOT NULL AS erased, p.erased_at IS NOT NULL AS deleted,
           p.created_at AS created,
           CASE WHEN p.erased_at IS NOT NULL THEN p.erased_at
                ELSE greatest(p.updated_at, (SELECT max(ms.modified) FROM ms WHERE ms.person_id = p.id)) END
               AS modified
    FROM persons p
    WHERE p.erased_at IS NOT NULL OR EXISTS (SELECT 1 FROM memberships m WHERE m.person_id = p.id)
)"""  # noqa: S608

_MEMBERSHIP_LIST = f"WITH {_MEMBERSHIPS}, o AS (SELECT *, person_erased AS deleted FROM ms)"  # noqa: S608

_FILTER = """($1::timestamptz IS NULL OR o.created >= $1) AND ($2::timestamptz IS NULL OR o.created <= $2)
   AND ($3::timestamptz IS NULL OR o.modified >= $3) AND ($4::timestamptz IS NULL OR o.modified <= $4)
   AND ($5::boolean OR NOT o.deleted)"""


def _filters(query: ListQuery) -> list[Any]:
    """$1..$5; deleted objects (erased persons, their kept memberships) only with ``modified_since`` (OParl 1.1)."""
    return [query.created_since, query.created_until, query.modified_since, query.modified_until, query.include_deleted]


async def _page(conn: asyncpg.Connection, cte: str, order: str, query: ListQuery) -> tuple[list[asyncpg.Record], int]:
    args: list[Any] = _filters(query)
    total = await conn.fetchval(f"{cte} SELECT count(*) FROM o WHERE {_FILTER}", *args)  # noqa: S608
    rows = await conn.fetch(
        f"{cte} SELECT * FROM o WHERE {_FILTER} ORDER BY {order} LIMIT $6 OFFSET $7",  # noqa: S608
        *args,
        query.limit,
        query.offset,
    )
    return list(rows), int(total)


# ---------------------------------------------------------------- rows to values


def _organization(r: asyncpg.Record) -> Organization:
    return Organization(row_body(r), r["created"], r["modified"], tuple(r["membership_ids"]))


def _membership(r: asyncpg.Record) -> MembershipRecord:
    return MembershipRecord(
        row_membership(r), BodyKind(r["body_kind"]), r["person_erased"], r["created"], r["modified"]
    )


def _person(r: asyncpg.Record, memberships: tuple[MembershipRecord, ...]) -> PersonRecord:
    return PersonRecord(row_person(r), r["created"], r["modified"], memberships)


async def _memberships_of(
    conn: asyncpg.Connection, person_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[MembershipRecord]]:
    rows = await conn.fetch(
        f"WITH {_MEMBERSHIPS} SELECT * FROM ms WHERE ms.person_id = ANY($1::uuid[]) ORDER BY ms.starts_on, ms.id",  # noqa: S608
        person_ids,
    )
    out: dict[uuid.UUID, list[MembershipRecord]] = {}
    for r in rows:
        out.setdefault(r["person_id"], []).append(_membership(r))
    return out


async def _persons(conn: asyncpg.Connection, rows: list[asyncpg.Record]) -> list[PersonRecord]:
    memberships = await _memberships_of(conn, [r["id"] for r in rows])
    return [_person(r, tuple(memberships.get(r["id"], []))) for r in rows]


# ---------------------------------------------------------------- queries


async def city(conn: asyncpg.Connection) -> str | None:
    value = await conn.fetchval("SELECT city FROM territory_meta")
    return str(value) if value is not None else None


async def system_times(conn: asyncpg.Connection) -> tuple[dt.datetime, dt.datetime] | None:
    """When the bodies were first created, and when the territory (the city's name) was last loaded."""
    row = await conn.fetchrow(
        """SELECT (SELECT min(created_at) FROM bodies) AS created,
                  (SELECT max(loaded_at) FROM territory_loads) AS loaded"""
    )
    if row is None or row["created"] is None:
        return None
    created: dt.datetime = row["created"]
    loaded: dt.datetime | None = row["loaded"]
    return created, max(created, loaded) if loaded else created


async def organizations(conn: asyncpg.Connection, query: ListQuery) -> tuple[list[Organization], int]:
    rows, total = await _page(conn, _ORGANIZATIONS, "o.rank, o.name, o.id", query)
    return [_organization(r) for r in rows], total


async def organization(conn: asyncpg.Connection, body_id: uuid.UUID) -> Organization | None:
    row = await conn.fetchrow(f"{_ORGANIZATIONS} SELECT * FROM o WHERE o.id = $1", body_id)  # noqa: S608
    return _organization(row) if row else None


async def persons(conn: asyncpg.Connection, query: ListQuery) -> tuple[list[PersonRecord], int]:
    rows, total = await _page(conn, _PERSONS, "o.created, o.id", query)
    return await _persons(conn, rows), total


async def person(conn: asyncpg.Connection, person_id: uuid.UUID) -> PersonRecord | None:
    row = await conn.fetchrow(f"{_PERSONS} SELECT * FROM o WHERE o.id = $1", person_id)  # noqa: S608
    return (await _persons(conn, [row]))[0] if row else None


async def memberships(conn: asyncpg.Connection, query: ListQuery) -> tuple[list[MembershipRecord], int]:
    rows, total = await _page(conn, _MEMBERSHIP_LIST, "o.created, o.id", query)
    return [_membership(r) for r in rows], total


async def membership(conn: asyncpg.Connection, membership_id: uuid.UUID) -> MembershipRecord | None:
    row = await conn.fetchrow(f"WITH {_MEMBERSHIPS} SELECT * FROM ms WHERE ms.id = $1", membership_id)  # noqa: S608
    return _membership(row) if row else None
