"""Mapping of the offer directory to Open Referral HSDS 3.0 (Human Services Data Specification).

Pure functions, no I/O. An offer (Angebot) becomes an HSDS ``service``; its provider (an actor of the
directory) the ``organization``; its place a ``location`` linked by a ``service_at_location``; the
Sozialraum a ``service_area``; field of action, cross-cutting themes and target groups become
``attributes`` pointing at terms of three local taxonomies (Handlungsfelder, Querschnittsthemen,
Zielgruppen).

Identifiers: HSDS wants UUIDs. Offers and actors already have them. Everything derived gets a stable
uuid5 from ``HSDS_NAMESPACE`` and a readable key, so the same object keeps its id across exports:
taxonomies and terms from their names, sub-objects of a service (schedules, phones, contacts …) from
the offer id and their position. The location is per offer (``location/<offer id>``): HSDS keeps
accessibility on the location, and the directory records accessibility per offer, so two offers in
the same Stadtteilzentrum may say different things about it.

URLs: every URL is built from ``base`` (the public address the gateway passes in), never from the
address the registry itself listens on, unless no gateway is in front.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from quartier_registry.domain.offers import ACTIVE, Offer, Recurrence
from quartier_registry.domain.people import ACTOR_TYPE_LABELS, Actor
from quartier_registry.domain.territory import Territory

HSDS_VERSION = "3.0"
HSDS_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://quartier.example/hsds")
# The upstream OpenAPI document of the API this export implements.
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"

# Where the city lies (the territory file names the city only). Hamm: Nordrhein-Westfalen, Germany.
STATE_PROVINCE = "Nordrhein-Westfalen"
REGION = "NRW"
COUNTRY = "DE"
LANGUAGE = "de"
CURRENCY = "EUR"

PLACEHOLDER_ORGANIZATION = "Träger (nicht im Akteursverzeichnis)"


def stable_id(key: str) -> uuid.UUID:
    return uuid.uuid5(HSDS_NAMESPACE, key)


@dataclass(frozen=True)
class TaxonomyDef:
    key: str  # the offer field it classifies
    name: str
    description: str
    link_type: str

    @property
    def id(self) -> uuid.UUID:
        return stable_id(f"taxonomy/{self.key}")


FIELDS_OF_ACTION = TaxonomyDef(
    "fields_of_action",
    "Handlungsfelder",
    "Handlungsfelder der Stadtteilarbeit: in welchem Bereich ein Angebot wirkt.",
    "field_of_action",
)
CROSS_CUTTING_THEMES = TaxonomyDef(
    "cross_cutting_themes",
    "Querschnittsthemen",
    "Querschnittsthemen der Stadtteilarbeit, die in jedem Handlungsfeld mitgedacht werden.",
    "cross_cutting_theme",
)
TARGET_GROUPS = TaxonomyDef(
    "target_groups",
    "Zielgruppen",
    "Zielgruppen der Angebote, wie die Anbietenden sie benennen.",
    "target_group",
)
TAXONOMIES: tuple[TaxonomyDef, ...] = (FIELDS_OF_ACTION, CROSS_CUTTING_THEMES, TARGET_GROUPS)
TAXONOMY_BY_ID: dict[uuid.UUID, TaxonomyDef] = {t.id: t for t in TAXONOMIES}

BYDAY: dict[str, str] = {
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
    "sunday": "SU",
}

# German language names as the directory stores them → ISO 639-1 (639-3 where there is no 639-1 code).
LANGUAGE_CODES: dict[str, str] = {
    "deutsch": "de",
    "englisch": "en",
    "französisch": "fr",
    "spanisch": "es",
    "italienisch": "it",
    "portugiesisch": "pt",
    "niederländisch": "nl",
    "polnisch": "pl",
    "russisch": "ru",
    "ukrainisch": "uk",
    "türkisch": "tr",
    "arabisch": "ar",
    "persisch": "fa",
    "farsi": "fa",
    "dari": "prs",
    "paschtu": "ps",
    "kurdisch": "ku",
    "kurmandschi": "kmr",
    "rumänisch": "ro",
    "bulgarisch": "bg",
    "griechisch": "el",
    "serbisch": "sr",
    "kroatisch": "hr",
    "bosnisch": "bs",
    "albanisch": "sq",
    "tigrinya": "ti",
    "somali": "so",
    "vietnamesisch": "vi",
    "chinesisch": "zh",
    "deutsche gebärdensprache": "gsg",
    "gebärdensprache": "gsg",
}

_AMOUNT = re.compile(r"(\d{1,6})(?:[,.](\d{1,2}))?\s*(?:€|EUR|Euro)", re.IGNORECASE)


def parse_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return None


# ---------------------------------------------------------------- taxonomies


@dataclass(frozen=True)
class Term:
    taxonomy: TaxonomyDef
    name: str

    @property
    def id(self) -> uuid.UUID:
        return stable_id(f"taxonomy/{self.taxonomy.key}/{self.name}")

    @property
    def code(self) -> str:
        return f"{self.taxonomy.key}/{self.name}"


def terms_of(offer: Offer) -> list[Term]:
    d = offer.data
    return [
        Term(FIELDS_OF_ACTION, d.field_of_action),
        *(Term(CROSS_CUTTING_THEMES, t) for t in d.cross_cutting_themes),
        *(Term(TARGET_GROUPS, g) for g in d.target_groups),
    ]


def catalogue(territory: Territory, target_groups: Iterable[str]) -> list[Term]:
    """Every term: the territory's vocabularies and the target groups the offers name."""
    terms = [Term(FIELDS_OF_ACTION, n) for n in territory.vocabularies.get("fields_of_action", ())]
    terms += [Term(CROSS_CUTTING_THEMES, n) for n in territory.vocabularies.get("cross_cutting_themes", ())]
    terms += [Term(TARGET_GROUPS, n) for n in sorted(set(target_groups))]
    return terms


