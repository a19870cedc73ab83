"""The staff list of offers (``/angebote``) with filters; offers due for review are marked."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from quartier_gateway.offers.pages.shared import (
    CHOICES_LIMIT,
    STAFF_PAGE_SIZE,
    _actors,
    _filters,
    _helpers,
    _notice,
    _page_number,
    _query,
)
from quartier_gateway.offers.rules import can_create_offers
from quartier_gateway.web.dependencies import Registry, Settings, Staff
from quartier_gateway.web.templates import render

router = APIRouter(include_in_schema=False)


@router.get("/angebote", response_class=HTMLResponse)
async def offer_list(request: Request, principal: Staff, registry: Registry, settings: Settings) -> Response:
    client = registry.offers
    filters = _filters(request, ("sozialraum", "handlungsfeld", "zielgruppe"))
    due_only = request.query_params.get("faellig") == "1"
    page = _page_number(request)
    areas = await registry.social_areas()
    vocab = await client.vocabularies()
    if due_only:
        # the review list knows only the area filter; the others are applied here
        result = await client.list_offers(
            social_area_key=filters["sozialraum"] or None, review_due_only=True, limit=CHOICES_LIMIT
        )
        items = [
            o
            for o in result["items"]
            if (not filters["handlungsfeld"] or o.get("field_of_action") == filters["handlungsfeld"])
            and (
                not filters["zielgruppe"]
                or any(filters["zielgruppe"].lower() in g.lower() for g in o.get("target_groups") or [])
            )
        ]
        total, has_next = len(items), False
    else:
        result = await client.list_offers(
            social_area_key=filters["sozialraum"] or None,
            field_of_action=filters["handlungsfeld"] or None,
            target_group=filters["zielgruppe"] or None,
            limit=STAFF_PAGE_SIZE,
            offset=(page - 1) * STAFF_PAGE_SIZE,
        )
        items, total = result["items"], int(result["total"])
        has_next = page * STAFF_PAGE_SIZE < total
    due = await client.list_offers(social_area_key=filters["sozialraum"] or None, review_due_only=True, limit=1)
    context = {
        "title": "Angebote",
        "offers": items,
        "total": total,
        "filters": filters,
        "due_only": due_only,
        "due_total": int(due["total"]),
        "fields_of_action": vocab.get("fields_of_action", []),
        "page": page,
        "prev_query": _query(filters, faellig="1" if due_only else "", seite=page - 1) if page > 1 else None,
        "next_query": _query(filters, seite=page + 1) if has_next else None,
        "can_create": can_create_offers(principal),
        "notice": _notice(request),
        **_helpers(settings.city_name, areas, await _actors(client)),
    }
    return render(request, "offers/list.html", context)
