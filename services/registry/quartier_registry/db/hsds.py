"""Read queries of the HSDS export: offers with their change time, their providers (actors), the terms.

Every statement is parameterised. Actors are read as ``to_jsonb(actors)`` so that the export keeps
working when the actor table gains columns.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from quartier_registry.db.offers import row_offer
from quartier_registry.domain.hsds import OfferRecord
from quartier_registry.domain.people import Actor, ActorType, Address

_COLUMNS = """id, title, description, provider_actor_id, field_of_action, cross_cutting_themes, target_groups,
    languages, place_kind, centre_social_area_key, residential_area_number, place_name, street, postal_code,
    recurrences::text AS recurrences, free_of_charge, cost, wheelchair_accessible, accessibility, contact_office,
    contact_email, contact_phone, last_confirmed_on, status, merged_into, social_area_key, updated_at"""


@dataclass(frozen=True)
class ServiceFilter:
    """What ``/hsds/services`` and ``/hsds/service_at_locations`` filter by (None: no filter).

    ``terms``: (taxonomy key, term name) pairs, any of which must match; an empty tuple matches nothing.
    ``taxonomy_key``: the offer has at least one term of that taxonomy.
    """

    search: str | None = None
    terms: tuple[tuple[str, str], ...] | None = None
    taxonomy_key: str | None = None
    organization_id: uuid.UUID | None = None
    modified_after: datetime | None = None
    postcode: str | None = None


def _record(row: asyncpg.Record) -> OfferRecord:
    return OfferRecord(row_offer(row), row["updated_at"])


def _where(f: ServiceFilter) -> tuple[str, list[Any]]:
    terms = f.terms or ()
    by_key: dict[str, list[str]] = {"fields_of_action": [], "cross_cutting_themes": [], "target_groups": []}
    for key, name in terms:
        by_key.setdefault(key, []).append(name)
    where = """($1::text IS NULL OR title ILIKE '%' || $1 || '%' OR description ILIKE '%' || $1 || '%')
        AND (NOT $2 OR field_of_action = ANY($3::text[]) OR cross_cutting_themes && $4::text[]
             OR target_groups && $5::text[])
        AND ($6::text IS NULL
             OR ($6 = 'fields_of_action')
             OR ($6 = 'cross_cutting_themes' AND cardinality(cross_cutting_themes) > 0)
             OR ($6 = 'target_groups' AND cardinality(target_groups) > 0))
        AND ($7::uuid IS NULL OR provider_actor_id = $7)
        AND ($8::timestamptz IS NULL OR updated_at >= $8)
        AND ($9::text IS NULL OR postal_code = $9)"""
    args: list[Any] = [
        _like_escape(f.search),
        f.terms is not None,
        by_key["fields_of_action"],
        by_key["cross_cutting_themes"],
        by_key["target_groups"],
        f.taxonomy_key,
        f.organization_id,
        f.modified_after,
        f.postcode,
    ]
    return where, args


async def list_services(
    conn: asyncpg.Connection, f: ServiceFilter, *, limit: int, offset: int
) -> tuple[list[OfferRecord], int]:
    """A page of offers in title order and the total matching the filter."""
    where, args = _where(f)
    total = await conn.fetchval(f"SELECT count(*) FROM offers_located WHERE {where}", *args)  # noqa: S608
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM offers_located WHERE {where} ORDER BY title, id LIMIT $10 OFFSET $11",  # noqa: S608
        *args,
        limit,
        offset,
    )
    return [_record(r) for r in rows], int(total)


async def load_service(conn: asyncpg.Connection, offer_id: uuid.UUID) -> OfferRecord | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM offers_located WHERE id = $1", offer_id)  # noqa: S608
    return _record(row) if row else None


async def offer_ids(conn: asyncpg.Connection) -> list[uuid.UUID]:
    return [r["id"] for r in await conn.fetch("SELECT id FROM offers")]


async def services_of(conn: asyncpg.Connection, provider_id: uuid.UUID) -> list[OfferRecord]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM offers_located WHERE provider_actor_id = $1 ORDER BY title, id",  # noqa: S608
        provider_id,
    )
    return [_record(r) for r in rows]


async def target_groups(conn: asyncpg.Connection) -> list[str]:
    rows = await conn.fetch("SELECT DISTINCT unnest(target_groups) AS g FROM offers ORDER BY 1")
    return [r["g"] for r in rows]


def _actor(doc: dict[str, Any]) -> Actor:
    try:
        actor_type = ActorType(doc.get("actor_type") or "other")
    except ValueError:
        actor_type = ActorType.OTHER
    street = doc.get("street")
    address = (
        Address(street, doc.get("postcode") or "", doc.get("city") or "", doc.get("residential_area_number"))
        if street
        else None
    )
    return Actor(
        id=uuid.UUID(doc["id"]),
        name=doc.get("name") or "",
        type=actor_type,
        social_area_keys=tuple(doc.get("social_area_keys") or ()),
        address=address,
        email=doc.get("email"),
        phone=doc.get("phone"),
        withdrawn=doc.get("withdrawn_at") is not None,
    )


async def actors(conn: asyncpg.Connection, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Actor]:
    """The actors among ``ids`` the directory knows."""
    if not ids or not await _has_actors(conn):
        return {}
    rows = await conn.fetch("SELECT to_jsonb(a)::text AS doc FROM actors a WHERE a.id = ANY($1::uuid[])", list(ids))
    found = (_actor(json.loads(r["doc"])) for r in rows)
    return {a.id: a for a in found}


async def _has_actors(conn: asyncpg.Connection) -> bool:
    return bool(await conn.fetchval("SELECT to_regclass('actors') IS NOT NULL"))


async def list_providers(
    conn: asyncpg.Connection, *, search: str | None, placeholder: str, limit: int, offset: int
) -> tuple[list[uuid.UUID], int]:
    """The providers of offers (as organizations), in name order; unknown actors sort by ``placeholder``."""
    if await _has_actors(conn):
        source = """SELECT p.id, COALESCE(a.name, $2) AS name
                    FROM (SELECT DISTINCT provider_actor_id AS id FROM offers) p
                    LEFT JOIN actors a ON a.id = p.id"""
    else:
        source = "SELECT DISTINCT provider_actor_id AS id, $2::text AS name FROM offers"
    where = "($1::text IS NULL OR name ILIKE '%' || $1 || '%')"
    args = (_like_escape(search), placeholder)
    total = await conn.fetchval(f"SELECT count(*) FROM ({source}) o WHERE {where}", *args)  # noqa: S608
    rows = await conn.fetch(
        f"SELECT id FROM ({source}) o WHERE {where} ORDER BY name, id LIMIT $3 OFFSET $4",  # noqa: S608
        *args,
        limit,
        offset,
    )
    return [r["id"] for r in rows], int(total)


async def is_provider(conn: asyncpg.Connection, provider_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM offers WHERE provider_actor_id = $1)", provider_id))


def _like_escape(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return value.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
