"""Who may create and change offers, the offer in plain German for residents and staff, and the form's values
and the registry's request body. Pure."""

from __future__ import annotations

import re
from typing import Any

from quartier_gateway.auth.domain import Principal, Role
from quartier_gateway.clients.registry import SocialArea

WEEKDAYS: dict[str, str] = {
    "monday": "Montag",
    "tuesday": "Dienstag",
    "wednesday": "Mittwoch",
    "thursday": "Donnerstag",
    "friday": "Freitag",
    "saturday": "Samstag",
    "sunday": "Sonntag",
}


ORDINALS: dict[int, str] = {1: "ersten", 2: "zweiten", 3: "dritten", 4: "vierten", 5: "fünften", -1: "letzten"}


FREQUENCIES = {"": "kein fester Termin", "weekly": "wöchentlich", "monthly": "monatlich"}


SCOPE_MESSAGE = "Sie können nur Angebote in Ihrem eigenen Sozialraum ({area}) anlegen oder ändern."


# API field (the registry's 422 names it) -> id of the form control the message belongs to.
FIELD_IDS: dict[str, str] = {
    "title": "titel",
    "description": "beschreibung",
    "provider_actor_id": "traeger",
    "field_of_action": "handlungsfeld",
    "cross_cutting_themes": "querschnittsthemen",
    "target_groups": "zielgruppen",
    "languages": "sprachen",
    "place": "ort_art",
    "place.kind": "ort_art",
    "place.social_area_key": "ort_sozialraum",
    "place.residential_area_number": "ort_wohnbereich",
    "place.street": "ort_strasse",
    "place.postal_code": "ort_plz",
    "place.name": "ort_name",
    "schedule": "termin_rhythmus",
    "schedule.recurrences": "termin_rhythmus",
    "frequency": "termin_rhythmus",
    "weekdays": "wochentage",
    "ordinals": "monatstage",
    "start_time": "uhrzeit_von",
    "end_time": "uhrzeit_bis",
    "free_of_charge": "kostenlos",
    "cost": "kosten",
    "accessibility": "barrierefreiheit",
    "accessibility.wheelchair_accessible": "rollstuhl",
    "accessibility.notes": "barrierefreiheit",
    "contact": "kontakt_stelle",
    "contact.office": "kontakt_stelle",
    "contact.email": "kontakt_email",
    "contact.phone": "kontakt_telefon",
}


# Groups of checkboxes or radios: the error sits at the fieldset; the summary links to its first control.
GROUP_FIRST: dict[str, str] = {
    "querschnittsthemen": "querschnittsthemen-0",
    "wochentage": "wochentage-monday",
    "monatstage": "monatstage-1",
    "kostenlos": "kostenlos-ja",
    "rollstuhl": "rollstuhl-ja",
    "ort_art": "ort_art-community_centre",
}


GENERAL = "allgemein"


def _yes_no(value: Any, yes: str, no: str, unknown: str) -> str:
    """A three-valued answer (True, False, unknown) in words."""
    return yes if value is True else no if value is False else unknown


def can_create_offers(principal: Principal | None) -> bool:
    return principal is not None and principal.role in (Role.ADMIN, Role.AREA_COORDINATOR)


def can_change_offer(principal: Principal | None, social_area_key: str | None) -> bool:
    """Admins change every offer, an area coordinator those of their own Sozialraum; everyone else reads."""
    if principal is None:
        return False
    if principal.role is Role.ADMIN:
        return True
    return principal.role is Role.AREA_COORDINATOR and principal.social_area_key == social_area_key


def _and_join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " und " + words[-1]


def recurrence_text(r: dict[str, Any]) -> str:
    """ "jeden Dienstag, 15:00–17:00 Uhr" / "jeden ersten und dritten Mittwoch im Monat, 09:00–11:00 Uhr"."""
    days = _and_join([WEEKDAYS.get(d, d) for d in r.get("weekdays") or []])
    hours = f"{r.get('start_time', '')}–{r.get('end_time', '')} Uhr"
    if r.get("frequency") == "monthly":
        nth = _and_join([ORDINALS.get(o, str(o)) for o in r.get("ordinals") or []])
        return f"jeden {nth} {days} im Monat, {hours}"
    return f"jeden {days}, {hours}"


