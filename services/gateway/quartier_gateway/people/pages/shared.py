"""What the pages for actors (Akteur:innen), people (Personen), bodies (Gremien) and memberships share.

Every staff role reads; who may change what is decided in ``people/rules.py``. Every change is a POST with
the session's CSRF token (checked by the middleware before any route runs) and reaches the registry with
``X-Quartier-Actor: <username>``. The registry's German field errors (422) are shown at their field and in
an error summary at the top of the form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from quartier_gateway.auth.domain import Principal
from quartier_gateway.clients.base import JSON, Rejected
from quartier_gateway.clients.registry import SocialArea
from quartier_gateway.clients.registry_people import PeopleCalls
from quartier_gateway.people.rules import (
    MEMBERSHIP_ROLES,
    field_errors,
    iso_date,
    role_label,
)
from quartier_gateway.web.errors import Forbidden
from quartier_gateway.web.format import BERLIN, german_date
from quartier_gateway.web.state import gateway_of
from quartier_gateway.web.templates import render

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
