"""The offer directory (Angebote) and the detection of duplicate offers ("Dopplungen", chapter 3.3).

Pure rules, no I/O. ``parse_offer`` validates an offer as entered against the city's territory and its
vocabularies and names the broken field in German. The duplicate rules decide, from text similarities
that Postgres' ``pg_trgm`` computed (``offer_text_features`` in migration 003) and from the offers'
structured data, whether two offers are likely the same and why.

Neighbouring Sozialräume: two social areas are neighbours when they share a Stadtbezirk (the districts
of a social area are the districts of its residential areas). In Hamm: Westen neighbours Mitte, Pelkum
and Herringen; Norden neighbours Bockum-Hövel and Heessen; Uentrop and Rhynern have none. The territory
file carries no geometry, so this is the only adjacency the data supports.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, time
from typing import Any

from quartier_registry.domain.territory import Territory
from quartier_shared import errors
from quartier_shared.events.offers import (
    DuplicatePairDismissed,
    DuplicateSuspected,
    OfferChanged,
    OfferConfirmed,
    OfferDataV1,
    OfferRegistered,
    OffersMerged,
    OfferWithdrawn,
    PlaceV1,
    RecurrenceV1,
)

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
FREQUENCIES = ("weekly", "monthly")
PLACE_KINDS = ("community_centre", "address")
ACTIVE = "active"
WITHDRAWN = "withdrawn"
REVIEW_AFTER_MONTHS = 12

MAX_TITLE = 200
MAX_TEXT = 5000
MAX_SHORT = 300
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()/\-]{5,30}$")
_TIME = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


class OfferError(errors.DomainError):
    """An offer rule is broken. ``field`` names the input field (API name), ``message`` says what (German)."""


class UnknownOffer(OfferError, errors.NotFound):
    """The offer or suspected pair does not exist."""


@dataclass(frozen=True)
class Recurrence:
    frequency: str
    weekdays: tuple[str, ...]
    start: time
    end: time
    ordinals: tuple[int, ...] = ()

    def describe(self) -> str:
        days = ", ".join(WEEKDAYS[d] for d in self.weekdays)
        hours = f"{self.start:%H:%M}–{self.end:%H:%M} Uhr"
        if self.frequency == "weekly":
            return f"wöchentlich {days}, {hours}"
        nth = " und ".join(ORDINALS[o] for o in self.ordinals)
        return f"am {nth} {days} im Monat, {hours}"


@dataclass(frozen=True)
class Place:
    kind: str
    social_area_key: str
    residential_area_number: int | None = None
    name: str | None = None
    street: str | None = None
    postal_code: str | None = None

    def address_text(self) -> str:
        """The text compared for "same place" (empty for a Stadtteilzentrum)."""
        if self.kind != "address":
            return ""
        return " ".join(p for p in (self.street, self.postal_code) if p)


@dataclass(frozen=True)
class OfferData:
    """What staff enter; everything but identity, status and confirmation."""

    title: str
    description: str
    provider_actor_id: uuid.UUID
    field_of_action: str
    cross_cutting_themes: tuple[str, ...]
    target_groups: tuple[str, ...]
    languages: tuple[str, ...]
    place: Place
    recurrences: tuple[Recurrence, ...]
    free_of_charge: bool
    cost: str | None
    wheelchair_accessible: bool | None
    accessibility: str | None
    contact_office: str
    contact_email: str | None
    contact_phone: str | None


@dataclass(frozen=True)
class Offer:
    id: uuid.UUID
    data: OfferData
    last_confirmed_on: date
    status: str = ACTIVE
    merged_into: uuid.UUID | None = None

    @property
    def social_area_key(self) -> str:
        return self.data.place.social_area_key

    def review_due_on(self) -> date:
        return add_months(self.last_confirmed_on, REVIEW_AFTER_MONTHS)

    def review_due(self, today: date) -> bool:
        """Offers not confirmed for 12 months are flagged for review (withdrawn ones are not)."""
        return self.status == ACTIVE and today >= self.review_due_on()


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- territory helpers


def neighbours(territory: Territory, social_area_key: str) -> list[str]:
    """Social areas sharing a Stadtbezirk with ``social_area_key`` (without itself)."""
    own = {d.key for d in territory.districts_of(social_area_key)}
    return [
        key
        for key in territory.social_areas
        if key != social_area_key and own & {d.key for d in territory.districts_of(key)}
    ]


def search_areas(territory: Territory, social_area_key: str) -> list[str]:
    """Where duplicates of an offer in ``social_area_key`` are looked for: the area and its neighbours."""
    return [social_area_key, *neighbours(territory, social_area_key)]


# ---------------------------------------------------------------- parsing input


def _text(
    data: Mapping[str, Any], name: str, label: str, *, max_len: int = MAX_SHORT, required: bool = True, prefix: str = ""
) -> str:
    value = data.get(name)
    name = prefix + name
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise OfferError(name, f"Bitte geben Sie {label} an.")
        return ""
    if not isinstance(value, str):
        raise OfferError(name, f"{label[0].upper()}{label[1:]} muss ein Text sein.")
    text = " ".join(value.split()) if max_len <= MAX_SHORT else value.strip()
    if len(text) > max_len:
        raise OfferError(name, f"{label[0].upper()}{label[1:]} ist zu lang (höchstens {max_len} Zeichen).")
    return text


def _optional_text(
    data: Mapping[str, Any], name: str, label: str, max_len: int = MAX_SHORT, prefix: str = ""
) -> str | None:
    return _text(data, name, label, max_len=max_len, required=False, prefix=prefix) or None


def _text_list(data: Mapping[str, Any], name: str, label: str) -> tuple[str, ...]:
    value = data.get(name, [])
    if value is None:
        return ()
    if not isinstance(value, list):
        raise OfferError(name, f"{label} müssen als Liste angegeben werden.")
    out: list[str] = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise OfferError(f"{name}[{i}]", f"Ein Eintrag in „{label}“ ist leer oder kein Text.")
        text = " ".join(item.split())
        if len(text) > 100:
            raise OfferError(f"{name}[{i}]", f"Ein Eintrag in „{label}“ ist zu lang (höchstens 100 Zeichen).")
        if text not in out:
            out.append(text)
    return tuple(out)


def _bool(data: Mapping[str, Any], name: str, label: str, default: bool | None, prefix: str = "") -> bool | None:
    value = data.get(name, default)
    name = prefix + name
    if value is None or isinstance(value, bool):
        return value
    raise OfferError(name, f"„{label}“ muss ja (true) oder nein (false) sein.")


def _uuid(value: Any, name: str, label: str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    raise OfferError(name, f"Bitte geben Sie {label} als gültige Kennung (UUID) an.")


def _time(value: Any, name: str, label: str) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        m = _TIME.match(value.strip())
        if m:
            return time(int(m.group(1)), int(m.group(2)))
    raise OfferError(name, f"Bitte geben Sie {label} als Uhrzeit im Format HH:MM an.")


def parse_date(value: Any, name: str, label: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise OfferError(name, f"Bitte geben Sie {label} als Datum im Format JJJJ-MM-TT an.")


def _place(value: Any, territory: Territory) -> Place:
    if not isinstance(value, Mapping):
        raise OfferError("place", "Bitte geben Sie den Ort an: ein Stadtteilzentrum oder eine Adresse mit Wohnbereich.")
    kind = value.get("kind")
    if kind not in PLACE_KINDS:
        raise OfferError("place.kind", "Der Ort ist entweder ein Stadtteilzentrum oder eine Adresse.")
    if kind == "community_centre":
        key = value.get("social_area_key")
        if not isinstance(key, str) or not key.strip():
            raise OfferError("place.social_area_key", "Bitte geben Sie den Sozialraum des Stadtteilzentrums an.")
        if key not in territory.social_areas:
            raise OfferError("place.social_area_key", f"Sozialraum „{key}“ ist nicht bekannt.")
        return Place("community_centre", key, name=territory.social_areas[key].community_centre_name)
    number = value.get("residential_area_number")
    if isinstance(number, str) and number.strip().isdigit():
        number = int(number)
    if number is None:
        raise OfferError("place.residential_area_number", "Bitte geben Sie den Wohnbereich der Adresse an.")
    if isinstance(number, bool) or not isinstance(number, int):
        raise OfferError("place.residential_area_number", f"„{number}“ ist keine gültige Wohnbereichsnummer.")
    area = territory.residential_areas.get(number)
    if area is None:
        raise OfferError("place.residential_area_number", f"Wohnbereich {number} ist nicht bekannt.")
    street = _text(value, "street", "Straße und Hausnummer", prefix="place.")
    postal = _optional_text(value, "postal_code", "die Postleitzahl", prefix="place.")
    if postal is not None and not re.fullmatch(r"[0-9]{5}", postal):
        raise OfferError("place.postal_code", "Die Postleitzahl hat fünf Ziffern.")
    return Place(
        "address",
        area.social_area_key,
        residential_area_number=number,
        name=_optional_text(value, "name", "den Namen des Ortes", prefix="place."),
        street=street,
        postal_code=postal,
    )


def _recurrence(value: Any, i: int) -> Recurrence:
    prefix = f"schedule.recurrences[{i}]"
    if not isinstance(value, Mapping):
        raise OfferError(prefix, "Ein Termin braucht Rhythmus, Wochentage und Uhrzeiten.")
    frequency = value.get("frequency")
    if frequency not in FREQUENCIES:
        raise OfferError(f"{prefix}.frequency", "Der Rhythmus ist wöchentlich (weekly) oder monatlich (monthly).")
    days = value.get("weekdays")
    if not isinstance(days, list) or not days:
        raise OfferError(f"{prefix}.weekdays", "Bitte geben Sie mindestens einen Wochentag für den Termin an.")
    weekdays: list[str] = []
    for day in days:
        if day not in WEEKDAYS:
            raise OfferError(f"{prefix}.weekdays", f"„{day}“ ist kein Wochentag (monday … sunday).")
        if day not in weekdays:
            weekdays.append(day)
    ordinals: list[int] = []
    raw_ordinals = value.get("ordinals") or []
    if frequency == "monthly":
        if not isinstance(raw_ordinals, list) or not raw_ordinals:
            raise OfferError(
                f"{prefix}.ordinals", "Bitte geben Sie an, am wievielten Wochentag im Monat der Termin ist."
            )
        for o in raw_ordinals:
            if isinstance(o, bool) or o not in ORDINALS:
                raise OfferError(f"{prefix}.ordinals", f"„{o}“ ist nicht erlaubt (1 bis 5, oder -1 für den letzten).")
            if o not in ordinals:
                ordinals.append(o)
    elif raw_ordinals:
        raise OfferError(f"{prefix}.ordinals", "Ein wöchentlicher Termin hat keine Angabe „am n-ten Wochentag“.")
    start = _time(value.get("start_time"), f"{prefix}.start_time", "den Beginn")
    end = _time(value.get("end_time"), f"{prefix}.end_time", "das Ende")
    if end <= start:
        raise OfferError(f"{prefix}.end_time", "Das Ende muss nach dem Beginn liegen.")
    order = list(WEEKDAYS)
    return Recurrence(
        frequency,
        tuple(sorted(weekdays, key=order.index)),
        start,
        end,
        tuple(sorted(ordinals, key=lambda o: o if o > 0 else 99)),
    )


def parse_offer(data: Any, territory: Territory) -> OfferData:
    """Validates an offer as entered; raises ``OfferError`` naming the first broken field."""
    if not isinstance(data, Mapping):
        raise OfferError("", "Die Angaben zum Angebot fehlen.")
    title = _text(data, "title", "einen Titel", max_len=MAX_TITLE)
    description = _text(data, "description", "eine Beschreibung", max_len=MAX_TEXT)
    provider = _uuid(data.get("provider_actor_id"), "provider_actor_id", "den Träger")
    field_of_action = _field_of_action(data, territory)
    themes = _themes(data, territory)
    target_groups = _text_list(data, "target_groups", "Zielgruppen")
    if not target_groups:
        raise OfferError("target_groups", "Bitte geben Sie mindestens eine Zielgruppe an.")
    languages = _text_list(data, "languages", "Sprachen") or ("Deutsch",)
    place = _place(data.get("place"), territory)
    recurrences = _recurrences(data)
    free, cost = _cost(data)
    office, email, phone = _contact(data)
    wheelchair, notes = _accessibility(data)
    return OfferData(
        title=title,
        description=description,
        provider_actor_id=provider,
        field_of_action=field_of_action,
        cross_cutting_themes=themes,
        target_groups=target_groups,
        languages=languages,
        place=place,
        recurrences=recurrences,
        free_of_charge=free,
        cost=cost,
        wheelchair_accessible=wheelchair,
        accessibility=notes,
        contact_office=office,
        contact_email=email,
        contact_phone=phone,
    )


def _field_of_action(data: Mapping[str, Any], territory: Territory) -> str:
    fields = territory.vocabularies.get("fields_of_action", ())
    field_of_action = _text(data, "field_of_action", "ein Handlungsfeld")
    if field_of_action not in fields:
        raise OfferError(
            "field_of_action", f"Handlungsfeld „{field_of_action}“ ist nicht bekannt (erlaubt: {', '.join(fields)})."
        )
    return field_of_action


def _themes(data: Mapping[str, Any], territory: Territory) -> tuple[str, ...]:
    themes_vocab = territory.vocabularies.get("cross_cutting_themes", ())
    themes = _text_list(data, "cross_cutting_themes", "Querschnittsthemen")
    for i, theme in enumerate(themes):
        if theme not in themes_vocab:
            raise OfferError(
                f"cross_cutting_themes[{i}]",
                f"Querschnittsthema „{theme}“ ist nicht bekannt (erlaubt: {', '.join(themes_vocab)}).",
            )
    return themes


def _recurrences(data: Mapping[str, Any]) -> tuple[Recurrence, ...]:
    schedule = data.get("schedule") or {}
    if not isinstance(schedule, Mapping):
        raise OfferError("schedule", "Die Termine müssen als Zuordnung mit „recurrences“ angegeben werden.")
    raw = schedule.get("recurrences") or []
    if not isinstance(raw, list):
        raise OfferError("schedule.recurrences", "Die Termine müssen als Liste angegeben werden.")
    return tuple(_recurrence(r, i) for i, r in enumerate(raw))


def _cost(data: Mapping[str, Any]) -> tuple[bool, str | None]:
    """Free of charge, or what it costs."""
    free = _bool(data, "free_of_charge", "Kostenlos", None)
    cost = _optional_text(data, "cost", "die Kosten")
    if free is None:
        raise OfferError("free_of_charge", "Bitte geben Sie an, ob das Angebot kostenlos ist.")
    if not free and cost is None:
        raise OfferError("cost", "Bitte geben Sie an, was das Angebot kostet.")
    return free, cost


def _contact(data: Mapping[str, Any]) -> tuple[str, str | None, str | None]:
    """The office to contact, with an e-mail address or a phone number (at least one)."""
    contact = data.get("contact") or {}
    if not isinstance(contact, Mapping):
        raise OfferError("contact", "Bitte geben Sie den Kontakt der Dienststelle oder des Büros an.")
    office = _text(contact, "office", "die Dienststelle oder das Büro als Kontakt", prefix="contact.")
    email = _optional_text(contact, "email", "die E-Mail-Adresse", prefix="contact.")
    phone = _optional_text(contact, "phone", "die Telefonnummer", prefix="contact.")
    if email is None and phone is None:
        raise OfferError("contact.email", "Bitte geben Sie eine E-Mail-Adresse oder Telefonnummer der Dienststelle an.")
    if email is not None and not _EMAIL.match(email):
        raise OfferError("contact.email", f"„{email}“ ist keine gültige E-Mail-Adresse.")
    if phone is not None and not _PHONE.match(phone):
        raise OfferError("contact.phone", f"„{phone}“ ist keine gültige Telefonnummer.")
    return office, email, phone


def _accessibility(data: Mapping[str, Any]) -> tuple[bool | None, str | None]:
    accessibility = data.get("accessibility") or {}
    if not isinstance(accessibility, Mapping):
        raise OfferError("accessibility", "Die Angaben zur Barrierefreiheit müssen eine Zuordnung sein.")
    wheelchair = _bool(accessibility, "wheelchair_accessible", "Rollstuhlgerecht", None, prefix="accessibility.")
    notes = _optional_text(
        accessibility, "notes", "die Hinweise zur Barrierefreiheit", max_len=1000, prefix="accessibility."
    )
    return wheelchair, notes


# ---------------------------------------------------------------- decisions


def offer_payload(offer: Offer) -> OfferDataV1:
    d = offer.data
    return OfferDataV1(
        title=d.title,
        description=d.description,
        provider_actor_id=d.provider_actor_id,
        field_of_action=d.field_of_action,
        cross_cutting_themes=list(d.cross_cutting_themes),
        target_groups=list(d.target_groups),
        languages=list(d.languages),
        place=PlaceV1(
            kind=d.place.kind,
            social_area_key=d.place.social_area_key,
            residential_area_number=d.place.residential_area_number,
            name=d.place.name,
            street=d.place.street,
            postal_code=d.place.postal_code,
        ),
        recurrences=[
            RecurrenceV1(
                frequency=r.frequency,
                weekdays=list(r.weekdays),
                ordinals=list(r.ordinals),
                start_time=f"{r.start:%H:%M}",
                end_time=f"{r.end:%H:%M}",
            )
            for r in d.recurrences
        ],
        free_of_charge=d.free_of_charge,
        cost=d.cost,
        wheelchair_accessible=d.wheelchair_accessible,
        accessibility=d.accessibility,
        contact_office=d.contact_office,
        contact_email=d.contact_email,
        contact_phone=d.contact_phone,
        last_confirmed_on=offer.last_confirmed_on,
    )


def register_offer(offer_id: uuid.UUID, data: OfferData, today: date) -> tuple[Offer, OfferRegistered]:
    offer = Offer(offer_id, data, last_confirmed_on=today)
    return offer, OfferRegistered(offer_id=offer_id, offer=offer_payload(offer))


def _require_active(offer: Offer) -> None:
    if offer.status != ACTIVE:
        raise OfferError("status", "Das Angebot ist zurückgezogen und kann nicht mehr geändert werden.")


def change_offer(offer: Offer, data: OfferData, today: date) -> tuple[Offer, OfferChanged | None]:
    """A change counts as a confirmation (the provider just looked at it). No change, no event."""
    _require_active(offer)
    changed = [name for name in OfferData.__dataclass_fields__ if getattr(offer.data, name) != getattr(data, name)]
    if not changed:
        return offer, None
    new = replace(offer, data=data, last_confirmed_on=max(today, offer.last_confirmed_on))
    return new, OfferChanged(offer_id=offer.id, offer=offer_payload(new), changed_fields=changed)


def confirm_offer(offer: Offer, today: date) -> tuple[Offer, OfferConfirmed]:
    _require_active(offer)
    new = replace(offer, last_confirmed_on=max(today, offer.last_confirmed_on))
    return new, OfferConfirmed(offer_id=offer.id, confirmed_on=new.last_confirmed_on)


def withdraw_offer(offer: Offer, reason: str, merged_into: uuid.UUID | None = None) -> tuple[Offer, OfferWithdrawn]:
    _require_active(offer)
    text = " ".join(reason.split())
    if not text:
        raise OfferError("reason", "Bitte geben Sie einen Grund für das Zurückziehen an.")
    if len(text) > 500:
        raise OfferError("reason", "Der Grund ist zu lang (höchstens 500 Zeichen).")
    new = replace(offer, status=WITHDRAWN, merged_into=merged_into)
    return new, OfferWithdrawn(offer_id=offer.id, reason=text, merged_into=merged_into)


# ---------------------------------------------------------------- duplicates

# Weights of the score (sum 1.0) and the threshold from which a pair is suspected. A duplicate is the
# same offer entered twice: the same place and time weigh as much as the words. The description is
# shown as a reason but does not count: providers describe the same offer in very different words.
# Chosen on the labelled set in services/registry/tests/offer_pairs.yaml; bench/DUPLICATES.md has the
# figures, the sweep and what it misses.
W_TITLE = 0.30
W_TARGET_GROUP = 0.20
W_TIME = 0.25
W_PLACE = 0.25
THRESHOLD = 0.785
# A feature counts as a reason from these values on.
TITLE_REASON = 0.45
DESCRIPTION_REASON = 0.5
TARGET_GROUP_MATCH = 0.6
ADDRESS_MATCH = 0.7

REASONS: dict[str, str] = {
    "similar_title": "ähnlicher Titel",
    "similar_description": "ähnliche Beschreibung",
    "same_target_group": "gleiche Zielgruppe",
    "same_weekday_overlapping_hours": "gleicher Wochentag und überschneidende Uhrzeit",
    "same_place": "gleicher Ort",
    "same_area_place_unclear": "gleicher Sozialraum, Ort einmal als Stadtteilzentrum und einmal als Adresse",
}


@dataclass(frozen=True)
class TextFeatures:
    """Similarities computed by pg_trgm (0 … 1) for a pair of offers."""

    title: float
    description: float
    target_group: float
    address: float


@dataclass(frozen=True)
class Assessment:
    score: float
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def suspected(self) -> bool:
        return self.score >= THRESHOLD


def pair_ids(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    """The order in which a pair is stored and keyed: the smaller uuid first."""
    if a == b:
        raise OfferError("", "Ein Angebot ist kein Duplikat von sich selbst.")
    return (a, b) if a < b else (b, a)


def _days_of(r: Recurrence) -> set[tuple[str, int]]:
    # 0 stands for "every week"; monthly ordinals name the weeks.
    return {(d, o) for d in r.weekdays for o in (r.ordinals or (0,))}


def overlapping_times(a: Sequence[Recurrence], b: Sequence[Recurrence]) -> bool:
    """Same weekday (a weekly date meets every monthly one of that day) and overlapping hours."""
    for ra in a:
        for rb in b:
            da, db = _days_of(ra), _days_of(rb)
            same_day = any(d1 == d2 and (o1 == 0 or o2 == 0 or o1 == o2) for d1, o1 in da for d2, o2 in db)
            if same_day and ra.start < rb.end and rb.start < ra.end:
                return True
    return False


def same_place(a: Place, b: Place, address_similarity: float) -> bool:
    if a.kind == "community_centre" and b.kind == "community_centre":
        return a.social_area_key == b.social_area_key
    if a.kind == "address" and b.kind == "address":
        return a.residential_area_number == b.residential_area_number and address_similarity >= ADDRESS_MATCH
    return False


def place_score(a: Place, b: Place, address_similarity: float) -> float:
    """1 for the same place; 0.5 when one names the Stadtteilzentrum and the other an address in the same
    Sozialraum (it may be the centre's address); 0 otherwise."""
    if same_place(a, b, address_similarity):
        return 1.0
    if a.kind != b.kind and a.social_area_key == b.social_area_key:
        return 0.5
    return 0.0


def assess(a: OfferData, b: OfferData, features: TextFeatures) -> Assessment:
    """Score and reasons of a pair (the caller has checked that the areas are the same or neighbours)."""
    times = overlapping_times(a.recurrences, b.recurrences)
    place = place_score(a.place, b.place, features.address)
    score = (
        W_TITLE * features.title
        + W_TARGET_GROUP * features.target_group
        + W_TIME * (1.0 if times else 0.0)
        + W_PLACE * place
    )
    reasons: list[str] = []
    if features.title >= TITLE_REASON:
        reasons.append("similar_title")
    if features.description >= DESCRIPTION_REASON:
        reasons.append("similar_description")
    if features.target_group >= TARGET_GROUP_MATCH:
        reasons.append("same_target_group")
    if times:
        reasons.append("same_weekday_overlapping_hours")
    if place == 1.0:
        reasons.append("same_place")
    elif place > 0:
        reasons.append("same_area_place_unclear")
    return Assessment(round(score, 3), tuple(reasons))


def in_range(territory: Territory, a: Place, b: Place) -> bool:
    return b.social_area_key in search_areas(territory, a.social_area_key)


def suspect(pair_id: uuid.UUID, a: uuid.UUID, b: uuid.UUID, assessment: Assessment) -> DuplicateSuspected:
    first, second = pair_ids(a, b)
    return DuplicateSuspected(
        pair_id=pair_id,
        offer_id=first,
        other_offer_id=second,
        score=assessment.score,
        reasons=list(assessment.reasons),
    )


@dataclass(frozen=True)
class DuplicatePair:
    id: uuid.UUID
    offer_a: uuid.UUID
    offer_b: uuid.UUID
    score: float
    reasons: tuple[str, ...]
    status: str  # open | dismissed | merged | closed


def _require_open(pair: DuplicatePair) -> None:
    if pair.status != "open":
        states = {"dismissed": "als kein Duplikat markiert", "merged": "zusammengeführt", "closed": "erledigt"}
        raise OfferError("pair_id", f"Das Paar ist bereits {states.get(pair.status, pair.status)}.")


def dismiss_pair(pair: DuplicatePair) -> DuplicatePairDismissed:
    _require_open(pair)
    return DuplicatePairDismissed(pair_id=pair.id, offer_id=pair.offer_a, other_offer_id=pair.offer_b)


def merge_pair(pair: DuplicatePair, keep: Offer, drop: Offer) -> tuple[Offer, OfferWithdrawn, OffersMerged]:
    """Withdraws ``drop`` into ``keep``; both must be the pair's offers and active."""
    _require_open(pair)
    if {keep.id, drop.id} != {pair.offer_a, pair.offer_b}:
        raise OfferError("keep_offer_id", "Das zu behaltende Angebot gehört nicht zu diesem Paar.")
    if keep.status != ACTIVE:
        raise OfferError("keep_offer_id", "Das zu behaltende Angebot ist bereits zurückgezogen.")
    withdrawn, event = withdraw_offer(drop, f"Zusammengeführt mit „{keep.data.title}“", merged_into=keep.id)
    merged = OffersMerged(
        pair_id=pair.id,
        offer_id=pair.offer_a,
        other_offer_id=pair.offer_b,
        kept_offer_id=keep.id,
        withdrawn_offer_id=drop.id,
    )
    return withdrawn, event, merged
