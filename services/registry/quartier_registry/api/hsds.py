"""Open Referral HSDS 3.0 export of the offer directory (Angebote), read-only.

The endpoints of the HSDS API (``openapi.json`` of the standard) under ``/hsds``: ``/`` (API info),
``/services`` and ``/services/{id}``, ``/organizations`` (+ ``/{id}``), ``/service_at_locations``
(+ ``/{id}``), ``/taxonomies`` (+ ``/{id}``) and ``/taxonomy_terms`` (+ ``/{id}``). Lists are HSDS
``Page`` objects (``page`` from 1, ``per_page`` up to 500). The public address comes from the gateway
in ``X-Quartier-Public-Base``; every URL in the output is built from it (without the header: the
registry's own address).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse

from quartier_registry.domain.hsds import api_info as info
from quartier_registry.service import hsds as service
from quartier_registry.service.hsds import ServiceQuery
from quartier_shared.errors import NotFound
from quartier_shared.http import PROBLEM_RESPONSES, Pool

router = APIRouter(prefix="/hsds", tags=["HSDS 3.0"], include_in_schema=False, responses=PROBLEM_RESPONSES)

PUBLIC_BASE_HEADER = "X-Quartier-Public-Base"
MAX_PER_PAGE = 500
DEFAULT_PER_PAGE = 50

Page = Annotated[int, Query(ge=1, description="Seite, ab 1")]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Einträge je Seite")]


def _public_base(
    request: Request, x_quartier_public_base: Annotated[str | None, Header(alias=PUBLIC_BASE_HEADER)] = None
) -> str:
    header = x_quartier_public_base
    if header and header.strip().startswith(("http://", "https://")):
        return header.strip().rstrip("/")
    return str(request.base_url).rstrip("/")


def _service_query(
    search: str | None = None,
    taxonomy_term_id: str | None = None,
    taxonomy_id: str | None = None,
    organization_id: str | None = None,
    modified_after: str | None = None,
    full: bool = False,
) -> ServiceQuery:
    return ServiceQuery(search, taxonomy_term_id, taxonomy_id, organization_id, modified_after, full)


Base = Annotated[str, Depends(_public_base)]
Services = Annotated[ServiceQuery, Depends(_service_query)]


def _json(content: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(content, status_code=status_code)


def _found(out: dict[str, Any] | None, what: str) -> JSONResponse:
    if out is None:
        raise NotFound("", f"{what} nicht gefunden.")
    return _json(out)


@router.get("/", summary="Über diese HSDS-Schnittstelle")
async def api_info(base: Base) -> JSONResponse:
    return _json(info(base))


@router.get("/services", summary="Angebote als HSDS-Services (seitenweise)")
async def list_services(
    pool: Pool, base: Base, query: Services, page: Page = 1, per_page: PerPage = DEFAULT_PER_PAGE
) -> JSONResponse:
    return _json(await service.services(pool, base, query, page=page, per_page=per_page))


@router.get("/services/{service_id}", summary="Ein Angebot als vollständiger HSDS-Service")
async def get_service(service_id: str, pool: Pool, base: Base) -> JSONResponse:
    return _found(await service.service(pool, base, service_id), "Service")


@router.get("/service_at_locations", summary="Angebote an ihren Orten (seitenweise)")
async def list_service_at_locations(
    pool: Pool,
    base: Base,
    query: Services,
    postcode: str | None = None,
    page: Page = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
) -> JSONResponse:
    out = await service.service_at_locations(
        pool, base, replace(query, postcode=postcode), page=page, per_page=per_page
    )
    return _json(out)


@router.get("/service_at_locations/{sal_id}", summary="Ein Angebot an seinem Ort, vollständig")
async def get_service_at_location(sal_id: str, pool: Pool, base: Base) -> JSONResponse:
    return _found(await service.service_at_location(pool, base, sal_id), "Service at location")


@router.get("/organizations", summary="Träger der Angebote (seitenweise)")
async def list_organizations(
    pool: Pool,
    base: Base,
    search: str | None = None,
    full: bool = False,
    full_service: bool = False,
    page: Page = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
) -> JSONResponse:
    out = await service.organizations(
        pool, base, page=page, per_page=per_page, search=search, full=full, full_service=full_service
    )
    return _json(out)


@router.get("/organizations/{organization_id}", summary="Ein Träger mit seinen Angeboten")
async def get_organization(organization_id: str, pool: Pool, base: Base) -> JSONResponse:
    return _found(await service.organization(pool, base, organization_id), "Organisation")


@router.get("/taxonomies", summary="Die Taxonomien: Handlungsfelder, Querschnittsthemen, Zielgruppen")
async def list_taxonomies(
    base: Base, search: str | None = None, page: Page = 1, per_page: PerPage = DEFAULT_PER_PAGE
) -> JSONResponse:
    return _json(service.taxonomies(base, page=page, per_page=per_page, search=search))


@router.get("/taxonomies/{taxonomy_id}", summary="Eine Taxonomie")
async def get_taxonomy(taxonomy_id: str, base: Base) -> JSONResponse:
    return _found(service.taxonomy(base, taxonomy_id), "Taxonomie")


@router.get("/taxonomy_terms", summary="Die Begriffe der Taxonomien (seitenweise)")
async def list_taxonomy_terms(
    pool: Pool,
    base: Base,
    search: str | None = None,
    taxonomy_id: str | None = None,
    top_only: bool = False,
    parent_id: str | None = None,
    page: Page = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
) -> JSONResponse:
    out = await service.taxonomy_terms(
        pool, base, page=page, per_page=per_page, search=search, taxonomy_id=taxonomy_id, parent_id=parent_id
    )
    return _json(out)


@router.get("/taxonomy_terms/{term_id}", summary="Ein Begriff")
async def get_taxonomy_term(term_id: str, pool: Pool, base: Base) -> JSONResponse:
    return _found(await service.taxonomy_term(pool, base, term_id), "Begriff")
