"""The territory of a city: districts, residential areas, social areas, community centres, vocabularies.

Pure rules, no I/O. The structure is data (the city's territory file), never code: ``parse_territory``
validates a parsed document completely before anything is stored, and the change functions decide a
territory change and name the event that announces it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from quartier_shared import errors
from quartier_shared.events.envelope import EventPayload
from quartier_shared.events.territory import (
    CommunityCentreRenamed,
    DistrictRegistered,
    ResidentialAreaMoved,
    ResidentialAreaRegistered,
    SocialAreaRegistered,
    VocabularyPublished,
)

# File section → vocabulary name in code and events.
VOCABULARY_SECTIONS: dict[str, str] = {
    "handlungsfelder": "fields_of_action",
    "querschnittsthemen": "cross_cutting_themes",
    "leitziele_2016": "strategic_goals",
    "steuerungsziele": "steering_goals",
    "koordinierungsrunde_rollen": "coordination_round_roles",
    "stadtteilkonferenz_teilnehmende": "neighbourhood_conference_invitees",
    "stadtteilkonferenz_beispieltitel": "neighbourhood_conference_example_titles",
    "lenkungskreis_mitglieder": "steering_committee_roles",
}
REQUIRED_VOCABULARIES = ("handlungsfelder", "querschnittsthemen", "leitziele_2016")


class TerritoryError(errors.DomainError):
    """A territory rule is broken. ``entry`` names the place, ``message`` says what is wrong (German)."""

    def __init__(self, entry: str, message: str) -> None:
        super().__init__(entry, message)
        self.entry = entry


class UnknownEntry(TerritoryError, errors.NotFound):
    """The referenced district, residential area or social area does not exist."""


class TerritoryNotLoaded(TerritoryError, errors.Unavailable):
    """The registry has not loaded its territory yet (a start that has not finished)."""

    def __init__(self) -> None:
        super().__init__("", "Das Gebiet ist noch nicht geladen.")


@dataclass(frozen=True)
class District:
    key: str
    name: str


@dataclass(frozen=True)
class SocialArea:
    key: str
    name: str
    community_centre_name: str


@dataclass(frozen=True)
class ResidentialArea:
    number: int
    name: str
    district_key: str
    social_area_key: str


@dataclass(frozen=True)
class Territory:
    city: str
    districts: Mapping[str, District]
    social_areas: Mapping[str, SocialArea]
    residential_areas: Mapping[int, ResidentialArea]
    vocabularies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def residential_areas_of(self, social_area_key: str) -> list[ResidentialArea]:
        return sorted(
            (r for r in self.residential_areas.values() if r.social_area_key == social_area_key),
            key=lambda r: r.number,
        )

    def districts_of(self, social_area_key: str) -> list[District]:
        """The districts of a social area are the districts of its residential areas."""
        keys: list[str] = []
        for area in self.residential_areas_of(social_area_key):
            if area.district_key not in keys:
                keys.append(area.district_key)
        return [self.districts[k] for k in keys]

    def social_area(self, key: str) -> SocialArea:
        try:
            return self.social_areas[key]
        except KeyError:
            raise UnknownEntry(f"sozialraeume.{key}", f"Sozialraum „{key}“ ist nicht bekannt.") from None


# ---------------------------------------------------------------- parsing a territory document


def _text(value: Any, entry: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TerritoryError(entry, f"{what} fehlt oder ist kein Text.")
    return value.strip()


def _key(value: Any, entry: str) -> str:
    key = _text(value, entry, "Der Schlüssel (key)")
    if not all(c.isalnum() or c == "-" for c in key) or key != key.lower():
        raise TerritoryError(entry, f"Schlüssel „{key}“ darf nur Kleinbuchstaben, Ziffern und Bindestriche enthalten.")
    return key


def _number(value: Any, entry: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise TerritoryError(entry, f"„{value}“ ist keine gültige Wohnbereichsnummer.")
    return value


def _list(doc: Mapping[str, Any], section: str) -> list[Any]:
    value = doc.get(section)
    if not isinstance(value, list) or not value:
        raise TerritoryError(section, "Abschnitt fehlt oder ist keine Liste.")
    return value


def parse_territory(doc: Any) -> Territory:
    """Validates a parsed territory document; raises ``TerritoryError`` naming the first broken entry."""
    if not isinstance(doc, Mapping):
        raise TerritoryError("", "Die Datei enthält keine Zuordnung (Schlüssel: Wert) auf oberster Ebene.")
    city = _text(doc.get("city"), "city", "Der Name der Stadt")
    districts = _parse_districts(doc)
    area_data = _parse_residential_areas(doc, districts)
    social_areas, membership = _parse_social_areas(doc, area_data)
    vocabularies = _parse_vocabularies(doc)
    residential_areas = {
        n: ResidentialArea(n, name, district_key, membership[n]) for n, (name, district_key) in area_data.items()
    }
    return Territory(city, districts, social_areas, residential_areas, vocabularies)


def _parse_districts(doc: Mapping[str, Any]) -> dict[str, District]:
    districts: dict[str, District] = {}
    for i, item in enumerate(_list(doc, "stadtbezirke")):
        entry = f"stadtbezirke[{i}]"
        if not isinstance(item, Mapping):
            raise TerritoryError(entry, "Eintrag braucht key und name.")
        key = _key(item.get("key"), entry)
        if key in districts:
            raise TerritoryError(f"stadtbezirke.{key}", f"Stadtbezirk „{key}“ ist doppelt.")
        districts[key] = District(key, _text(item.get("name"), f"stadtbezirke.{key}", "Der Name"))
    return districts


def _parse_residential_areas(doc: Mapping[str, Any], districts: Mapping[str, District]) -> dict[int, tuple[str, str]]:
    """Wohnbereich number → (name, Stadtbezirk); the Sozialraum comes from the Sozialräume's lists."""
    raw_areas = doc.get("wohnbereiche")
    if not isinstance(raw_areas, Mapping) or not raw_areas:
        raise TerritoryError("wohnbereiche", "Abschnitt fehlt oder ist keine Zuordnung Nummer: [Name, Stadtbezirk].")
    area_data: dict[int, tuple[str, str]] = {}
    for raw_number, value in raw_areas.items():
        entry = f"wohnbereiche.{raw_number}"
        number = _number(raw_number, entry)
        if not isinstance(value, list) or len(value) != 2:
            raise TerritoryError(entry, "Erwartet wird [Name, Stadtbezirk].")
        name = _text(value[0], entry, "Der Name")
        district_key = _text(value[1], entry, "Der Stadtbezirk")
        if district_key not in districts:
            raise TerritoryError(entry, f"Stadtbezirk „{district_key}“ ist unbekannt.")
        area_data[number] = (name, district_key)
    return area_data


