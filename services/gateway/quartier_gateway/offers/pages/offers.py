"""The German pages of the offer directory (Angebote): staff list, forms with the duplicate warning at the
moment of entry, suspected duplicates, and the public offer search for residents (no login).

Who may do what (follows the roles of ``domain.py``): every staff role reads; administrators change every
offer; an area coordinator changes the offers of their own Sozialraum; steering committee and council
members read only. Every change is a POST with the session's CSRF token (checked by the middleware).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from quartier_gateway.auth.domain import Principal, Role
from quartier_gateway.clients.base import NotFound, Refused, Rejected
from quartier_gateway.clients.registry import SocialArea
from quartier_gateway.clients.registry_offers import OfferCalls
from quartier_gateway.web.dependencies import Registry, Settings, Staff
from quartier_gateway.web.errors import Forbidden, error_response, uuid_or_404
from quartier_gateway.web.format import german_date
from quartier_gateway.web.state import gateway_of
from quartier_gateway.web.templates import render

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)
public_router = APIRouter(include_in_schema=False)

STAFF_PAGE_SIZE = 50
PUBLIC_PAGE_SIZE = 20
CHOICES_LIMIT = 200

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

NOTICES = {
    "neu": "Das Angebot ist gespeichert.",
    "geaendert": "Die Änderungen sind gespeichert.",
    "bestaetigt": "Das Angebot ist als aktuell bestätigt.",
    "zurueckgezogen": "Das Angebot ist zurückgezogen.",
    "kein-duplikat": "Das Paar ist als „kein Duplikat“ markiert und wird nicht wieder vorgeschlagen.",
    "zusammengefuehrt": "Die Angebote sind zusammengeführt; das andere Angebot ist zurückgezogen.",
}
SCOPE_MESSAGE = "Sie können nur Angebote in Ihrem eigenen Sozialraum ({area}) anlegen oder ändern."
PAIR_GONE = "Dieses Paar möglicher Duplikate ist nicht mehr offen. Vielleicht hat es jemand anderes schon bearbeitet."

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


# --- who may --------------------------------------------------------------------------------------------


def can_create_offers(principal: Principal | None) -> bool:
    return principal is not None and principal.role in (Role.ADMIN, Role.AREA_COORDINATOR)


def can_change_offer(principal: Principal | None, social_area_key: str | None) -> bool:
    """Admins change every offer, an area coordinator those of their own Sozialraum; everyone else reads."""
    if principal is None:
        return False
    if principal.role is Role.ADMIN:
        return True
    return principal.role is Role.AREA_COORDINATOR and principal.social_area_key == social_area_key


# --- plain German for residents and staff -----------------------------------------------------------------


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
    first = {True: "rollstuhlgerecht", False: "nicht rollstuhlgerecht"}.get(wheelchair, "keine Angabe")
    return f"{first}; {acc['notes']}" if acc.get("notes") else first


def similarity_text(score: Any) -> str:
    try:
        return f"Ähnlichkeit {round(float(score) * 100)} %"
    except (TypeError, ValueError):
        return "Ähnlichkeit unbekannt"


def provider_text(provider_id: str, actors: dict[str, str]) -> str:
    return actors.get(provider_id) or f"Träger mit der Kennung {provider_id}"


# --- the form ---------------------------------------------------------------------------------------------


def _strings(form: FormData, name: str) -> list[str]:
    return [str(v).strip() for v in form.getlist(name) if str(v).strip()]


def _str(form: FormData, name: str) -> str:
    return str(form.get(name, "")).strip()


def _split(text: str) -> list[str]:
    """ "Senior:innen, Alleinlebende" -> two entries (comma, semicolon or line break)."""
    for sep in (";", "\n"):
        text = text.replace(sep, ",")
    return list(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))


def form_values(form: FormData) -> dict[str, Any]:
    """What was entered, as the form shows it again."""
    values: dict[str, Any] = {
        name: _str(form, name)
        for name in (
            "titel",
            "beschreibung",
            "traeger",
            "handlungsfeld",
            "zielgruppen",
            "sprachen",
            "ort_art",
            "ort_sozialraum",
            "ort_wohnbereich",
            "ort_name",
            "ort_strasse",
            "ort_plz",
            "termin_rhythmus",
            "uhrzeit_von",
            "uhrzeit_bis",
            "kostenlos",
            "kosten",
            "rollstuhl",
            "barrierefreiheit",
            "kontakt_stelle",
            "kontakt_email",
            "kontakt_telefon",
        )
    }
    values["querschnittsthemen"] = _strings(form, "querschnittsthemen")
    values["wochentage"] = _strings(form, "wochentage")
    values["monatstage"] = _strings(form, "monatstage")
    return values


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
        "kostenlos": {True: "ja", False: "nein"}.get(offer.get("free_of_charge"), ""),
        "kosten": offer.get("cost") or "",
        "rollstuhl": {True: "ja", False: "nein"}.get(acc.get("wheelchair_accessible"), "unbekannt"),
        "barrierefreiheit": acc.get("notes") or "",
        "kontakt_stelle": contact.get("office") or "",
        "kontakt_email": contact.get("email") or "",
        "kontakt_telefon": contact.get("phone") or "",
        "extra_termine": len(recurrences) - 1 if len(recurrences) > 1 else 0,
        "_recurrences": recurrences,
    }


def empty_values(principal: Principal) -> dict[str, Any]:
    values = form_values(FormData())
    values.update(ort_art="community_centre", ort_sozialraum=principal.social_area_key or "", rollstuhl="unbekannt")
    values["extra_termine"] = 0
    return values


def field_id(api_field: str) -> str:
    """The form control of an API field: "schedule.recurrences[0].weekdays" -> "wochentage"."""
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


# --- shared page helpers ----------------------------------------------------------------------------------


def _page_number(request: Request) -> int:
    raw = request.query_params.get("seite", "1")
    return max(1, min(int(raw), 10_000)) if raw.isdigit() else 1


def _filters(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    return {n: request.query_params.get(n, "").strip()[:100] for n in names}


def _query(filters: dict[str, str], **extra: Any) -> str:
    merged = {k: v for k, v in {**filters, **extra}.items() if v not in ("", None)}
    return urlencode(merged)


async def _actors(client: OfferCalls) -> list[dict[str, Any]] | None:
    try:
        return await client.actors()
    except Refused:
        return None


def _helpers(city: str, areas: list[SocialArea], actors: list[dict[str, Any]] | None) -> dict[str, Any]:
    by_key = {a.key: a for a in areas}
    actor_names = {str(a["id"]): str(a["name"]) for a in actors or []}
    return {
        "areas": areas,
        "area_names": {a.key: a.name for a in areas},
        "when": schedule_text,
        "where": lambda offer: place_text(offer, by_key, city),
        "residential_area": lambda offer: residential_area_name(offer, by_key),
        "cost": cost_text,
        "access": accessibility_text,
        "german_date": german_date,
        "similarity": similarity_text,
        "provider": lambda pid: provider_text(str(pid), actor_names),
        "actor_names": actor_names,
    }


def _notice(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("erledigt", ""))


# --- staff: list ------------------------------------------------------------------------------------------


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


# --- staff: suspected duplicates ------------------------------------------------------------------------


@router.get("/angebote/duplikate", response_class=HTMLResponse)
async def duplicate_list(request: Request, principal: Staff, registry: Registry, settings: Settings) -> Response:
    client = registry.offers
    filters = _filters(request, ("sozialraum",))
    page = _page_number(request)
    result = await client.duplicates(
        social_area_key=filters["sozialraum"] or None, limit=STAFF_PAGE_SIZE, offset=(page - 1) * STAFF_PAGE_SIZE
    )
    areas = await registry.social_areas()
    pairs = []
    for pair in result["items"]:
        offers = pair.get("offers") or []
        if len(offers) != 2:
            continue
        a, b = offers
        pairs.append(
            {
                **pair,
                "may_dismiss": can_change_offer(principal, a.get("social_area_key"))
                or can_change_offer(principal, b.get("social_area_key")),
                "may_keep": {
                    str(a["id"]): can_change_offer(principal, b.get("social_area_key")),
                    str(b["id"]): can_change_offer(principal, a.get("social_area_key")),
                },
            }
        )
    total = int(result["total"])
    context = {
        "title": "Mögliche Duplikate",
        "pairs": pairs,
        "total": total,
        "filters": filters,
        "page": page,
        "prev_query": _query(filters, seite=page - 1) if page > 1 else None,
        "next_query": _query(filters, seite=page + 1) if page * STAFF_PAGE_SIZE < total else None,
        "notice": _notice(request),
        **_helpers(settings.city_name, areas, await _actors(client)),
    }
    return render(request, "offers/duplicates.html", context)


async def _pair_context(
    request: Request, principal: Principal, pair_id: str, offer_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The offer the action came from and its open candidate with this pair id (or an error page)."""
    found = await gateway_of(request).registry.offers.offer(offer_id)
    candidate = next((c for c in found["duplicate_candidates"] if str(c.get("pair_id")) == pair_id), None)
    if candidate is None:
        raise Rejected(409, PAIR_GONE)
    return found["offer"], candidate


