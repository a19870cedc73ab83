"""The people (``/personen``): the list, a new person, one person with memberships and history, the
data-protection export (Datenauskunft) and the erasure."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from quartier_gateway.auth.domain import Principal
from quartier_gateway.clients.base import JSON, Gone
from quartier_gateway.people.pages.shared import (
    PERSON_FIELDS,
    PERSON_LABELS,
    _area_names,
    _int_or_none,
    _notice,
    _optional,
    _page,
    _residential_areas,
    _save,
    _split_memberships,
    _staff_who_may,
    _str,
    client_of,
    person_name,
    today,
)
from quartier_gateway.people.rules import (
    RETAINED_BODY_KINDS,
    can_change_person,
    event_label,
)
from quartier_gateway.web.dependencies import Staff
from quartier_gateway.web.errors import uuid_or_404
from quartier_gateway.web.format import german_datetime
from quartier_gateway.web.state import gateway_of

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


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
async def person_detail(request: Request, principal: Staff, person_id: str) -> Response:
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
