"""Pure rules of the pages for actors, people, bodies and memberships: who may do what, German labels,
German dates and the mapping of the registry's field errors to form fields.

No I/O here (like ``auth/domain.py``): every function is deterministic given its inputs.

Who may:
- every staff role reads actors, people and bodies (council members and the steering committee read only);
- administrators change everything: actors, people (including the data-protection export and erasure),
  memberships of every body, the local title of a Stadtteilkonferenz;
- an area coordinator changes the actors serving their own Sozialraum (and registers new ones there),
  and the memberships (and the local title) of the bodies of their Sozialraum: its Koordinierungsrunde
  and its Stadtteilkonferenz.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any

from quartier_gateway.auth.domain import Principal, Role
from quartier_shared.errors import FieldError

# --- vocabularies of the registry, in German -------------------------------------------------------------

ACTOR_TYPES: dict[str, str] = {
    "city_service": "Fachdienst der Stadt",
    "provider": "Träger",
    "neighbourhood_office": "Stadtteilbüro",
    "association": "Verein",
    "school": "Schule",
    "kita": "Kita",
    "faith_community": "Glaubensgemeinschaft",
    "police_district_service": "Bezirksdienst der Polizei",
    "municipal_enforcement": "Kommunaler Ordnungsdienst (KOD)",
    "other": "Sonstige",
}

MEMBERSHIP_ROLES: dict[str, str] = {
    "chair": "Vorsitz",
    "deputy": "Stellvertretung",
    "member": "Mitglied",
    "guest": "Gast",
    "advisory": "Beratend",
}

# The order of the groups on the list of bodies, with their German headings.
BODY_KINDS: dict[str, str] = {
    "council": "Rat",
    "steering_committee": "Lenkungskreis",
    "working_group": "AK Stadtteilarbeit",
    "coordination_round": "Koordinierungsrunden",
    "neighbourhood_conference": "Stadtteilkonferenzen",
    "district_council": "Bezirksvertretungen",
}

# Bodies whose memberships an area coordinator manages (those of their own Sozialraum).
AREA_BODY_KINDS = frozenset({"coordination_round", "neighbourhood_conference"})

# Memberships the registry keeps after an erasure (without the name), and why (as the registry says).
RETAINED_BODY_KINDS: dict[str, str] = {
    "council": (
        "Mandat im Rat: Die Zusammensetzung gewählter Vertretungen ist mit den Niederschriften "
        "ihrer Beschlüsse aufzubewahren."
    ),
    "district_council": (
        "Mandat in der Bezirksvertretung: Die Zusammensetzung gewählter Vertretungen ist mit den "
        "Niederschriften ihrer Beschlüsse aufzubewahren."
    ),
}

EVENT_LABELS: dict[str, str] = {
    "PersonRegistered": "Person erfasst",
    "PersonChanged": "Angaben geändert",
    "PersonErased": "Personendaten gelöscht",
    "MembershipStarted": "Mitgliedschaft begonnen",
    "MembershipEnded": "Mitgliedschaft beendet",
}

DISTRICT_MAYOR = "Bezirksbürgermeister:in"


def role_label(role: str, is_district_mayor: bool = False) -> str:
    """The chair of a Bezirksvertretung is the Bezirksbürgermeister:in."""
    if is_district_mayor:
        return DISTRICT_MAYOR
    return MEMBERSHIP_ROLES.get(role, role)


def event_label(event_type: str) -> str:
    """``quartier.registry.PersonChanged.v1`` → ``Angaben geändert``."""
    parts = event_type.split(".")
    name = parts[-2] if len(parts) >= 2 and parts[-1].startswith("v") else parts[-1]
    return EVENT_LABELS.get(name, name)


# --- who may ----------------------------------------------------------------------------------------------


def can_read_people(principal: Principal | None) -> bool:
    return principal is not None


def is_admin(principal: Principal | None) -> bool:
    return principal is not None and principal.role is Role.ADMIN


def can_create_actor(principal: Principal | None) -> bool:
    return principal is not None and principal.role in (Role.ADMIN, Role.AREA_COORDINATOR)


def can_change_actor(principal: Principal | None, social_area_keys: Iterable[str]) -> bool:
    """Admins: every actor. An area coordinator: actors that serve their own Sozialraum."""
    if principal is None:
        return False
    if principal.role is Role.ADMIN:
        return True
    return principal.role is Role.AREA_COORDINATOR and principal.social_area_key in set(social_area_keys)


def can_change_person(principal: Principal | None) -> bool:
    """Personal data (create, change, export, erase) is for administrators only."""
    return is_admin(principal)


def can_manage_body(principal: Principal | None, kind: str, social_area_key: str | None) -> bool:
    """Memberships (and a Stadtteilkonferenz's local title): admins for every body, an area coordinator
    for the Koordinierungsrunde and the Stadtteilkonferenz of their own Sozialraum."""
    if principal is None:
        return False
    if principal.role is Role.ADMIN:
        return True
    return (
        principal.role is Role.AREA_COORDINATOR
        and kind in AREA_BODY_KINDS
        and social_area_key is not None
        and principal.social_area_key == social_area_key
    )


# --- German dates -----------------------------------------------------------------------------------------

_GERMAN_DATE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


class DateInvalid(ValueError):
    pass


def parse_date(text: str) -> dt.date | None:
    """A date from a form: ``TT.MM.JJJJ`` or ``JJJJ-MM-TT`` (what ``<input type=date>`` sends); empty → None."""
    if not text or not text.strip():
        return None
    m = _GERMAN_DATE.match(text)
    try:
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        m = _ISO_DATE.match(text)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        pass
    raise DateInvalid("Bitte geben Sie ein gültiges Datum im Format TT.MM.JJJJ an.")


def iso_date(value: Any) -> str:
    """The value for ``<input type=date>``."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value or "")[:10]


# --- the registry's field errors -----------------------------------------------------------------------

_FIELD_PREFIX = re.compile(r"^Feld „[^“]*“:\s*")


def field_errors(
    errors: Sequence[FieldError], detail: str, field_ids: dict[str, str] | None = None, default: str = ""
) -> dict[str, str]:
    """The registry's field errors (``address.street``, ``social_area_keys.0``) → ``{form control id: message}``.

    ``field_ids`` maps a dotted API field to the id of its form control; an error whose field has no control
    lands under ``default`` (shown in the summary at the top), as does the ``detail`` of a refusal without
    field errors.
    """
    ids = field_ids or {}
    out: dict[str, str] = {}
    if not errors:
        out[default] = detail
        return out
    for error in errors:
        api_field = ".".join(p for p in error.field.split(".") if p and not p.isdigit())
        message = _FIELD_PREFIX.sub("", error.message or "Ungültige Angabe.")
        target = ids.get(api_field, api_field if api_field in ids.values() else default)
        if target not in out:
            out[target] = message
    return out
    if not isinstance(detail, list):
        return out
    for item in detail:
        if not isinstance(item, dict):
            continue
        loc = [str(p) for p in item.get("loc", []) if str(p) != "body"]
        loc = [p for p in loc if not p.isdigit()]
        api_field = ".".join(loc)
        message = _FIELD_PREFIX.sub("", str(item.get("msg", "Ungültige Angabe.")))
        target = ids.get(api_field, api_field if api_field in ids.values() else default)
        if target not in out:
            out[target] = message
    return out
