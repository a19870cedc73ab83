"""The pages of the Sozialräume: the list and one Sozialraum for staff (an administrator renames its
Stadtteilzentrum), and the public pages for residents."""

from __future__ import annotations

import logging
import unicodedata
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quartier_gateway.auth.domain import can_change_territory, is_in_scope
from quartier_gateway.clients.base import NotFound, Refused
from quartier_gateway.clients.registry import SocialArea
from quartier_gateway.meetings.pages import public as meetings_public
from quartier_gateway.reports import pages as reports_pages
from quartier_gateway.social_data.pages import social_data_panel
from quartier_gateway.web.dependencies import Admin, Registry, Settings, Staff
from quartier_gateway.web.state import principal_of
from quartier_gateway.web.templates import render

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

CENTRE_NAME_MAX = 120
SAVED_MESSAGES = {"stadtteilzentrum": "Der neue Name des Stadtteilzentrums ist gespeichert."}


# --- staff pages ----------------------------------------------------------------------------------------


@router.get("/sozialraeume", response_class=HTMLResponse)
async def social_areas(request: Request, principal: Staff, registry: Registry) -> Response:
    areas = await registry.social_areas()
    in_scope = {a.key for a in areas if is_in_scope(principal, a.key, [d.key for d in a.districts])}
    return render(
        request,
        "social_areas.html",
        {
            "title": "Sozialräume",
            "areas": areas,
            "in_scope": in_scope,
            "crossing": [a for a in areas if len(a.districts) > 1],
        },
    )


def _detail_context(request: Request, area: SocialArea, **extra: Any) -> dict[str, Any]:
    principal = principal_of(request)
    context: dict[str, Any] = {
        "title": area.name,
        "area": area,
        "in_scope": is_in_scope(principal, area.key, [d.key for d in area.districts]),
        "can_edit": can_change_territory(principal),
        "centre_value": area.community_centre.name,
        "centre_error": None,
        "centre_saved": None,
        "centre_name_max": CENTRE_NAME_MAX,
    }
    context.update(extra)
    return context


@router.get("/sozialraeume/{key}", response_class=HTMLResponse)
async def social_area(request: Request, _: Staff, registry: Registry, key: str) -> Response:
    area = await registry.social_area(key)
    saved = SAVED_MESSAGES.get(request.query_params.get("gespeichert", ""))
    return render(request, "social_area.html", _detail_context(request, area, centre_saved=saved))


def validate_centre_name(raw: str) -> tuple[str, str | None]:
    """The cleaned name and a German error message, if any."""
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not name:
        return name, "Bitte geben Sie einen Namen für das Stadtteilzentrum ein."
    if len(name) > CENTRE_NAME_MAX:
        return name, f"Der Name darf höchstens {CENTRE_NAME_MAX} Zeichen lang sein."
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        return name, "Der Name enthält Zeichen, die nicht erlaubt sind."
    return name, None


@router.post("/sozialraeume/{key}/stadtteilzentrum", response_class=HTMLResponse)
async def rename_community_centre(request: Request, principal: Admin, registry: Registry, key: str) -> Response:
    htmx = request.headers.get("hx-request") == "true"
    form = await request.form()
    name, error = validate_centre_name(str(form.get("name", "")))
    area: SocialArea | None = None
    status_code = 422
    if error is None:
        try:
            area = await registry.rename_community_centre(key, name, actor=principal.username)
        except NotFound:
            raise
        except Refused as exc:
            error, status_code = exc.detail, exc.status_code
    if area is not None:
        log.info("community centre renamed", extra={"social_area": key, "by": principal.username})
        if htmx:
            return render(
                request,
                "partials/community_centre.html",
                _detail_context(request, area, centre_saved=SAVED_MESSAGES["stadtteilzentrum"]),
            )
        return RedirectResponse(
            f"/sozialraeume/{area.key}?gespeichert=stadtteilzentrum#stadtteilzentrum", status_code=303
        )
    current = await registry.social_area(key)
    context = _detail_context(request, current, centre_value=name, centre_error=error)
    if htmx:  # htmx swaps only successful answers; the error is part of the fragment
        return render(request, "partials/community_centre.html", context)
    return render(request, "social_area.html", context, status_code=status_code)


# --- public pages for residents -------------------------------------------------------------------------


@router.get("/oeffentlich/sozialraeume", response_class=HTMLResponse)
async def public_social_areas(request: Request, registry: Registry, settings: Settings) -> Response:
    areas = await registry.social_areas()
    city = settings.city_name
    return render(request, "public_social_areas.html", {"title": f"Sozialräume in {city}", "areas": areas})


@router.get("/oeffentlich/sozialraeume/{key}", response_class=HTMLResponse)
async def public_social_area(request: Request, registry: Registry, key: str) -> Response:
    area = await registry.social_area(key)
    conference = await meetings_public.next_conference(request, area)
    reporting = await reports_pages.public_area_report(request, area)
    return render(
        request,
        "public_social_area.html",
        {
            "title": area.name,
            "area": area,
            "next_conference": conference,
            "reporting": reporting,
            "social_data": await social_data_panel(request, area.key, public=True),
        },
    )