def _back(form: FormData, offer_id: str) -> str:
    target = _str(form, "zurueck")
    return "/angebote/duplikate" if target == "duplikate" else f"/angebote/{offer_id}"


@router.post("/angebote/duplikate/{pair_id}/kein-duplikat")
async def dismiss_duplicate(request: Request, principal: Staff, registry: Registry, pair_id: str) -> Response:
    pair_id = uuid_or_404(pair_id)
    form = await request.form()
    offer_id = uuid_or_404(_str(form, "angebot"))
    offer, candidate = await _pair_context(request, principal, pair_id, offer_id)
    if not (
        can_change_offer(principal, offer.get("social_area_key"))
        or can_change_offer(principal, candidate.get("social_area_key"))
    ):
        raise Forbidden()
    await registry.offers.dismiss_duplicate(pair_id, principal.username)
    log.info("duplicate dismissed", extra={"pair_id": pair_id, "by": principal.username})
    return RedirectResponse(f"{_back(form, offer_id)}?erledigt=kein-duplikat", status_code=303)


@router.post("/angebote/duplikate/{pair_id}/zusammenfuehren")
async def merge_duplicate(request: Request, principal: Staff, registry: Registry, pair_id: str) -> Response:
    pair_id = uuid_or_404(pair_id)
    form = await request.form()
    offer_id = uuid_or_404(_str(form, "angebot"))
    offer, candidate = await _pair_context(request, principal, pair_id, offer_id)
    keep = _str(form, "behalten")
    areas = {
        str(offer["id"]): offer.get("social_area_key"),
        str(candidate["offer_id"]): candidate.get("social_area_key"),
    }
    if keep not in areas:
        return error_response(request, 422, "Bitte wählen Sie, welches Angebot bestehen bleibt.")
    dropped = next(k for k in areas if k != keep)
    if not can_change_offer(principal, areas[dropped]):
        raise Forbidden()
    await registry.offers.merge_duplicate(pair_id, keep, principal.username)
    log.info("duplicates merged", extra={"pair_id": pair_id, "kept": keep, "by": principal.username})
    target = "/angebote/duplikate" if _str(form, "zurueck") == "duplikate" else f"/angebote/{keep}"
    return RedirectResponse(f"{target}?erledigt=zusammengefuehrt", status_code=303)