def _parse_social_areas(
    doc: Mapping[str, Any], area_data: Mapping[int, tuple[str, str]]
) -> tuple[dict[str, SocialArea], dict[int, str]]:
    """The Sozialräume and which Sozialraum each Wohnbereich belongs to (exactly one each)."""
    social_areas: dict[str, SocialArea] = {}
    membership: dict[int, str] = {}
    for i, item in enumerate(_list(doc, "sozialraeume")):
        entry = f"sozialraeume[{i}]"
        if not isinstance(item, Mapping):
            raise TerritoryError(entry, "Eintrag braucht key, name, stadtteilzentrum und wohnbereiche.")
        key = _key(item.get("key"), entry)
        entry = f"sozialraeume.{key}"
        if key in social_areas:
            raise TerritoryError(entry, f"Sozialraum „{key}“ ist doppelt.")
        social_areas[key] = SocialArea(
            key,
            _text(item.get("name"), entry, "Der Name"),
            _text(item.get("stadtteilzentrum"), entry, "Das Stadtteilzentrum"),
        )
        numbers = item.get("wohnbereiche")
        if not isinstance(numbers, list) or not numbers:
            raise TerritoryError(entry, "Ein Sozialraum braucht mindestens einen Wohnbereich.")
        for raw_number in numbers:
            number = _number(raw_number, entry)
            if number not in area_data:
                raise TerritoryError(entry, f"Wohnbereich {number} ist unter „wohnbereiche“ nicht beschrieben.")
            if number in membership:
                raise TerritoryError(
                    entry,
                    f"Wohnbereich {number} gehört schon zum Sozialraum „{membership[number]}“; "
                    "ein Wohnbereich gehört zu genau einem Sozialraum.",
                )
            membership[number] = key
    orphans = sorted(set(area_data) - set(membership))
    if orphans:
        raise TerritoryError(f"wohnbereiche.{orphans[0]}", f"Wohnbereich {orphans[0]} gehört zu keinem Sozialraum.")
    return social_areas, membership


