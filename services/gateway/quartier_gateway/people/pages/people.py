"""The German pages for actors (Akteur:innen), people (Personen), bodies (Gremien) and memberships.

Every staff role reads; who may change what is decided in ``people_rules.py``. Every change is a POST with
the session's CSRF token (checked by the middleware before any route runs) and reaches the registry with
``X-Quartier-Actor: <username>``. The registry's German field errors (422) are shown at their field and in
an error summary at the top of the form.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from quartier_gateway.auth.domain import Principal
from quartier_gateway.clients.base import JSON, Gone, NotFound, Rejected
from quartier_gateway.clients.registry import SocialArea
from quartier_gateway.clients.registry_people import PeopleCalls
from quartier_gateway.people.rules import (
    ACTOR_TYPES,
    BODY_KINDS,
    MEMBERSHIP_ROLES,
    RETAINED_BODY_KINDS,
    DateInvalid,
    can_change_actor,
    can_change_person,
    can_create_actor,
    can_manage_body,
    event_label,
    field_errors,
    iso_date,
    parse_date,
    role_label,
)
from quartier_gateway.web.dependencies import Registry, Staff
from quartier_gateway.web.errors import NOT_FOUND_MESSAGE, Forbidden, uuid_or_404
from quartier_gateway.web.format import german_date, german_datetime
from quartier_gateway.web.state import gateway_of
from quartier_gateway.web.templates import render

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

BERLIN = ZoneInfo("Europe/Berlin")
FORM_ERROR = ""  # errors without a field of their own land in the summary only
ROLE_ORDER = {role: i for i, role in enumerate(MEMBERSHIP_ROLES)}

NOTICES = {
    "neu": "Die Angaben sind gespeichert.",
    "geaendert": "Die Änderungen sind gespeichert.",
    "zurueckgezogen": "Die Akteur:in ist zurückgezogen. Sie bleibt mit diesem Vermerk im Register.",
    "mitgliedschaft": "Die Mitgliedschaft ist eingetragen.",
    "beendet": "Die Mitgliedschaft ist beendet. Sie bleibt im Verlauf des Gremiums sichtbar.",
    "titel": "Der örtliche Titel ist gespeichert.",
}

ACTOR_FIELDS: dict[str, str] = {
    "name": "name",
    "type": "type",
    "social_area_keys": "social_area_keys",
    "address": "street",
    "address.street": "street",
    "address.postcode": "postcode",
    "address.city": "city",
    "address.residential_area_number": "residential_area_number",
    "email": "email",
    "phone": "phone",
}
ACTOR_LABELS: dict[str, str] = {
    "name": "Name",
    "type": "Art",
    "social_area_keys": "Sozialräume",
    "street": "Straße und Hausnummer",
    "postcode": "Postleitzahl",
    "city": "Ort",
    "residential_area_number": "Wohnbereich der Adresse",
    "email": "E-Mail-Adresse",
    "phone": "Telefon",
}
PERSON_FIELDS: dict[str, str] = {
    "given_name": "given_name",
    "family_name": "family_name",
    "email": "email",
    "phone": "phone",
    "actor_id": "actor_id",
    "functions": "functions",
    "residential_area_number": "residential_area_number",
}
PERSON_LABELS: dict[str, str] = {
    "given_name": "Vorname",
    "family_name": "Nachname",
    "email": "E-Mail-Adresse",
    "phone": "Telefon",
    "actor_id": "Organisation",
    "functions": "Funktionen",
    "residential_area_number": "Wohnbereich (nur für Bezirksvertreter:innen)",
}
MEMBERSHIP_FIELDS: dict[str, str] = {
    "person_id": "person_id",
    "role": "role",
    "starts_on": "starts_on",
    "ends_on": "ends_on",
}
MEMBERSHIP_LABELS: dict[str, str] = {
    "person_id": "Person",
    "role": "Rolle",
    "starts_on": "Beginn",
    "ends_on": "Ende (optional)",
}


# --- helpers --------------------------------------------------------------------------------------------


def client_of(request: Request) -> PeopleCalls:
    return gateway_of(request).registry.people


def today() -> dt.date:
    return dt.datetime.now(BERLIN).date()


def _page(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
    env = gateway_of(request).templates.env
    env.filters.setdefault("de_date", german_date)
    env.filters.setdefault("iso_date", iso_date)
    env.globals.setdefault("role_label", role_label)
    return render(request, template, context, status_code=status_code)


def _staff_who_may(principal: Principal, rule: Callable[[Principal], bool]) -> Principal:
    """The staff member, if ``rule`` lets them; otherwise ``Forbidden``."""
    if not rule(principal):
        raise Forbidden()
    return principal


async def _save(
    call: Awaitable[Any], fields: dict[str, str], form_error: str = FORM_ERROR
) -> tuple[Any, dict[str, str] | None]:
    """The registry's answer to a change and None, or its refusal (422) as German messages per field."""
    try:
        return await call, None
    except Rejected as refused:
        if refused.status_code != 422:
            raise
        return None, field_errors(refused.errors, refused.detail, fields, form_error)