def schedule_text(offer: dict[str, Any]) -> list[str]:
    recurrences = (offer.get("schedule") or {}).get("recurrences") or []
    return [recurrence_text(r) for r in recurrences]


def place_text(offer: dict[str, Any], areas: dict[str, SocialArea], city: str) -> str:
    place = offer.get("place") or {}
    if place.get("kind") == "community_centre":
        area = areas.get(place.get("social_area_key", ""))
        return str(place.get("name") or (area.community_centre.name if area else "Stadtteilzentrum"))
    postal = " ".join(p for p in (place.get("postal_code"), city) if p)
    parts = [place.get("name"), place.get("street"), postal]
    return ", ".join(str(p) for p in parts if p)


def residential_area_name(offer: dict[str, Any], areas: dict[str, SocialArea]) -> str | None:
    number = (offer.get("place") or {}).get("residential_area_number")
    for area in areas.values():
        for ra in area.residential_areas:
            if ra.number == number:
                return f"{ra.name} (Wohnbereich {ra.number})"
    return None


def cost_text(offer: dict[str, Any]) -> str:
    if offer.get("free_of_charge"):
        return "kostenlos"
    return str(offer.get("cost") or "kostenpflichtig")


def accessibility_text(offer: dict[str, Any]) -> str:
    acc = offer.get("accessibility") or {}
    wheelchair = acc.get("wheelchair_accessible")
    first = _yes_no(wheelchair, "rollstuhlgerecht", "nicht rollstuhlgerecht", "keine Angabe")
    return f"{first}; {acc['notes']}" if acc.get("notes") else first


def similarity_text(score: Any) -> str:
    try:
        return f"Ähnlichkeit {round(float(score) * 100)} %"
    except (TypeError, ValueError):
        return "Ähnlichkeit unbekannt"


def provider_text(provider_id: str, actors: dict[str, str]) -> str:
    return actors.get(provider_id) or f"Träger mit der Kennung {provider_id}"


def _split(text: str) -> list[str]:
    """ "Senior:innen, Alleinlebende" -> two entries (comma, semicolon or line break)."""
    for sep in (";", "\n"):
        text = text.replace(sep, ",")
    return list(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))


def offer_body(values: dict[str, Any]) -> dict[str, Any]:
    """The registry's JSON for an offer, from the form values (the registry validates it)."""
    if values["ort_art"] == "address":
        number: Any = values["ort_wohnbereich"]
        place: dict[str, Any] = {
            "kind": "address",
            "residential_area_number": int(number) if number.isdigit() else (number or None),
            "street": values["ort_strasse"] or None,
            "postal_code": values["ort_plz"] or None,
            "name": values["ort_name"] or None,
        }
    elif values["ort_art"] == "community_centre":
        place = {"kind": "community_centre", "social_area_key": values["ort_sozialraum"] or None}
    else:
        place = {"kind": values["ort_art"] or None}
    recurrences: list[dict[str, Any]] = []
    if values["termin_rhythmus"]:
        recurrence: dict[str, Any] = {
            "frequency": values["termin_rhythmus"],
            "weekdays": values["wochentage"],
            "start_time": values["uhrzeit_von"] or None,
            "end_time": values["uhrzeit_bis"] or None,
        }
        if values["termin_rhythmus"] == "monthly":
            recurrence["ordinals"] = [int(o) for o in values["monatstage"] if o.lstrip("-").isdigit()]
        recurrences.append(recurrence)
    free = {"ja": True, "nein": False}.get(values["kostenlos"])
    wheelchair = {"ja": True, "nein": False}.get(values["rollstuhl"])
    return {
        "title": values["titel"],
        "description": values["beschreibung"],
        "provider_actor_id": values["traeger"] or None,
        "field_of_action": values["handlungsfeld"],
        "cross_cutting_themes": values["querschnittsthemen"],
        "target_groups": _split(values["zielgruppen"]),
        "languages": _split(values["sprachen"]),
        "place": place,
        "schedule": {"recurrences": recurrences},
        "free_of_charge": free,
        "cost": values["kosten"] or None,
        "accessibility": {"wheelchair_accessible": wheelchair, "notes": values["barrierefreiheit"] or None},
        "contact": {
            "office": values["kontakt_stelle"],
            "email": values["kontakt_email"] or None,
            "phone": values["kontakt_telefon"] or None,
        },
    }