def _parse_vocabularies(doc: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    vocabularies: dict[str, tuple[str, ...]] = {}
    for section, name in VOCABULARY_SECTIONS.items():
        if section not in doc:
            if section in REQUIRED_VOCABULARIES:
                raise TerritoryError(section, "Abschnitt fehlt.")
            continue
        terms = _list(doc, section)
        seen: list[str] = []
        for i, term in enumerate(terms):
            text = _text(term, f"{section}[{i}]", "Der Begriff")
            if text in seen:
                raise TerritoryError(f"{section}[{i}]", f"Begriff „{text}“ ist doppelt.")
            seen.append(text)
        vocabularies[name] = tuple(seen)
    return vocabularies


# ---------------------------------------------------------------- decisions


def registration_events(current: Territory | None, desired: Territory) -> list[EventPayload]:
    """The events that bring ``current`` to ``desired`` (new or changed entries only).

    Removing an entry is refused: plans, meetings and reports refer to it.
    """
    city = desired.city
    if current is not None:
        for key in current.districts.keys() - desired.districts.keys():
            raise TerritoryError(f"stadtbezirke.{key}", "Registrierter Stadtbezirk kann nicht entfernt werden.")
        for key in current.social_areas.keys() - desired.social_areas.keys():
            raise TerritoryError(f"sozialraeume.{key}", "Registrierter Sozialraum kann nicht entfernt werden.")
        for number in current.residential_areas.keys() - desired.residential_areas.keys():
            raise TerritoryError(f"wohnbereiche.{number}", "Registrierter Wohnbereich kann nicht entfernt werden.")
    events: list[EventPayload] = []
    for d in desired.districts.values():
        if current is None or current.districts.get(d.key) != d:
            events.append(DistrictRegistered(city=city, district_key=d.key, name=d.name))
    for s in desired.social_areas.values():
        if current is None or current.social_areas.get(s.key) != s:
            events.append(
                SocialAreaRegistered(
                    city=city, social_area_key=s.key, name=s.name, community_centre_name=s.community_centre_name
                )
            )
    for r in sorted(desired.residential_areas.values(), key=lambda r: r.number):
        if current is None or current.residential_areas.get(r.number) != r:
            events.append(
                ResidentialAreaRegistered(
                    city=city,
                    number=r.number,
                    name=r.name,
                    district_key=r.district_key,
                    social_area_key=r.social_area_key,
                )
            )
    for name, terms in desired.vocabularies.items():
        if current is None or current.vocabularies.get(name) != terms:
            events.append(VocabularyPublished(city=city, vocabulary=name, terms=list(terms)))
    return events


def rename_community_centre(territory: Territory, social_area_key: str, new_name: str) -> CommunityCentreRenamed:
    area = territory.social_area(social_area_key)
    name = " ".join(new_name.split())
    if not name:
        raise TerritoryError("name", "Bitte geben Sie einen Namen für das Stadtteilzentrum an.")
    if len(name) > 200:
        raise TerritoryError("name", "Der Name ist zu lang (höchstens 200 Zeichen).")
    if name == area.community_centre_name:
        raise TerritoryError("name", f"Das Stadtteilzentrum heißt bereits „{name}“.")
    return CommunityCentreRenamed(
        city=territory.city, social_area_key=area.key, old_name=area.community_centre_name, new_name=name
    )


def move_residential_area(territory: Territory, number: int, to_social_area_key: str) -> ResidentialAreaMoved:
    area = territory.residential_areas.get(number)
    if area is None:
        raise UnknownEntry(f"wohnbereiche.{number}", f"Wohnbereich {number} ist nicht bekannt.")
    target = territory.social_area(to_social_area_key)
    if area.social_area_key == target.key:
        raise TerritoryError("social_area_key", f"Wohnbereich {number} gehört bereits zu „{target.name}“.")
    if len(territory.residential_areas_of(area.social_area_key)) == 1:
        source = territory.social_areas[area.social_area_key]
        raise TerritoryError(
            "social_area_key",
            f"Wohnbereich {number} ist der letzte Wohnbereich von „{source.name}“; "
            "ein Sozialraum braucht mindestens einen Wohnbereich.",
        )
    return ResidentialAreaMoved(
        city=territory.city,
        number=number,
        from_social_area_key=area.social_area_key,
        to_social_area_key=target.key,
    )
