"""The HSDS 3.0 export: reads offers, providers and the territory, and maps them (domain/hsds.py).

Every function takes ``base``, the public base URL from which the objects' URLs are built. Functions
answering a single object return None when there is none (the API answers 404).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import asyncpg

from quartier_registry.db import hsds as db
from quartier_registry.db import territory as territory_db
from quartier_registry.db.hsds import ServiceFilter
from quartier_registry.domain import hsds as domain
from quartier_registry.domain.hsds import OfferRecord, Term
from quartier_registry.domain.people import Actor
from quartier_registry.domain.territory import Territory, TerritoryNotLoaded
from quartier_shared import errors

T = TypeVar("T")


class HsdsQueryError(errors.InvalidInput):
    """A query parameter cannot be used; ``parameter`` names it, ``message`` says why (German)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(parameter, message)
        self.parameter = parameter


@dataclass(frozen=True)
class ServiceQuery:
    """The query parameters of ``/services`` and ``/service_at_locations`` (``postcode`` only of the latter)."""

    search: str | None = None
    taxonomy_term_id: str | None = None
    taxonomy_id: str | None = None
    organization_id: str | None = None
    modified_after: str | None = None
    full: bool = False
    postcode: str | None = None


async def _territory(conn: asyncpg.Connection) -> Territory:
    territory = await territory_db.load_territory(conn)
    if territory is None:
        raise TerritoryNotLoaded()
    return territory


async def _catalogue(conn: asyncpg.Connection, territory: Territory) -> list[Term]:
    return domain.catalogue(territory, await db.target_groups(conn))


async def _resolve_filter(conn: asyncpg.Connection, territory: Territory, query: ServiceQuery) -> ServiceFilter | None:
    """The filter, or None when it cannot match anything (unknown term, taxonomy or organization)."""
    postcode = query.postcode.strip() if query.postcode and query.postcode.strip() else None
    f = ServiceFilter(search=query.search, postcode=postcode)
    if query.modified_after:
        try:
            f = replace(f, modified_after=domain.parse_modified_after(query.modified_after))
        except ValueError:
            raise HsdsQueryError(
                "modified_after", "Bitte Datum und Uhrzeit nach ISO 8601 angeben, z. B. 2026-01-31T12:00:00Z."
            ) from None
    if query.taxonomy_term_id:
        by_id = {t.id: t for t in await _catalogue(conn, territory)}
        wanted = [domain.parse_uuid(x.strip()) for x in query.taxonomy_term_id.split(",") if x.strip()]
        terms = tuple((t.taxonomy.key, t.name) for t in (by_id.get(w) for w in wanted if w) if t is not None)
        if not terms:
            return None
        f = replace(f, terms=terms)
    if query.taxonomy_id:
        parsed = domain.parse_uuid(query.taxonomy_id.strip())
        taxonomy = domain.TAXONOMY_BY_ID.get(parsed) if parsed else None
        if taxonomy is None:
            return None
        f = replace(f, taxonomy_key=taxonomy.key)
    if query.organization_id:
        org = domain.parse_uuid(query.organization_id.strip())
        if org is None:
            return None
        f = replace(f, organization_id=org)
    return f


async def _organizations(
    conn: asyncpg.Connection, records: Sequence[OfferRecord], city: str, base: str
) -> dict[uuid.UUID, dict[str, Any]]:
    ids = sorted({r.offer.data.provider_actor_id for r in records})
    known = await db.actors(conn, ids)
    return {i: domain.organization_basic(i, known.get(i), city, base) for i in ids}


def _page_args(page: int, per_page: int) -> tuple[int, int]:
    return per_page, (page - 1) * per_page