def taxonomy_out(taxonomy: TaxonomyDef, base: str) -> dict[str, Any]:
    return {
        "id": str(taxonomy.id),
        "name": taxonomy.name,
        "description": taxonomy.description,
        "uri": f"{base}/hsds/taxonomies/{taxonomy.id}",
        "version": "1",
    }


def term_out(term: Term, base: str) -> dict[str, Any]:
    t = term.taxonomy
    descriptions = {
        FIELDS_OF_ACTION.key: f"Handlungsfeld „{term.name}“",
        CROSS_CUTTING_THEMES.key: f"Querschnittsthema „{term.name}“",
        TARGET_GROUPS.key: f"Zielgruppe „{term.name}“",
    }
    return {
        "id": str(term.id),
        "code": term.code,
        "name": term.name,
        "description": descriptions[t.key],
        "taxonomy": t.name,
        "taxonomy_id": str(t.id),
        "taxonomy_detail": taxonomy_out(t, base),
        "language": LANGUAGE,
        "term_uri": f"{base}/hsds/taxonomy_terms/{term.id}",
    }


# ---------------------------------------------------------------- offers → services


@dataclass(frozen=True)
class OfferRecord:
    """An offer as stored, with the time of its last change."""

    offer: Offer
    modified_at: datetime


def iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def status_of(offer: Offer) -> str:
    return "active" if offer.status == ACTIVE else "inactive"


def schedule_out(offer: Offer, index: int, r: Recurrence) -> dict[str, Any]:
    """One recurrence as an RFC 5545-style HSDS schedule: weekly on days, or monthly on the n-th days."""
    days = [BYDAY[d] for d in r.weekdays]
    if r.frequency == "monthly":
        byday = ",".join(f"{o}{d}" for o in r.ordinals for d in days)
        freq = "MONTHLY"
    else:
        byday = ",".join(days)
        freq = "WEEKLY"
    return {
        "id": str(stable_id(f"schedule/{offer.id}/{index}")),
        "service_id": str(offer.id),
        "freq": freq,
        "interval": 1,
        "wkst": "MO",
        "byday": byday,
        "opens_at": f"{r.start:%H:%M}",
        "closes_at": f"{r.end:%H:%M}",
        "description": r.describe(),
        "attending_type": "in_person",
    }