def _notice(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("gespeichert", ""))


def _str(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _optional(text: str) -> str | None:
    return text or None


def _int_or_none(text: str) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


def person_name(person: JSON) -> str:
    given = person.get("given_name") or ""
    family = person.get("family_name") or ""
    name = f"{given} {family}".strip()
    return name or "Person gelöscht"


def _area_names(areas: list[SocialArea]) -> dict[str, str]:
    return {a.key: a.name for a in areas}


def _residential_areas(areas: list[SocialArea]) -> list[tuple[int, str]]:
    return sorted({(r.number, f"{r.number} – {r.name}") for a in areas for r in a.residential_areas})


def _district_names(areas: list[SocialArea]) -> dict[str, str]:
    return {d.key: d.name for a in areas for d in a.districts}


# --- actors -----------------------------------------------------------------------------------------------


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


# --- people -----------------------------------------------------------------------------------------------


def person_values(person: JSON | None = None) -> dict[str, Any]:
    p = person or {}
    return {
        "given_name": p.get("given_name") or "",
        "family_name": p.get("family_name") or "",
        "email": p.get("email") or "",
        "phone": p.get("phone") or "",
        "actor_id": p.get("actor_id") or "",
        "functions": "\n".join(p.get("functions") or []),
        "residential_area_number": str(p.get("residential_area_number") or ""),
    }


def person_form(form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    values = {k: _str(form, k) for k in PERSON_LABELS}
    errors: dict[str, str] = {}
    if not values["given_name"]:
        errors["given_name"] = "Bitte geben Sie den Vornamen an."
    if not values["family_name"]:
        errors["family_name"] = "Bitte geben Sie den Nachnamen an."
    if values["actor_id"]:
        try:
            uuid.UUID(values["actor_id"])
        except ValueError:
            errors["actor_id"] = "Bitte wählen Sie eine Organisation aus der Liste."
    return values, errors


def person_payload(values: dict[str, Any]) -> JSON:
    functions = [line.strip() for line in str(values["functions"]).splitlines() if line.strip()]
    return {
        "given_name": values["given_name"],
        "family_name": values["family_name"],
        "email": _optional(values["email"]),
        "phone": _optional(values["phone"]),
        "actor_id": _optional(values["actor_id"]),
        "functions": functions,
        "residential_area_number": _int_or_none(values["residential_area_number"]),
    }


async def _person_form_context(request: Request, **extra: Any) -> dict[str, Any]:
    client = client_of(request)
    areas = await gateway_of(request).registry.social_areas()
    actors = [a for a in await client.actors() if not a.get("withdrawn")]
    context: dict[str, Any] = {
        "areas": areas,
        "area_names": _area_names(areas),
        "residential_areas": _residential_areas(areas),
        "actor_options": [(a["id"], a["name"]) for a in sorted(actors, key=lambda a: str(a.get("name", "")).lower())],
        "labels": PERSON_LABELS,
        "errors": {},
    }
    context.update(extra)
    return context


@router.get("/personen", response_class=HTMLResponse)
async def person_list(request: Request, principal: Staff) -> Response:
    client = client_of(request)
    persons = await client.persons()
    actors = {a["id"]: a.get("name", "") for a in await client.actors() if "id" in a}
    query = request.query_params.get("suche", "").strip()
    if query:
        q = query.lower()
        persons = [
            p
            for p in persons
            if q in person_name(p).lower()
            or q in " ".join(p.get("functions") or []).lower()
            or q in actors.get(p.get("actor_id") or "", "").lower()
        ]
    return _page(
        request,
        "people/persons.html",
        {
            "title": "Personen",
            "persons": persons,
            "actors": actors,
            "suche": query,
            "person_name": person_name,
            "can_create": can_change_person(principal),
        },
    )


@router.get("/personen/neu", response_class=HTMLResponse)
async def person_new(request: Request, principal: Staff) -> Response:
    _staff_who_may(principal, can_change_person)
    context = await _person_form_context(
        request, title="Neue Person erfassen", values=person_values(), action="/personen/neu"
    )
    return _page(request, "people/person_form.html", context)


@router.post("/personen/neu", response_class=HTMLResponse)
async def person_create(request: Request, principal: Staff) -> Response:
    principal = _staff_who_may(principal, can_change_person)
    values, errors = person_form(await request.form())
    if not errors:
        created, refused = await _save(
            client_of(request).create_person(person_payload(values), principal.username), PERSON_FIELDS
        )
        if refused is None:
            log.info("person registered", extra={"person_id": created.get("id"), "by": principal.username})
            return RedirectResponse(f"/personen/{created['id']}?gespeichert=neu", status_code=303)
        errors = refused
    context = await _person_form_context(
        request, title="Neue Person erfassen", values=values, action="/personen/neu", errors=errors
    )
    return _page(request, "people/person_form.html", context, status_code=422)


def _history(export: JSON) -> list[dict[str, Any]]:
    entries = []
    for entry in export.get("audit") or []:
        when = german_datetime(entry.get("changed_at"))
        entries.append(
            {"label": event_label(str(entry.get("event_type", ""))), "when": when, "who": entry.get("actor")}
        )
    return list(reversed(entries))


def _split_memberships(memberships: list[JSON], day: dt.date) -> tuple[list[JSON], list[JSON]]:
    current, past = [], []
    for m in memberships:
        ends = m.get("ends_on")
        if ends and dt.date.fromisoformat(str(ends)[:10]) < day:
            past.append(m)
        else:
            current.append(m)
    current.sort(key=lambda m: (ROLE_ORDER.get(str(m.get("role")), 9), str(m.get("family_name") or m.get("body_name"))))
    past.sort(key=lambda m: str(m.get("ends_on")), reverse=True)
    return current, past


async def _person_page(
    request: Request,
    principal: Principal,
    person_id: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    client = client_of(request)
    person = await client.person(person_id)
    export = await client.export_person(person_id)
    current, past = _split_memberships(list(person.get("memberships") or []), today())
    context = await _person_form_context(
        request,
        title=person_name(person),
        person=person,
        current=current,
        past=past,
        history=_history(export),
        organisation=export.get("organisation"),
        can_edit=can_change_person(principal),
        values=values or person_values(person),
        errors=errors or {},
        action=f"/personen/{person['id']}",
        notice=_notice(request),
    )
    ra = person.get("residential_area_number")
    context["residential_area_name"] = dict(context["residential_areas"]).get(ra) if ra else None
    return context


def _erased_page(request: Request, person_id: str, detail: str) -> Response:
    just_erased = request.query_params.get("geloescht") == "1"
    return _page(
        request,
        "people/person_erased.html",
        {"title": "Personendaten gelöscht", "person_id": person_id, "detail": detail, "just_erased": just_erased},
        status_code=200 if just_erased else 410,
    )


@router.get("/personen/{person_id}", response_class=HTMLResponse)
async def person_detail(request: Request, principal: Staff, _: Staff, person_id: str) -> Response:
    person_id = uuid_or_404(person_id)
    try:
        context = await _person_page(request, principal, person_id)
    except Gone as gone:
        return _erased_page(request, person_id, gone.detail)
    return _page(request, "people/person.html", context)


@router.post("/personen/{person_id}", response_class=HTMLResponse)
async def person_change(request: Request, principal: Staff, person_id: str) -> Response:
    principal = _staff_who_may(principal, can_change_person)
    person_id = uuid_or_404(person_id)
    values, errors = person_form(await request.form())
    try:
        if not errors:
            _, refused = await _save(
                client_of(request).change_person(person_id, person_payload(values), principal.username), PERSON_FIELDS
            )
            if refused is None:
                return RedirectResponse(f"/personen/{person_id}?gespeichert=geaendert", status_code=303)
            errors = refused
        context = await _person_page(request, principal, person_id, values=values, errors=errors)
    except Gone as gone:
        return _erased_page(request, person_id, gone.detail)
    return _page(request, "people/person.html", context, status_code=422)


@router.get("/personen/{person_id}/datenauskunft")
async def person_export(request: Request, principal: Staff, person_id: str) -> Response:
    principal = _staff_who_may(principal, can_change_person)
    person_id = uuid_or_404(person_id)
    try:
        export = await client_of(request).export_person(person_id)
    except Gone as gone:
        return _erased_page(request, person_id, gone.detail)
    log.info("person exported", extra={"person_id": person_id, "by": principal.username})
    body = json.dumps(export, ensure_ascii=False, indent=2).encode("utf-8")
    filename = f"datenauskunft-{person_id}-{today().isoformat()}.json"
    return Response(
        body,
        media_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def _erase_context(request: Request, person_id: str) -> dict[str, Any]:
    person = await client_of(request).person(person_id)
    memberships = list(person.get("memberships") or [])
    kept = [
        {**m, "reason": RETAINED_BODY_KINDS[m["body_kind"]]}
        for m in memberships
        if m.get("body_kind") in RETAINED_BODY_KINDS
    ]
    dropped = [m for m in memberships if m.get("body_kind") not in RETAINED_BODY_KINDS]
    return {
        "title": f"Personendaten von {person_name(person)} löschen",
        "person": person,
        "kept": kept,
        "dropped": dropped,
    }


@router.get("/personen/{person_id}/loeschen", response_class=HTMLResponse)
async def person_erase_confirm(request: Request, principal: Staff, person_id: str) -> Response:
    _staff_who_may(principal, can_change_person)
    person_id = uuid_or_404(person_id)
    try:
        context = await _erase_context(request, person_id)
    except Gone as gone:
        return _erased_page(request, person_id, gone.detail)
    return _page(request, "people/person_erase.html", context)


@router.post("/personen/{person_id}/loeschen", response_class=HTMLResponse)
async def person_erase(request: Request, principal: Staff, person_id: str) -> Response:
    principal = _staff_who_may(principal, can_change_person)
    person_id = uuid_or_404(person_id)
    form = await request.form()
    if _str(form, "bestaetigung") != "ja":
        try:
            context = await _erase_context(request, person_id)
        except Gone as gone:
            return _erased_page(request, person_id, gone.detail)
        context["errors"] = {"bestaetigung": "Bitte bestätigen Sie, dass die Personendaten gelöscht werden sollen."}
        return _page(request, "people/person_erase.html", context, status_code=422)
    try:
        await client_of(request).erase_person(person_id, principal.username)
    except Gone:
        pass  # already erased: the result is the same
    log.info("person erased", extra={"person_id": person_id, "by": principal.username})
    return RedirectResponse(f"/personen/{person_id}?geloescht=1", status_code=303)


# --- bodies and memberships -----------------------------------------------------------------------------


def body_context_name(body: JSON, area_names: dict[str, str], district_names: dict[str, str]) -> str:
    if body.get("social_area_key"):
        return str(area_names.get(body["social_area_key"], body["social_area_key"]))
    if body.get("district_key"):
        return f"Stadtbezirk {district_names.get(body['district_key'], body['district_key'])}"
    return "ganze Stadt"


def _current_members(body: JSON, day: dt.date) -> list[JSON]:
    current, _ = _split_memberships(list(body.get("members") or []), day)
    return current


@router.get("/gremien", response_class=HTMLResponse)
async def body_list(request: Request, _: Staff, registry: Registry) -> Response:
    bodies = await client_of(request).bodies()
    areas = await registry.social_areas()
    area_names, district_names = _area_names(areas), _district_names(areas)
    day = today()
    groups = []
    for kind, heading in BODY_KINDS.items():
        rows = []
        for b in sorted((b for b in bodies if b.get("kind") == kind), key=lambda b: str(b.get("display_name"))):
            members = [m for m in _current_members(b, day) if m.get("active")]
            chair = next((m for m in members if m.get("role") == "chair"), None)
            rows.append(
                {
                    "body": b,
                    "where": body_context_name(b, area_names, district_names),
                    "count": len(members),
                    "chair": person_name(chair) if chair else None,
                    "chair_label": role_label("chair", bool(chair and chair.get("is_district_mayor"))),
                }
            )
        if rows:
            groups.append({"kind": kind, "heading": heading, "rows": rows})
    return _page(request, "people/bodies.html", {"title": "Gremien", "groups": groups, "total": len(bodies)})


async def _body_context(
    request: Request,
    principal: Principal,
    body_id: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    end_errors: dict[str, str] | None = None,
    end_values: dict[str, str] | None = None,
    title_value: str | None = None,
    title_error: str | None = None,
) -> dict[str, Any]:
    client = client_of(request)
    body = await client.body(body_id)
    areas = await gateway_of(request).registry.social_areas()
    area_names, district_names = _area_names(areas), _district_names(areas)
    day = today()
    current, past = _split_memberships(list(body.get("members") or []), day)
    can_manage = can_manage_body(principal, str(body.get("kind")), body.get("social_area_key"))
    persons = await client.persons() if can_manage else []
    summary_errors = dict(errors or {})
    summary_labels = dict(MEMBERSHIP_LABELS, local_title="Örtlicher Titel")
    for mid, message in (end_errors or {}).items():
        if message:
            summary_errors[f"ende-{mid}"] = message
            summary_labels[f"ende-{mid}"] = "Ende der Mitgliedschaft"
    if title_error:
        summary_errors["local_title"] = title_error
    return {
        "summary_errors": summary_errors,
        "summary_labels": summary_labels,
        "persons_options": [
            (p["id"], f"{p.get('family_name')}, {p.get('given_name')}")
            for p in sorted(persons, key=lambda p: (str(p.get("family_name")), str(p.get("given_name"))))
        ],
        "title": body.get("display_name") or body.get("name"),
        "body": body,
        "kind_label": BODY_KINDS.get(str(body.get("kind")), ""),
        "where": body_context_name(body, area_names, district_names),
        "area_names": area_names,
        "current": current,
        "past": past,
        "can_manage": can_manage,
        "is_conference": body.get("kind") == "neighbourhood_conference",
        "is_district_council": body.get("kind") == "district_council",
        "person_name": person_name,
        "roles": MEMBERSHIP_ROLES,
        "labels": MEMBERSHIP_LABELS,
        "values": values or {"person_id": "", "role": "member", "starts_on": day.isoformat(), "ends_on": ""},
        "errors": errors or {},
        "end_errors": end_errors or {},
        "end_values": end_values or {},
        "today_iso": day.isoformat(),
        "title_value": (body.get("local_title") or "") if title_value is None else title_value,
        "title_error": title_error,
        "notice": _notice(request),
    }


@router.get("/gremien/{body_id}", response_class=HTMLResponse)
async def body_detail(request: Request, principal: Staff, body_id: str) -> Response:
    context = await _body_context(request, principal, uuid_or_404(body_id))
    return _page(request, "people/body.html", context)


async def _require_manager(request: Request, principal: Principal, body_id: str) -> tuple[Principal, JSON]:
    body = await client_of(request).body(body_id)
    if not can_manage_body(principal, str(body.get("kind")), body.get("social_area_key")):
        raise Forbidden()
    return principal, body


def _date_field(values: dict[str, str], key: str, errors: dict[str, str], required: bool) -> str | None:
    try:
        parsed = parse_date(values[key])
    except DateInvalid as exc:
        errors[key] = str(exc)
        return None
    if parsed is None:
        if required:
            errors[key] = "Bitte geben Sie ein Datum an (TT.MM.JJJJ)."
        return None
    return parsed.isoformat()


@router.post("/gremien/{body_id}/mitgliedschaften", response_class=HTMLResponse)
async def membership_start(request: Request, principal: Staff, body_id: str) -> Response:
    body_id = uuid_or_404(body_id)
    principal, _ = await _require_manager(request, principal, body_id)
    form = await request.form()
    values = {k: _str(form, k) for k in MEMBERSHIP_FIELDS}
    errors: dict[str, str] = {}
    try:
        uuid.UUID(values["person_id"])
    except ValueError:
        errors["person_id"] = "Bitte wählen Sie eine Person aus."
    if values["role"] not in MEMBERSHIP_ROLES:
        errors["role"] = "Bitte wählen Sie eine Rolle."
    starts_on = _date_field(values, "starts_on", errors, required=True)
    ends_on = _date_field(values, "ends_on", errors, required=False)
    if not errors:
        payload = {"person_id": values["person_id"], "role": values["role"], "starts_on": starts_on, "ends_on": ends_on}
        try:
            await client_of(request).start_membership(body_id, payload, principal.username)
        except Rejected as refused:
            if refused.status_code != 422:
                raise
            errors = field_errors(refused.errors, refused.detail, MEMBERSHIP_FIELDS, FORM_ERROR)
        except Gone as gone:
            errors = {"person_id": gone.detail}
        else:
            return RedirectResponse(f"/gremien/{body_id}?gespeichert=mitgliedschaft#mitglieder", status_code=303)
    context = await _body_context(request, principal, body_id, values=values, errors=errors)
    return _page(request, "people/body.html", context, status_code=422)


@router.post("/gremien/{body_id}/mitgliedschaften/{membership_id}/beenden", response_class=HTMLResponse)
async def membership_end(request: Request, principal: Staff, body_id: str, membership_id: str) -> Response:
    body_id = uuid_or_404(body_id)
    membership_id = uuid_or_404(membership_id)
    principal, body = await _require_manager(request, principal, body_id)
    if not any(m.get("membership_id") == membership_id for m in body.get("members") or []):
        raise NotFound(404, NOT_FOUND_MESSAGE)
    form = await request.form()
    raw = {"ends_on": _str(form, "ends_on")}
    errors: dict[str, str] = {}
    ends_on = _date_field(raw, "ends_on", errors, required=True)
    if ends_on is not None:
        _, refused = await _save(
            client_of(request).end_membership(membership_id, ends_on, principal.username),
            {"ends_on": "ends_on"},
            "ends_on",
        )
        if refused is None:
            return RedirectResponse(f"/gremien/{body_id}?gespeichert=beendet#mitglieder", status_code=303)
        errors = refused
    context = await _body_context(
        request,
        principal,
        body_id,
        end_errors={membership_id: errors.get("ends_on") or next(iter(errors.values()), "")},
        end_values={membership_id: raw["ends_on"]},
    )
    return _page(request, "people/body.html", context, status_code=422)


@router.post("/gremien/{body_id}/ortstitel", response_class=HTMLResponse)
async def body_local_title(request: Request, principal: Staff, body_id: str) -> Response:
    body_id = uuid_or_404(body_id)
    principal, body = await _require_manager(request, principal, body_id)
    if body.get("kind") != "neighbourhood_conference":
        raise Forbidden()
    form = await request.form()
    title = " ".join(_str(form, "local_title").split())
    _, refused = await _save(
        client_of(request).set_local_title(body_id, title or None, principal.username),
        {"local_title": "local_title"},
        "local_title",
    )
    if refused is not None:
        context = await _body_context(
            request,
            principal,
            body_id,
            title_value=title,
            title_error=next(iter(refused.values()), "Ungültige Angabe."),
        )
        return _page(request, "people/body.html", context, status_code=422)
    return RedirectResponse(f"/gremien/{body_id}?gespeichert=titel#ortstitel", status_code=303)
