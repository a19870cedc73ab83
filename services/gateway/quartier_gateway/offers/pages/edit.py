"""A new offer, a changed one, its confirmation (still current) and its withdrawal. The registry checks
for duplicates at the moment of entry; its refusals are shown at their field."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from quartier_gateway.auth.domain import Principal, Role
from quartier_gateway.clients.base import NotFound, Refused
from quartier_gateway.offers.pages.offer import _detail_page
from quartier_gateway.offers.pages.shared import _actors, _helpers, _str, form_values
from quartier_gateway.offers.rules import (
    FREQUENCIES,
    GENERAL,
    ORDINALS,
    SCOPE_MESSAGE,
    WEEKDAYS,
    can_change_offer,
    can_create_offers,
    error_link,
    field_id,
    offer_body,
    social_area_of_place,
    values_of_offer,
)
from quartier_gateway.web.dependencies import Registry, Staff
from quartier_gateway.web.errors import Forbidden, error_response, uuid_or_404
from quartier_gateway.web.state import gateway_of
from quartier_gateway.web.templates import render

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


def empty_values(principal: Principal) -> dict[str, Any]:
    values = form_values(FormData())
    values.update(ort_art="community_centre", ort_sozialraum=principal.social_area_key or "", rollstuhl="unbekannt")
    values["extra_termine"] = 0
    return values


async def _form_page(
    request: Request,
    principal: Principal,
    values: dict[str, Any],
    *,
    offer: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    client = gateway_of(request).registry.offers
    areas = await gateway_of(request).registry.social_areas()
    vocab = await client.vocabularies()
    actors = await _actors(client)
    choices = sorted(
        (a for a in actors or [] if not a.get("withdrawn")), key=lambda a: str(a.get("name", "")).casefold()
    )
    known = {str(a["id"]) for a in choices}
    errors = errors or {}
    summary = [(error_link(fid), msg) for fid, msg in errors.items() if fid != GENERAL]
    context = {
        "title": f"Angebot bearbeiten: {offer['title']}" if offer else "Neues Angebot",
        "offer": offer,
        "values": values,
        "errors": errors,
        "summary": summary,
        "general_error": errors.get(GENERAL),
        "fields_of_action": vocab.get("fields_of_action", []),
        "themes": vocab.get("cross_cutting_themes", []),
        "weekdays": WEEKDAYS,
        "ordinals": ORDINALS,
        "frequencies": FREQUENCIES,
        "actor_choices": choices if actors else None,
        "provider_unknown": bool(values.get("traeger")) and values.get("traeger") not in known,
        "action": f"/angebote/{offer['id']}/bearbeiten" if offer else "/angebote/neu",
        "own_area": principal.social_area_key,
        **_helpers(gateway_of(request).settings.city_name, areas, actors),
    }
    return render(request, "offers/form.html", context, status_code=status_code)


def _creator(principal: Staff) -> Principal:
    if not can_create_offers(principal):
        raise Forbidden()
    return principal


Creator = Annotated[Principal, Depends(_creator)]


@router.get("/angebote/neu", response_class=HTMLResponse)
async def new_offer_form(request: Request, principal: Creator) -> Response:
    return await _form_page(request, principal, empty_values(principal))


async def _save(request: Request, principal: Principal, offer: dict[str, Any] | None) -> Response:
    form = await request.form()
    values = form_values(form)
    values["extra_termine"] = 0
    areas = await gateway_of(request).registry.social_areas()
    target_area = social_area_of_place(values, areas)
    if principal.role is Role.AREA_COORDINATOR and target_area is not None and target_area != principal.social_area_key:
        name = next((a.name for a in areas if a.key == principal.social_area_key), principal.social_area_key)
        place_field = "ort_sozialraum" if values["ort_art"] == "community_centre" else "ort_wohnbereich"
        errors = {place_field: SCOPE_MESSAGE.format(area=name)}
        return await _form_page(request, principal, values, offer=offer, errors=errors, status_code=403)
    body = offer_body(values)
    if offer is not None:
        # a second and further dates are not in the simple form: they are kept as they are
        body["schedule"]["recurrences"] += ((offer.get("schedule") or {}).get("recurrences") or [])[1:]
    client = gateway_of(request).registry.offers
    try:
        if offer is None:
            saved = await client.create_offer(body, principal.username)
        else:
            saved = await client.change_offer(str(offer["id"]), body, principal.username)
    except NotFound:
        raise
    except Refused as exc:
        if exc.field is not None:
            errors = {field_id(exc.field): exc.message}
            return await _form_page(request, principal, values, offer=offer, errors=errors, status_code=422)
        errors = {GENERAL: exc.detail}
        return await _form_page(request, principal, values, offer=offer, errors=errors, status_code=exc.status_code)
    new = saved["offer"]
    log.info(
        "offer saved",
        extra={"offer_id": new.get("id"), "by": principal.username, "candidates": len(saved["duplicate_candidates"])},
    )
    notice = "neu" if offer is None else "geaendert"
    return RedirectResponse(f"/angebote/{new['id']}?erledigt={notice}", status_code=303)


@router.post("/angebote/neu", response_class=HTMLResponse)
async def create_offer(request: Request, principal: Creator) -> Response:
    return await _save(request, principal, None)


async def _changeable(request: Request, principal: Principal, offer_id: str) -> tuple[Principal, dict[str, Any]]:
    offer = (await gateway_of(request).registry.offers.offer(uuid_or_404(offer_id)))["offer"]
    if not can_change_offer(principal, offer.get("social_area_key")):
        raise Forbidden()
    return principal, offer


@router.get("/angebote/{offer_id}/bearbeiten", response_class=HTMLResponse)
async def edit_offer_form(request: Request, principal: Staff, offer_id: str) -> Response:
    principal, offer = await _changeable(request, principal, offer_id)
    if offer.get("status") == "withdrawn":
        return error_response(request, 409, "Das Angebot ist zurückgezogen und kann nicht mehr geändert werden.")
    return await _form_page(request, principal, values_of_offer(offer), offer=offer)


@router.post("/angebote/{offer_id}/bearbeiten", response_class=HTMLResponse)
async def change_offer(request: Request, principal: Staff, offer_id: str) -> Response:
    principal, offer = await _changeable(request, principal, offer_id)
    return await _save(request, principal, offer)


@router.post("/angebote/{offer_id}/bestaetigen")
async def confirm_offer(request: Request, principal: Staff, registry: Registry, offer_id: str) -> Response:
    principal, offer = await _changeable(request, principal, offer_id)
    await registry.offers.confirm_offer(str(offer["id"]), principal.username)
    return RedirectResponse(f"/angebote/{offer['id']}?erledigt=bestaetigt", status_code=303)


@router.post("/angebote/{offer_id}/zurueckziehen", response_class=HTMLResponse)
async def withdraw_offer(request: Request, principal: Staff, registry: Registry, offer_id: str) -> Response:
    principal, offer = await _changeable(request, principal, offer_id)
    form = await request.form()
    reason = " ".join(_str(form, "grund").split())
    error: str | None = None
    if not reason:
        error = "Bitte geben Sie einen Grund für das Zurückziehen an."
    else:
        try:
            await registry.offers.withdraw_offer(str(offer["id"]), reason, principal.username)
        except Refused as exc:
            if exc.status_code == 404:
                raise
            error = exc.detail
    if error is not None:
        return await _detail_page(request, principal, str(offer["id"]), withdraw_error=error, reason=reason)
    return RedirectResponse(f"/angebote/{offer['id']}?erledigt=zurueckgezogen", status_code=303)