def language_out(offer: Offer, index: int, name: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(stable_id(f"language/{offer.id}/{index}")),
        "service_id": str(offer.id),
        "name": name,
    }
    code = LANGUAGE_CODES.get(name.strip().lower())
    if code:
        out["code"] = code
    return out


def amount_of(cost: str) -> float | None:
    """The first euro amount in a cost text ("3,50 € pro Essen" → 3.5), if there is one."""
    m = _AMOUNT.search(cost)
    if not m:
        return None
    return float(f"{m.group(1)}.{m.group(2) or '0'}")


def cost_options_out(offer: Offer) -> list[dict[str, Any]]:
    d = offer.data
    option_id = str(stable_id(f"cost_option/{offer.id}"))
    if d.free_of_charge:
        return [
            {"id": option_id, "service_id": str(offer.id), "option": "Kostenlos", "amount": 0, "currency": CURRENCY}
        ]
    if not d.cost:
        return []
    out: dict[str, Any] = {"id": option_id, "service_id": str(offer.id), "option": d.cost, "amount_description": d.cost}
    amount = amount_of(d.cost)
    if amount is not None:
        out["amount"] = amount
        out["currency"] = CURRENCY
    return [out]


def fees_description(offer: Offer) -> str | None:
    d = offer.data
    if d.free_of_charge:
        return "Kostenlos" + (f" ({d.cost})" if d.cost else "")
    return d.cost


def phone_out(key: str, number: str, **links: str) -> dict[str, Any]:
    return {"id": str(stable_id(key)), **links, "number": number, "type": "voice"}


def contact_out(offer: Offer) -> dict[str, Any]:
    d = offer.data
    contact_id = stable_id(f"contact/{offer.id}")
    out: dict[str, Any] = {"id": str(contact_id), "service_id": str(offer.id), "name": d.contact_office}
    if d.contact_email:
        out["email"] = d.contact_email
    if d.contact_phone:
        out["phones"] = [phone_out(f"phone/contact/{offer.id}", d.contact_phone, contact_id=str(contact_id))]
    return out


def accessibility_out(offer: Offer, location_id: uuid.UUID) -> list[dict[str, Any]]:
    d = offer.data
    if d.wheelchair_accessible is None and not d.accessibility:
        return []
    if d.wheelchair_accessible is None:
        description = "Barrierefreiheit: siehe Hinweise"
    elif d.wheelchair_accessible:
        description = "Rollstuhlgerecht"
    else:
        description = "Nicht rollstuhlgerecht"
    out: dict[str, Any] = {
        "id": str(stable_id(f"accessibility/{offer.id}")),
        "location_id": str(location_id),
        "description": description,
    }
    if d.accessibility:
        out["details"] = d.accessibility
    return [out]


def location_id_of(offer: Offer) -> uuid.UUID:
    return stable_id(f"location/{offer.id}")


def service_at_location_id_of(offer: Offer) -> uuid.UUID:
    return service_at_location_id_of_id(offer.id)


def service_at_location_id_of_id(offer_id: uuid.UUID) -> uuid.UUID:
    return stable_id(f"service_at_location/{offer_id}")


def location_out(offer: Offer, territory: Territory, organization_id: uuid.UUID | None = None) -> dict[str, Any]:
    """The place: the Stadtteilzentrum of the social area, or an address in Hamm."""
    p = offer.data.place
    location_id = location_id_of(offer)
    area = territory.social_areas.get(p.social_area_key)
    area_name = area.name if area else p.social_area_key
    out: dict[str, Any] = {"id": str(location_id), "location_type": "physical"}
    if organization_id is not None:
        out["organization_id"] = str(organization_id)
    if p.kind == "community_centre":
        out["name"] = p.name or (area.community_centre_name if area else f"Stadtteilzentrum {area_name}")
        out["description"] = f"Stadtteilzentrum, {area_name}"
        out["external_identifier"] = f"stadtteilzentrum/{p.social_area_key}"
        out["external_identifier_type"] = "quartier-stadtteilzentrum"
    else:
        out["name"] = p.name or p.street or area_name
        ra = territory.residential_areas.get(p.residential_area_number or -1)
        where = f"Wohnbereich {p.residential_area_number}" + (f" {ra.name}" if ra else "")
        out["description"] = f"{where}, {area_name}"
        out["addresses"] = [
            {
                "id": str(stable_id(f"address/{offer.id}")),
                "location_id": str(location_id),
                "address_1": p.street or "",
                "city": territory.city,
                "region": REGION,
                "state_province": STATE_PROVINCE,
                "postal_code": p.postal_code or "",
                "country": COUNTRY,
                "address_type": "physical",
            }
        ]
    accessibility = accessibility_out(offer, location_id)
    if accessibility:
        out["accessibility"] = accessibility
    return out