def _page_of(items: Sequence[T], page: int, per_page: int, out: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    """One page of a list held in memory."""
    limit, offset = _page_args(page, per_page)
    return domain.page_out([out(i) for i in items[offset : offset + limit]], len(items), page, per_page)


@dataclass(frozen=True)
class _Listed:
    territory: Territory
    records: list[OfferRecord]
    total: int
    orgs: dict[uuid.UUID, dict[str, Any]]

    def service(self, record: OfferRecord, base: str, *, full: bool) -> dict[str, Any]:
        org = self.orgs[record.offer.data.provider_actor_id]
        return domain.service_full(record, self.territory, org, base) if full else domain.service_list_item(record, org)


async def _listed(conn: asyncpg.Connection, base: str, query: ServiceQuery, page: int, per_page: int) -> _Listed:
    """A page of the offers the query selects, with their organizations (none when it cannot match)."""
    territory = await _territory(conn)
    f = await _resolve_filter(conn, territory, query)
    if f is None:
        return _Listed(territory, [], 0, {})
    limit, offset = _page_args(page, per_page)
    records, total = await db.list_services(conn, f, limit=limit, offset=offset)
    return _Listed(territory, records, total, await _organizations(conn, records, territory.city, base))


async def services(pool: asyncpg.Pool, base: str, query: ServiceQuery, *, page: int, per_page: int) -> dict[str, Any]:
    async with pool.acquire() as conn:
        listed = await _listed(conn, base, replace(query, postcode=None), page, per_page)
    contents = [listed.service(r, base, full=query.full) for r in listed.records]
    return domain.page_out(contents, listed.total, page, per_page)


async def _full_service(
    conn: asyncpg.Connection, record: OfferRecord, territory: Territory, base: str
) -> dict[str, Any]:
    orgs = await _organizations(conn, [record], territory.city, base)
    return domain.service_full(record, territory, orgs[record.offer.data.provider_actor_id], base)


async def service(pool: asyncpg.Pool, base: str, service_id: str) -> dict[str, Any] | None:
    offer_id = domain.parse_uuid(service_id)
    if offer_id is None:
        return None
    async with pool.acquire() as conn:
        record = await db.load_service(conn, offer_id)
        if record is None:
            return None
        return await _full_service(conn, record, await _territory(conn), base)


async def service_at_locations(
    pool: asyncpg.Pool, base: str, query: ServiceQuery, *, page: int, per_page: int
) -> dict[str, Any]:
    async with pool.acquire() as conn:
        listed = await _listed(conn, base, query, page, per_page)
    contents = []
    for r in listed.records:
        nested = listed.service(r, base, full=query.full)
        if query.full:
            nested.pop("service_at_locations", None)
        contents.append(domain.service_at_location_out(r, listed.territory, service=nested))
    return domain.page_out(contents, listed.total, page, per_page)


async def service_at_location(pool: asyncpg.Pool, base: str, sal_id: str) -> dict[str, Any] | None:
    """``service_at_location/<offer id>`` ids are uuid5, so the offer is found through the id's key."""
    wanted = domain.parse_uuid(sal_id)
    if wanted is None:
        return None
    async with pool.acquire() as conn:
        territory = await _territory(conn)
        record = await _record_of_service_at_location(conn, wanted)
        if record is None:
            return None
        nested = await _full_service(conn, record, territory, base)
    nested.pop("service_at_locations", None)
    out = domain.service_at_location_out(record, territory, service=nested)
    out["schedules"] = nested["schedules"]
    out["contacts"] = nested["contacts"]
    out["phones"] = nested["phones"]
    return out


async def _record_of_service_at_location(conn: asyncpg.Connection, wanted: uuid.UUID) -> OfferRecord | None:
    # One service_at_location per offer; the id cannot be inverted, so compare against the offers' ids.
    for offer_id in await db.offer_ids(conn):
        if domain.service_at_location_id_of_id(offer_id) == wanted:
            return await db.load_service(conn, offer_id)
    return None


async def organizations(
    pool: asyncpg.Pool,
    base: str,
    *,
    page: int,
    per_page: int,
    search: str | None = None,
    full: bool = False,
    full_service: bool = False,
) -> dict[str, Any]:
    """``full_service`` is HSDS's name for ``full`` here: organizations with their services."""
    full = full or full_service
    async with pool.acquire() as conn:
        territory = await _territory(conn)
        limit, offset = _page_args(page, per_page)
        ids, total = await db.list_providers(
            conn, search=search, placeholder=domain.PLACEHOLDER_ORGANIZATION, limit=limit, offset=offset
        )
        known = await db.actors(conn, ids)
        if full:
            contents = [
                domain.organization_full(i, known.get(i), await db.services_of(conn, i), territory, base) for i in ids
            ]
        else:
            contents = [domain.organization_basic(i, known.get(i), territory.city, base) for i in ids]
    return domain.page_out(contents, total, page, per_page)


async def organization(pool: asyncpg.Pool, base: str, organization_id: str) -> dict[str, Any] | None:
    provider_id = domain.parse_uuid(organization_id)
    if provider_id is None:
        return None
    async with pool.acquire() as conn:
        known: dict[uuid.UUID, Actor] = await db.actors(conn, [provider_id])
        records = await db.services_of(conn, provider_id)
        if not records and provider_id not in known:
            return None
        territory = await _territory(conn)
    return domain.organization_full(provider_id, known.get(provider_id), records, territory, base)


def taxonomies(base: str, *, page: int, per_page: int, search: str | None = None) -> dict[str, Any]:
    items = [
        t for t in domain.TAXONOMIES if not search or search.strip().lower() in (t.name + " " + t.description).lower()
    ]
    return _page_of(items, page, per_page, lambda t: domain.taxonomy_out(t, base))


def taxonomy(base: str, taxonomy_id: str) -> dict[str, Any] | None:
    parsed = domain.parse_uuid(taxonomy_id)
    found = domain.TAXONOMY_BY_ID.get(parsed) if parsed else None
    return domain.taxonomy_out(found, base) if found else None


async def taxonomy_terms(
    pool: asyncpg.Pool,
    base: str,
    *,
    page: int,
    per_page: int,
    search: str | None = None,
    taxonomy_id: str | None = None,
    parent_id: str | None = None,
) -> dict[str, Any]:
    # The local taxonomies are flat: every term is a top term, none has a parent.
    if parent_id:
        return domain.page_out([], 0, page, per_page)
    async with pool.acquire() as conn:
        terms = await _catalogue(conn, await _territory(conn))
    if taxonomy_id:
        parsed = domain.parse_uuid(taxonomy_id.strip())
        terms = [t for t in terms if parsed is not None and t.taxonomy.id == parsed]
    if search and search.strip():
        needle = search.strip().lower()
        terms = [t for t in terms if needle in t.name.lower()]
    return _page_of(terms, page, per_page, lambda t: domain.term_out(t, base))


async def taxonomy_term(pool: asyncpg.Pool, base: str, term_id: str) -> dict[str, Any] | None:
    parsed = domain.parse_uuid(term_id)
    if parsed is None:
        return None
    async with pool.acquire() as conn:
        terms = await _catalogue(conn, await _territory(conn))
    found = next((t for t in terms if t.id == parsed), None)
    return domain.term_out(found, base) if found else None
