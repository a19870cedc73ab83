"""The offer search for residents (``/oeffentlich/angebote``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from quartier_gateway.offers.pages.shared import (
    CHOICES_LIMIT,
    PUBLIC_PAGE_SIZE,
    _actors,
    _filters,
    _helpers,
    _page_number,
    _query,
)
from quartier_gateway.web.dependencies import Registry, Settings
from quartier_gateway.web.templates import render

public_router = APIRouter(include_in_schema=False)


def _distinct(items: list[dict[str, Any]], key: str) -> list[str]:
    seen: dict[str, str] = {}
    for item in items:
        for value in item.get(key) or []:
            seen.setdefault(str(value).casefold(), str(value))
    return sorted(seen.values(), key=str.casefold)


@public_router.get("/oeffentlich/angebote", response_class=HTMLResponse)
async def public_offer_search(request: Request, registry: Registry, settings: Settings) -> Response:
    client = registry.offers
    filters = _filters(request, ("sozialraum", "handlungsfeld", "zielgruppe", "sprache"))
    page = _page_number(request)
    areas = await registry.social_areas()
    vocab = await client.vocabularies()
    everything = await client.list_offers(limit=CHOICES_LIMIT)
    result = await client.list_offers(
        social_area_key=filters["sozialraum"] or None,
        field_of_action=filters["handlungsfeld"] or None,
        target_group=filters["zielgruppe"] or None,
        language=filters["sprache"] or None,
        limit=PUBLIC_PAGE_SIZE,
        offset=(page - 1) * PUBLIC_PAGE_SIZE,
    )
    total = int(result["total"])
    target_groups = _distinct(everything["items"], "target_groups")
    languages = _distinct(everything["items"], "languages")
    for name, options in (("zielgruppe", target_groups), ("sprache", languages)):
        if filters[name] and filters[name] not in options:
            options.append(filters[name])
    city = settings.city_name
    area_name = next((a.name for a in areas if a.key == filters["sozialraum"]), None)
    context = {
        "title": f"Angebote in {area_name}" if area_name else f"Angebote in {city}",
        "offers": result["items"],
        "total": total,
        "filters": filters,
        "searched": any(filters.values()),
        "fields_of_action": vocab.get("fields_of_action", []),
        "target_groups": target_groups,
        "languages": languages,
        "page": page,
        "first_number": (page - 1) * PUBLIC_PAGE_SIZE + 1,
        "prev_query": _query(filters, seite=page - 1) if page > 1 else None,
        "next_query": _query(filters, seite=page + 1) if page * PUBLIC_PAGE_SIZE < total else None,
        **_helpers(city, areas, await _actors(client)),
    }
    return render(request, "offers/public_search.html", context)