def attributes_out(offer: Offer, base: str) -> list[dict[str, Any]]:
    return [
        {
            "id": str(stable_id(f"attribute/{offer.id}/{term.id}")),
            "link_id": str(offer.id),
            "link_type": term.taxonomy.link_type,
            "link_entity": "service",
            "taxonomy_term_id": str(term.id),
            "value": term.name,
            "taxonomy_term": term_out(term, base),
        }
        for term in terms_of(offer)
    ]


def service_area_out(offer: Offer, territory: Territory, base: str) -> dict[str, Any]:
    key = offer.data.place.social_area_key
    area = territory.social_areas.get(key)
    name = area.name if area else key
    return {
        "id": str(stable_id(f"service_area/{offer.id}/{key}")),
        "service_id": str(offer.id),
        "name": name,
        "description": f"{name} der Stadt {territory.city} (Gebiet der Stadtteilarbeit)",
        "extent_type": "sozialraum",
        "uri": f"{base}/oeffentlich/sozialraeume/{key}",
    }


def service_basic(record: OfferRecord) -> dict[str, Any]:
    """The one-to-one fields of a service (``service_list``), without nested objects."""
    offer = record.offer
    d = offer.data
    out: dict[str, Any] = {
        "id": str(offer.id),
        "organization_id": str(d.provider_actor_id),
        "name": d.title,
        "description": d.description,
        "status": status_of(offer),
        "eligibility_description": "Zielgruppen: " + ", ".join(d.target_groups),
        "assured_date": offer.last_confirmed_on.isoformat(),
        "last_modified": iso(record.modified_at),
    }
    if d.contact_email:
        out["email"] = d.contact_email
    fees = fees_description(offer)
    if fees:
        out["fees_description"] = fees
    return out


def service_list_item(record: OfferRecord, organization: dict[str, Any]) -> dict[str, Any]:
    return {**service_basic(record), "organization": organization}


def service_at_location_out(
    record: OfferRecord, territory: Territory, *, service: dict[str, Any] | None = None
) -> dict[str, Any]:
    offer = record.offer
    out: dict[str, Any] = {
        "id": str(service_at_location_id_of(offer)),
        "service_id": str(offer.id),
        "location_id": str(location_id_of(offer)),
        "description": f"„{offer.data.title}“ – {_place_text(offer, territory)}",
        "location": location_out(offer, territory),
    }
    if service is not None:
        out["service"] = service
    return out


def _place_text(offer: Offer, territory: Territory) -> str:
    p = offer.data.place
    if p.kind == "community_centre":
        area = territory.social_areas.get(p.social_area_key)
        return p.name or (area.community_centre_name if area else p.social_area_key)
    return ", ".join(x for x in (p.name, p.street, p.postal_code) if x)


def service_full(record: OfferRecord, territory: Territory, organization: dict[str, Any], base: str) -> dict[str, Any]:
    """The fully nested service (``compiled/service.json``)."""
    offer = record.offer
    d = offer.data
    out = service_basic(record)
    out["organization"] = organization
    out["phones"] = (
        [phone_out(f"phone/service/{offer.id}", d.contact_phone, service_id=str(offer.id))] if d.contact_phone else []
    )
    out["schedules"] = [schedule_out(offer, i, r) for i, r in enumerate(d.recurrences)]
    out["service_areas"] = [service_area_out(offer, territory, base)]
    out["service_at_locations"] = [service_at_location_out(record, territory)]
    out["languages"] = [language_out(offer, i, name) for i, name in enumerate(d.languages)]
    out["cost_options"] = cost_options_out(offer)
    out["contacts"] = [contact_out(offer)]
    out["attributes"] = attributes_out(offer, base)
    out["funding"] = []
    out["required_documents"] = []
    out["metadata"] = []
    return out


