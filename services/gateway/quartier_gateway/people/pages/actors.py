"""The actors (Akteur:innen, ``/akteure``): the list, a new actor, one actor with its change and withdrawal."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from quartier_gateway.auth.domain import Principal
from quartier_gateway.clients.base import JSON
from quartier_gateway.clients.registry_people import PeopleCalls
from quartier_gateway.people.pages.shared import (
    ACTOR_FIELDS,
    ACTOR_LABELS,
    _area_names,
    _int_or_none,
    _notice,
    _optional,
    _page,
    _residential_areas,
    _save,
    _staff_who_may,
    _str,
    client_of,
    person_name,
)
from quartier_gateway.people.rules import (
    ACTOR_TYPES,
    can_change_actor,
    can_create_actor,
)
from quartier_gateway.web.dependencies import Registry, Staff
from quartier_gateway.web.errors import Forbidden, uuid_or_404
from quartier_gateway.web.state import gateway_of

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


def actor_values(actor: JSON | None = None) -> dict[str, Any]:
    a = actor or {}
    address = a.get("address") or {}
    return {
        "name": a.get("name") or "",
        "type": a.get("type") or "",
        "social_area_keys": list(a.get("social_area_keys") or []),
        "street": address.get("street") or "",
        "postcode": address.get("postcode") or "",
        "city": address.get("city") or ("Hamm" if actor is None else ""),
        "residential_area_number": str(address.get("residential_area_number") or ""),
        "email": a.get("email") or "",
        "phone": a.get("phone") or "",
    }


def actor_form(form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {k: _str(form, k) for k in ACTOR_LABELS if k != "social_area_keys"}
    values["social_area_keys"] = [str(v) for v in form.getlist("social_area_keys") if isinstance(v, str) and v]
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = "Bitte geben Sie den Namen der Organisation an."
    if values["type"] not in ACTOR_TYPES:
        errors["type"] = "Bitte wählen Sie die Art der Akteur:in."
    address_given = any(values[k] for k in ("street", "postcode", "residential_area_number"))
    if address_given:
        for key, message in (
            ("street", "Bitte geben Sie Straße und Hausnummer an."),
            ("postcode", "Bitte geben Sie die Postleitzahl an."),
            ("city", "Bitte geben Sie den Ort an."),
        ):
            if not values[key]:
                errors[key] = message
    return values, errors


def actor_payload(values: dict[str, Any]) -> JSON:
    address_given = any(values[k] for k in ("street", "postcode", "residential_area_number"))
    return {
        "name": values["name"],
        "type": values["type"],
        "social_area_keys": values["social_area_keys"],
        "address": {
            "street": values["street"],
            "postcode": values["postcode"],
            "city": values["city"],
            "residential_area_number": _int_or_none(values["residential_area_number"]),
        }
        if address_given
        else None,
        "email": _optional(values["email"]),
        "phone": _optional(values["phone"]),
    }


async def _actor_form_context(request: Request, **extra: Any) -> dict[str, Any]:
    areas = await gateway_of(request).registry.social_areas()
    context: dict[str, Any] = {
        "areas": areas,
        "area_names": _area_names(areas),
        "area_options": [(a.key, a.name) for a in areas],
        "residential_areas": _residential_areas(areas),
        "actor_types": ACTOR_TYPES,
        "labels": ACTOR_LABELS,
        "errors": {},
    }
    context.update(extra)
    return context


@router.get("/akteure", response_class=HTMLResponse)
async def actor_list(request: Request, principal: Staff, registry: Registry) -> Response:
    client = client_of(request)
    areas = await registry.social_areas()
    typ = request.query_params.get("typ", "")
    area = request.query_params.get("sozialraum", "")
    show_withdrawn = request.query_params.get("zurueckgezogen") == "1"
    actors = await client.actors()
    shown = [
        a
        for a in actors
        if (not typ or a.get("type") == typ)
        and (not area or area in (a.get("social_area_keys") or []))
        and (show_withdrawn or not a.get("withdrawn"))
    ]
    shown.sort(key=lambda a: str(a.get("name", "")).lower())
    return _page(
        request,
        "people/actors.html",
        {
            "title": "Akteur:innen",
            "actors": shown,
            "total": len(actors),
            "typ": typ if typ in ACTOR_TYPES else "",
            "sozialraum": area,
            "show_withdrawn": show_withdrawn,
            "areas": areas,
            "area_names": _area_names(areas),
            "actor_types": ACTOR_TYPES,
            "all_areas": len(areas),
            "can_create": can_create_actor(principal),
        },
    )


@router.get("/akteure/neu", response_class=HTMLResponse)
async def actor_new(request: Request, principal: Staff) -> Response:
    principal = _staff_who_may(principal, can_create_actor)
    values = actor_values()
    if principal.social_area_key:
        values["social_area_keys"] = [principal.social_area_key]
    return _page(
        request,
        "people/actor_form.html",
        await _actor_form_context(request, title="Neue Akteur:in erfassen", values=values, action="/akteure/neu"),
    )


def _scope_error(principal: Principal, values: dict[str, Any]) -> dict[str, str]:
    if can_change_actor(principal, values["social_area_keys"]):
        return {}
    return {
        "social_area_keys": "Sie können nur Akteur:innen erfassen oder ändern, die in Ihrem eigenen Sozialraum "
        "tätig sind. Bitte wählen Sie ihn mit aus."
    }


@router.post("/akteure/neu", response_class=HTMLResponse)
async def actor_create(request: Request, principal: Staff) -> Response:
    principal = _staff_who_may(principal, can_create_actor)
    values, errors = actor_form(await request.form())
    errors = errors or _scope_error(principal, values)
    if not errors:
        created, refused = await _save(
            client_of(request).create_actor(actor_payload(values), principal.username), ACTOR_FIELDS
        )
        if refused is None:
            log.info("actor registered", extra={"actor_id": created.get("id"), "by": principal.username})
            return RedirectResponse(f"/akteure/{created['id']}?gespeichert=neu", status_code=303)
        errors = refused
    context = await _actor_form_context(
        request, title="Neue Akteur:in erfassen", values=values, action="/akteure/neu", errors=errors
    )
    return _page(request, "people/actor_form.html", context, status_code=422)


async def _actor_page(
    request: Request,
    principal: Principal,
    actor_id: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    client = client_of(request)
    actor = await client.actor(actor_id)
    persons = [p for p in await client.persons() if p.get("actor_id") == actor["id"]]
    can_edit = can_change_actor(principal, actor.get("social_area_keys") or [])
    return await _actor_form_context(
        request,
        title=actor["name"],
        actor=actor,
        type_label=ACTOR_TYPES.get(actor.get("type", ""), actor.get("type_label", "")),
        persons=sorted(persons, key=person_name),
        can_edit=can_edit and not actor.get("withdrawn"),
        values=values or actor_values(actor),
        errors=errors or {},
        action=f"/akteure/{actor['id']}",
        notice=_notice(request),
    )


@router.get("/akteure/{actor_id}", response_class=HTMLResponse)
async def actor_detail(request: Request, principal: Staff, actor_id: str) -> Response:
    context = await _actor_page(request, principal, uuid_or_404(actor_id))
    return _page(request, "people/actor.html", context)


async def _actor_editor(request: Request, principal: Principal, actor_id: str) -> tuple[Principal, PeopleCalls]:
    """The staff member who may change this actor (else ``Forbidden``), and the client."""
    client = client_of(request)
    current = await client.actor(actor_id)
    if not can_change_actor(principal, current.get("social_area_keys") or []):
        raise Forbidden()
    return principal, client


@router.post("/akteure/{actor_id}", response_class=HTMLResponse)
async def actor_change(request: Request, principal: Staff, actor_id: str) -> Response:
    actor_id = uuid_or_404(actor_id)
    principal, client = await _actor_editor(request, principal, actor_id)
    values, errors = actor_form(await request.form())
    errors = errors or _scope_error(principal, values)
    if not errors:
        _, refused = await _save(client.change_actor(actor_id, actor_payload(values), principal.username), ACTOR_FIELDS)
        if refused is None:
            return RedirectResponse(f"/akteure/{actor_id}?gespeichert=geaendert", status_code=303)
        errors = refused
    context = await _actor_page(request, principal, actor_id, values=values, errors=errors)
    return _page(request, "people/actor.html", context, status_code=422)


@router.post("/akteure/{actor_id}/zurueckziehen")
async def actor_withdraw(request: Request, principal: Staff, actor_id: str) -> Response:
    actor_id = uuid_or_404(actor_id)
    principal, client = await _actor_editor(request, principal, actor_id)
    _, refused = await _save(client.withdraw_actor(actor_id, principal.username), {})
    if refused is not None:
        context = await _actor_page(request, principal, actor_id, errors=refused)
        return _page(request, "people/actor.html", context, status_code=422)
    return RedirectResponse(f"/akteure/{actor_id}?gespeichert=zurueckgezogen", status_code=303)
