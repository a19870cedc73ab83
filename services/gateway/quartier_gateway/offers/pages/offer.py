"""One offer for staff (``/angebote/{id}``) with its suspected duplicates."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from quartier_gateway.auth.domain import Principal
from quartier_gateway.offers.pages.shared import _actors, _helpers, _notice
from quartier_gateway.offers.rules import can_change_offer
from quartier_gateway.web.dependencies import Staff
from quartier_gateway.web.errors import uuid_or_404
from quartier_gateway.web.state import gateway_of
from quartier_gateway.web.templates import render

router = APIRouter(include_in_schema=False)


async def _detail_page(
    request: Request, principal: Principal, offer_id: str, *, withdraw_error: str | None = None, reason: str = ""
) -> Response:
    client = gateway_of(request).registry.offers
    found = await client.offer(offer_id)
    offer = found["offer"]
    areas = await gateway_of(request).registry.social_areas()
    candidates = [
        {**c, "may_keep_other": can_change_offer(principal, offer.get("social_area_key"))}
        for c in found["duplicate_candidates"]
    ]
    may_change = can_change_offer(principal, offer.get("social_area_key")) and offer.get("status") != "withdrawn"
    context = {
        "title": offer.get("title", "Angebot"),
        "offer": offer,
        "candidates": candidates,
        "may_change": may_change,
        "may_dismiss": lambda c: may_change or can_change_offer(principal, c.get("social_area_key")),
        "may_keep_this": lambda c: can_change_offer(principal, c.get("social_area_key")),
        "notice": _notice(request),
        "withdraw_error": withdraw_error,
        "reason": reason,
        **_helpers(gateway_of(request).settings.city_name, areas, await _actors(client)),
    }
    return render(request, "offers/detail.html", context, status_code=422 if withdraw_error else 200)


@router.get("/angebote/{offer_id}", response_class=HTMLResponse)
async def offer_detail(request: Request, principal: Staff, offer_id: str) -> Response:
    return await _detail_page(request, principal, uuid_or_404(offer_id))