def values_of_offer(offer: dict[str, Any]) -> dict[str, Any]:
    """The form values of a stored offer (for the edit form)."""
    place = offer.get("place") or {}
    recurrences = (offer.get("schedule") or {}).get("recurrences") or []
    first = recurrences[0] if recurrences else {}
    acc = offer.get("accessibility") or {}
    contact = offer.get("contact") or {}
    number = place.get("residential_area_number")
    return {
        "titel": offer.get("title", ""),
        "beschreibung": offer.get("description", ""),
        "traeger": str(offer.get("provider_actor_id", "")),
        "handlungsfeld": offer.get("field_of_action", ""),
        "querschnittsthemen": list(offer.get("cross_cutting_themes") or []),
        "zielgruppen": ", ".join(offer.get("target_groups") or []),
        "sprachen": ", ".join(offer.get("languages") or []),
        "ort_art": place.get("kind", "community_centre"),
        "ort_sozialraum": place.get("social_area_key") or offer.get("social_area_key", ""),
        "ort_wohnbereich": str(number) if number is not None else "",
        "ort_name": place.get("name") or "" if place.get("kind") == "address" else "",
        "ort_strasse": place.get("street") or "",
        "ort_plz": place.get("postal_code") or "",
        "termin_rhythmus": first.get("frequency", ""),
        "wochentage": list(first.get("weekdays") or []),
        "monatstage": [str(o) for o in first.get("ordinals") or []],
        "uhrzeit_von": first.get("start_time", ""),
        "uhrzeit_bis": first.get("end_time", ""),
        "kostenlos": _yes_no(offer.get("free_of_charge"), "ja", "nein", ""),
        "kosten": offer.get("cost") or "",
        "rollstuhl": _yes_no(acc.get("wheelchair_accessible"), "ja", "nein", "unbekannt"),
        "barrierefreiheit": acc.get("notes") or "",
        "kontakt_stelle": contact.get("office") or "",
        "kontakt_email": contact.get("email") or "",
        "kontakt_telefon": contact.get("phone") or "",
        "extra_termine": len(recurrences) - 1 if len(recurrences) > 1 else 0,
        "_recurrences": recurrences,
    }


def field_id(api_field: str) -> str:
    """The form control of an API field: "schedule.recurrences[0].weekdays" (or, as request validation names
    it, "schedule.recurrences.0.weekdays") -> "wochentage"."""
    api_field = re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", api_field)
    if api_field in FIELD_IDS:
        return FIELD_IDS[api_field]
    base = api_field.split("[", 1)[0]
    if api_field.startswith("schedule.recurrences["):
        tail = api_field.rsplit(".", 1)[-1] if "]." in api_field else "frequency"
        return FIELD_IDS.get(tail, "termin_rhythmus")
    return FIELD_IDS.get(base, GENERAL)


def error_link(form_id: str) -> str:
    return GROUP_FIRST.get(form_id, form_id)


def social_area_of_place(values: dict[str, Any], areas: list[SocialArea]) -> str | None:
    if values["ort_art"] == "community_centre":
        return str(values["ort_sozialraum"]) or None
    for area in areas:
        for ra in area.residential_areas:
            if str(ra.number) == values["ort_wohnbereich"]:
                return area.key
    return None