# ---------------------------------------------------------------- actors → organizations


def organization_basic(provider_id: uuid.UUID, actor: Actor | None, city: str, base: str) -> dict[str, Any]:
    """The one-to-one fields of an organization (``organization_list``). An actor the directory does not
    know (yet) gets a placeholder name, so that its offers stay exportable."""
    out: dict[str, Any] = {"id": str(provider_id), "uri": f"{base}/hsds/organizations/{provider_id}"}
    if actor is None:
        out["name"] = PLACEHOLDER_ORGANIZATION
        out["description"] = (
            f"Anbieter von Angeboten in {city}; der Träger ist im Akteursverzeichnis von Quartier nicht erfasst."
        )
        return out
    label = ACTOR_TYPE_LABELS.get(actor.type, str(actor.type)) if actor.type else "Akteur"
    out["name"] = actor.name
    areas = ", ".join(actor.social_area_keys)
    description = f"{label} in {city}" + (f", tätig in den Sozialräumen: {areas}" if areas else "")
    if actor.withdrawn:
        description += " (nicht mehr aktiv)"
    out["description"] = description
    if actor.email:
        out["email"] = actor.email
    return out


def organization_full(
    provider_id: uuid.UUID,
    actor: Actor | None,
    services: Sequence[OfferRecord],
    territory: Territory,
    base: str,
) -> dict[str, Any]:
    """The fully nested organization (``compiled/organization.json``) with its services' basic fields."""
    out = organization_basic(provider_id, actor, territory.city, base)
    out["phones"] = (
        [phone_out(f"phone/organization/{provider_id}", actor.phone, organization_id=str(provider_id))]
        if actor is not None and actor.phone
        else []
    )
    locations: list[dict[str, Any]] = []
    if actor is not None and actor.address is not None and actor.address.street:
        location_id = stable_id(f"location/organization/{provider_id}")
        locations.append(
            {
                "id": str(location_id),
                "location_type": "physical",
                "organization_id": str(provider_id),
                "name": actor.name,
                "addresses": [
                    {
                        "id": str(stable_id(f"address/organization/{provider_id}")),
                        "location_id": str(location_id),
                        "address_1": actor.address.street,
                        "city": actor.address.city or territory.city,
                        "region": REGION,
                        "state_province": STATE_PROVINCE,
                        "postal_code": actor.address.postcode or "",
                        "country": COUNTRY,
                        "address_type": "physical",
                    }
                ],
            }
        )
    out["locations"] = locations
    out["services"] = [service_basic(r) for r in services]
    out["contacts"] = []
    out["funding"] = []
    out["programs"] = []
    out["organization_identifiers"] = []
    out["attributes"] = []
    out["metadata"] = []
    return out


# ---------------------------------------------------------------- pages


def page_out(contents: list[dict[str, Any]], total: int, page: int, per_page: int) -> dict[str, Any]:
    """The HSDS ``Page`` envelope (openapi.json ``components.schemas.Page``)."""
    total_pages = max(1, -(-total // per_page))
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def api_info(base: str) -> dict[str, Any]:
    return {
        "version": HSDS_VERSION,
        "openapi_url": OPENAPI_URL,
        "title": "Quartier – Angebote der Stadtteilarbeit (HSDS 3.0)",
        "services_url": f"{base}/hsds/services",
    }


def parse_modified_after(value: str) -> datetime:
    """An ISO date or date-time; without an offset it is read as UTC. Raises ``ValueError``."""
    text = value.strip().replace(" ", "+") if "T" in value else value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def actors_by_id(actors: Iterable[Actor]) -> Mapping[uuid.UUID, Actor]:
    return {a.id: a for a in actors}
