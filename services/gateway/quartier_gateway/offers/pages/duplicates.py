"""The suspected duplicates (``/angebote/duplikate``): dismiss a pair or merge it, keeping one offer."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from quartier_gateway.auth.domain import Principal
from quartier_gateway.clients.base import Rejected
from quartier_gateway.offers.pages.shared import (
    PAIR_GONE,
    STAFF_PAGE_SIZE,
    _actors,
    _filters,
    _helpers,
    _notice,
    _page_number,
    _query,
    _str,
)
from quartier_gateway.offers.rules import can_change_offer
from quartier_gateway.web.dependencies import Registry, Settings, Staff
from quartier_gateway.web.errors import Forbidden, error_response, uuid_or_404
from quartier_gateway.web.state import gateway_of
from quartier_gateway.web.templates import render

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


@router.get("/angebote/duplikate", response_class=HTMLResponse)
async def duplicate_list(request: Request, principal: Staff, registry: Registry, settings: Settings) -> Response:
    client = registry.offers
    filters = _filters(request, ("sozialraum",))
    page = _page_number(request)
    result = await client.duplicates(
        social_area_key=filters["sozialraum"] or None, limit=STAFF_PAGE_SIZE, offset=(page - 1) * STAFF_PAGE_SIZE
    )
    areas = await registry.social_areas()
    pairs = []
    for pair in result["items"]:
        offers = pair.get("offers") or []
        if len(offers) != 2:
            continue
        a, b = offers
        pairs.append(
            {
                **pair,
                "may_dismiss": can_change_offer(principal, a.get("social_area_key"))
                or can_change_offer(principal, b.get("social_area_key")),
                "may_keep": {
                    str(a["id"]): can_change_offer(principal, b.get("social_area_key")),
                    str(b["id"]): can_change_offer(principal, a.get("social_area_key")),
                },
            }
        )
    total = int(result["total"])
    context = {
        "title": "Mögliche Duplikate",
        "pairs": pairs,
        "total": total,
        "filters": filters,
        "page": page,
        "prev_query": _query(filters, seite=page - 1) if page > 1 else None,
        "next_query": _query(filters, seite=page + 1) if page * STAFF_PAGE_SIZE < total else None,
        "notice": _notice(request),
        **_helpers(settings.city_name, areas, await _actors(client)),
    }
    return render(request, "offers/duplicates.html", context)


async def _pair_context(
    request: Request, principal: Principal, pair_id: str, offer_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The offer the action came from and its open candidate with this pair id (or an error page)."""
    found = await gateway_of(request).registry.offers.offer(offer_id)
    candidate = next((c for c in found["duplicate_candidates"] if str(c.get("pair_id")) == pair_id), None)
    if candidate is None:
        raise Rejected(409, PAIR_GONE)
    return found["offer"], candidate


def _back(form: FormData, offer_id: str) -> str:
    target = _str(form, "zurueck")
    return "/angebote/duplikate" if target == "duplikate" else f"/angebote/{offer_id}"


@router.post("/angebote/duplikate/{pair_id}/kein-duplikat")
async def dismiss_duplicate(request: Request, principal: Staff, registry: Registry, pair_id: str) -> Response:
    pair_id = uuid_or_404(pair_id)
    form = await request.form()
    offer_id = uuid_or_404(_str(form, "angebot"))
    offer, candidate = await _pair_context(request, principal, pair_id, offer_id)
    if not (
        can_change_offer(principal, offer.get("social_area_key"))
        or can_change_offer(principal, candidate.get("social_area_key"))
    ):
        raise Forbidden()
    await registry.offers.dismiss_duplicate(pair_id, principal.username)
    log.info("duplicate dismissed", extra={"pair_id": pair_id, "by": principal.username})
    return RedirectResponse(f"{_back(form, offer_id)}?erledigt=kein-duplikat", status_code=303)


@router.post("/angebote/duplikate/{pair_id}/zusammenfuehren")
async def merge_duplicate(request: Request, principal: Staff, registry: Registry, pair_id: str) -> Response:
    pair_id = uuid_or_404(pair_id)
    form = await request.form()
    offer_id = uuid_or_404(_str(form, "angebot"))
    offer, candidate = await _pair_context(request, principal, pair_id, offer_id)
    keep = _str(form, "behalten")
    areas = {
        str(offer["id"]): offer.get("social_area_key"),
        str(candidate["offer_id"]): candidate.get("social_area_key"),
    }
    if keep not in areas:
        return error_response(request, 422, "Bitte wählen Sie, welches Angebot bestehen bleibt.")
    dropped = next(k for k in areas if k != keep)
    if not can_change_offer(principal, areas[dropped]):
        raise Forbidden()
    await registry.offers.merge_duplicate(pair_id, keep, principal.username)
    log.info("duplicates merged", extra={"pair_id": pair_id, "kept": keep, "by": principal.username})
    target = "/angebote/duplikate" if _str(form, "zurueck") == "duplikate" else f"/angebote/{keep}"
    return RedirectResponse(f"{target}?erledigt=zusammengefuehrt", status_code=303)
