"""Open Referral HSDS 3.0 export of the offer directory (Angebote), read-only.

The endpoints of the HSDS API (``openapi.json`` of the standard) under ``/hsds``: ``/`` (API info),
``/services`` and ``/services/{id}``, ``/organizations`` (+ ``/{id}``), ``/service_at_locations``
(+ ``/{id}``), ``/taxonomies`` (+ ``/{id}``) and ``/taxonomy_terms`` (+ ``/{id}``). Lists are HSDS
``Page`` objects (``page`` from 1, ``per_page`` up to 500). The public address comes from the gateway
in ``X-Quartier-Public-Base``; every URL in the output is built from it (without the header: the
registry's own address).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse

from quartier_registry.service import hsds as service
from quartier_registry.service.hsds import HsdsQueryError
from quartier_shared.runtime import ServiceContext

router = APIRouter(prefix="/hsds", tags=["HSDS 3.0"], include_in_schema=False)

PUBLIC_BASE_HEADER = "X-Quartier-Public-Base"
MAX_PER_PAGE = 500
DEFAULT_PER_PAGE = 50

Page = Annotated[int, Query(ge=1, description="Seite, ab 1")]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Einträge je Seite")]
PublicBase = Annotated[str | None, Header(alias=PUBLIC_BASE_HEADER)]


def _ctx(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.ctx
    return ctx


def _base(request: Request, header: str | None) -> str:
    if header and header.strip().startswith(("http://", "https://")):
        return header.strip().rstrip("/")
    return str(request.base_url).rstrip("/")


def _json(content: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(content, status_code=status_code)


def _not_found(what: str) -> JSONResponse:
    return _json({"detail": f"{what} nicht gefunden."}, 404)


def _bad_query(exc: HsdsQueryError) -> JSONResponse:
    return _json({"detail": {"field": exc.parameter, "message": exc.message}}, 422)


@router.get("/", summary="Über diese HSDS-Schnittstelle")
async def api_info(request: Request, x_quartier_public_base: PublicBase = None) -> JSONResponse:
    return _json(service.domain.api_info(_base(request, x_quartier_public_base)))


@router.get("/services", summary="Angebote als HSDS-Services (seitenweise)")
async def list_services(
    request: Request,
    x_quartier_public_base: PublicBase = None,
    search: str | None = None,
    taxonomy_term_id: str | None = None,
    taxonomy_id: str | None = None,
    organization_id: str | None = None,
    modified_after: str | None = None,
    full: bool = False,
    page: Page = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
) -> JSONResponse:
    try:
        out = await service.services(
            _ctx(request).pool,
            _base(request, x_quartier_public_base),
            page=page,
            per_page=per_page,
            full=full,
            search=search,
            taxonomy_term_id=taxonomy_term_id,
            taxonomy_id=taxonomy_id,
            organization_id=organization_id,
            modified_after=modified_after,
        )
    except HsdsQueryError as exc:
        return _bad_query(exc)
    return _json(out)


@router.get("/services/{service_id}", summary="Ein Angebot als vollständiger HSDS-Service")
async def get_service(service_id: str, request: Request, x_quartier_public_base: PublicBase = None) -> JSONResponse:
    out = await service.service(_ctx(request).pool, _base(request, x_quartier_public_base), service_id)
    return _json(out) if out is not None else _not_found("Service")


@router.get("/service_at_locations", summary="Angebote an ihren Orten (seitenweise)")
async def list_service_at_locations(
    request: Request,
    x_quartier_public_base: PublicBase = None,
    search: str | None = None,
    taxonomy_term_id: str | None = None,
    taxonomy_id: str | None = None,
    organization_id: str | None = None,
    modified_after: str | None = None,
    postcode: str | None = None,
    full: bool = False,
    page: Page = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
) -> JSONResponse:
    try:
        out = await service.service_at_locations(
            _ctx(request).pool,
            _base(request, x_quartier_public_base),
            page=page,
            per_page=per_page,
            full=full,
            search=search,
            taxonomy_term_id=taxonomy_term_id,
            taxonomy_id=taxonomy_id,
            organization_id=organization_id,
            modified_after=modified_after,
            postcode=postcode,
        )
    except HsdsQueryError as exc:
        return _bad_query(exc)
    return _json(out)


@router.get("/service_at_locations/{sal_id}", summary="Ein Angebot an seinem Ort, vollständig")
async def get_service_at_location(
    sal_id: str, request: Request, x_quartier_public_base: PublicBase = None
) -> JSONResponse:
    out = await service.service_at_location(_ctx(request).pool, _base(request, x_quartier_public_base), sal_id)
    return _json(out) if out is not None else _not_found("Service at location")


@router.get("/organizations", summary="Träger der Angebote (seitenweise)")
async def list_organizations(
    request: Request,
    x_quartier_public_base: PublicBase = None,
    search: str | None = None,
    full: bool = False,
    full_service: bool = False,
    page: Page = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
) -> JSONResponse:
    out = await service.organizations(
        _ctx(request).pool,
        _base(request, x_quartier_public_base),
        page=page,
        per_page=per_page,
        search=search,
        full=full or full_service,
    )
    return _json(out)


@router.get("/organizations/{organization_id}", summary="Ein Träger mit seinen Angeboten")
async def get_organization(
    organization_id: str, request: Request, x_quartier_public_base: PublicBase = None
) -> JSONResponse:
    out = await service.organization(_ctx(request).pool, _base(request, x_quartier_public_base), organization_id)
    return _json(out) if out is not None else _not_found("Organisation")


@router.get("/taxonomies", summary="Die Taxonomien: Handlungsfelder, Querschnittsthemen, Zielgruppen")
async def list_taxonomies(
    request: Request,
    x_quartier_public_base: PublicBase = None,
    search: str | None = None,
    page: Page = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
) -> JSONResponse:
    out = service.taxonomies(_base(request, x_quartier_public_base), page=page, per_page=per_page, search=search)
    return _json(out)


@router.get("/taxonomies/{taxonomy_id}", summary="Eine Taxonomie")
async def get_taxonomy(taxonomy_id: str, request: Request, x_quartier_public_base: PublicBase = None) -> JSONResponse:
    out = service.taxonomy(_base(request, x_quartier_public_base), taxonomy_id)
    return _json(out) if out is not None else _not_found("Taxonomie")


@router.get("/taxonomy_terms", summary="Die Begriffe der Taxonomien (seitenweise)")
async def list_taxonomy_terms(
    request: Request,
    x_quartier_public_base: PublicBase = None,
    search: str | None = None,
    taxonomy_id: str | None = None,
    top_only: bool = False,
    parent_id: str | None = None,
    page: Page = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
) -> JSONResponse:
    # The local taxonomies are flat: every term is a top term, none has a parent.
    if parent_id:
        return _json(service.domain.page_out([], 0, page, per_page))
    out = await service.taxonomy_terms(
        _ctx(request).pool,
        _base(request, x_quartier_public_base),
        page=page,
        per_page=per_page,
        search=search,
        taxonomy_id=taxonomy_id,
    )
    return _json(out)


@router.get("/taxonomy_terms/{term_id}", summary="Ein Begriff")
async def get_taxonomy_term(term_id: str, request: Request, x_quartier_public_base: PublicBase = None) -> JSONResponse:
    out = await service.taxonomy_term(_ctx(request).pool, _base(request, x_quartier_public_base), term_id)
    return _json(out) if out is not None else _not_found("Begriff")