# --- staff: new and edit --------------------------------------------------------------------------------


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


# --- staff: one offer -----------------------------------------------------------------------------------


async def _detail_page(
    request: Request, principal: Principal, offer_id: str, *, withdraw_error: str | None = None, reason: str = ""
) -> Response:
    client = gateway_of(request).registry.offers
    found = await client.offer(offer_id)
    offer = found["offer"]
    areas = await gateway_of(request).registry.social_areas()
    candidates = [
        {**c, "may_keep_other": can_change_offer(principal, offer.get("social_area_key"))}
        for c in found["duplicate_candidates"]
    ]
    may_change = can_change_offer(principal, offer.get("social_area_key")) and offer.get("status") != "withdrawn"
    context = {
        "title": offer.get("title", "Angebot"),
        "offer": offer,
        "candidates": candidates,
        "may_change": may_change,
        "may_dismiss": lambda c: may_change or can_change_offer(principal, c.get("social_area_key")),
        "may_keep_this": lambda c: can_change_offer(principal, c.get("social_area_key")),
        "notice": _notice(request),
        "withdraw_error": withdraw_error,
        "reason": reason,
        **_helpers(gateway_of(request).settings.city_name, areas, await _actors(client)),
    }
    return render(request, "offers/detail.html", context, status_code=422 if withdraw_error else 200)


@router.get("/angebote/{offer_id}", response_class=HTMLResponse)
async def offer_detail(request: Request, principal: Staff, offer_id: str) -> Response:
    return await _detail_page(request, principal, uuid_or_404(offer_id))


# --- public: offer search for residents -------------------------------------------------------------------


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
