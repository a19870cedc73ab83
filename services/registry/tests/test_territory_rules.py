"""The territory rules on their own: parsing a city's file and deciding changes (no I/O but reading files)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from quartier_registry.domain import territory as domain
from quartier_registry.domain.territory import TerritoryError, UnknownEntry, parse_territory, registration_events
from quartier_registry.service.territory import TerritoryFileError, read_territory_file
from quartier_shared.events.territory import (
    CommunityCentreRenamed,
    DistrictRegistered,
    ResidentialAreaMoved,
    ResidentialAreaRegistered,
    SocialAreaRegistered,
    VocabularyPublished,
)

HAMM = Path(__file__).resolve().parents[1] / "data" / "hamm.yaml"
MUSTERSTADT = Path(__file__).with_name("musterstadt.yaml")


@pytest.fixture(scope="module")
def hamm() -> domain.Territory:
    return read_territory_file(HAMM).territory


def hamm_doc() -> dict:
    return yaml.safe_load(HAMM.read_text(encoding="utf-8"))


def test_hamm_has_9_social_areas_27_residential_areas_and_7_districts(hamm: domain.Territory) -> None:
    assert len(hamm.social_areas) == 9
    assert len(hamm.residential_areas) == 27
    assert len(hamm.districts) == 7
    assert hamm.city == "Hamm"


@pytest.mark.parametrize(
    ("social_area", "districts"),
    [
        ("westen", ["mitte", "pelkum", "herringen"]),
        ("norden", ["bockum-hoevel", "heessen"]),
        ("mitte", ["mitte"]),
        ("uentrop", ["uentrop"]),
        ("heessen", ["heessen"]),
    ],
)
def test_the_districts_of_a_social_area_are_those_of_its_residential_areas(
    hamm: domain.Territory, social_area: str, districts: list[str]
) -> None:
    assert [d.key for d in hamm.districts_of(social_area)] == districts


def test_westen_has_its_residential_areas_and_centre(hamm: domain.Territory) -> None:
    assert [r.number for r in hamm.residential_areas_of("westen")] == [14, 15, 42, 52]
    assert hamm.social_areas["westen"].community_centre_name == "Stadtteilzentrum an der Wilhelmstraße"


def test_vocabularies_come_from_the_file(hamm: domain.Territory) -> None:
    assert hamm.vocabularies["fields_of_action"] == (
        "Quartiersmanagement",
        "Familienarbeit",
        "Senior:innenarbeit",
        "Kinder- und Jugendarbeit",
    )
    assert len(hamm.vocabularies["strategic_goals"]) == 4
    assert len(hamm.vocabularies["steering_committee_roles"]) == 17


def test_another_city_is_only_another_file() -> None:
    town = read_territory_file(MUSTERSTADT).territory
    assert town.city == "Musterstadt"
    assert [d.key for d in town.districts_of("altstadt")] == ["nord", "sued"]
    events = registration_events(None, town)
    assert sum(isinstance(e, SocialAreaRegistered) for e in events) == 2
    assert sum(isinstance(e, ResidentialAreaRegistered) for e in events) == 3


def test_first_load_announces_everything_and_an_equal_file_nothing(hamm: domain.Territory) -> None:
    events = registration_events(None, hamm)
    kinds = {
        DistrictRegistered: 7,
        SocialAreaRegistered: 9,
        ResidentialAreaRegistered: 27,
        VocabularyPublished: len(hamm.vocabularies),
    }
    for kind, count in kinds.items():
        assert sum(isinstance(e, kind) for e in events) == count
    assert registration_events(hamm, hamm) == []


def test_a_changed_file_announces_only_what_changed(hamm: domain.Territory) -> None:
    doc = hamm_doc()
    doc["sozialraeume"][5]["stadtteilzentrum"] = "Casino Pelkum"
    changed = parse_territory(doc)
    assert registration_events(hamm, changed) == [
        SocialAreaRegistered(
            city="Hamm", social_area_key="pelkum", name="Sozialraum Pelkum", community_centre_name="Casino Pelkum"
        )
    ]


def test_a_file_that_drops_a_registered_residential_area_is_refused(hamm: domain.Territory) -> None:
    doc = hamm_doc()
    del doc["wohnbereiche"][74]
    doc["sozialraeume"][8]["wohnbereiche"].remove(74)
    with pytest.raises(TerritoryError) as err:
        registration_events(hamm, parse_territory(doc))
    assert err.value.entry == "wohnbereiche.74"


def _broken(mutate) -> TerritoryError:  # type: ignore[no-untyped-def]
    doc = hamm_doc()
    mutate(doc)
    with pytest.raises(TerritoryError) as err:
        parse_territory(doc)
    return err.value


def test_unknown_district_is_named() -> None:
    err = _broken(lambda d: d["wohnbereiche"].__setitem__(42, ["Daberg & Lohausenholz", "atlantis"]))
    assert err.entry == "wohnbereiche.42"
    assert "„atlantis“ ist unbekannt" in err.message


def test_a_residential_area_in_two_social_areas_is_named() -> None:
    err = _broken(lambda d: d["sozialraeume"][5]["wohnbereiche"].append(42))
    assert err.entry == "sozialraeume.pelkum"
    assert "Wohnbereich 42 gehört schon zum Sozialraum „westen“" in err.message


def test_a_residential_area_in_no_social_area_is_named() -> None:
    err = _broken(lambda d: d["wohnbereiche"].__setitem__(99, ["Neubaugebiet", "mitte"]))
    assert err.entry == "wohnbereiche.99"


def test_a_social_area_listing_an_undescribed_residential_area_is_named() -> None:
    err = _broken(lambda d: d["sozialraeume"][0]["wohnbereiche"].append(19))
    assert err.entry == "sozialraeume.mitte"
    assert "Wohnbereich 19" in err.message


def test_a_duplicate_social_area_is_named() -> None:
    def mutate(d: dict) -> None:
        d["sozialraeume"].append(dict(d["sozialraeume"][0], wohnbereiche=[11]))

    assert _broken(mutate).entry == "sozialraeume.mitte"


def test_a_duplicate_district_is_named() -> None:
    assert _broken(lambda d: d["stadtbezirke"].append({"key": "mitte", "name": "X"})).entry == "stadtbezirke.mitte"


def test_a_missing_vocabulary_is_named() -> None:
    assert _broken(lambda d: d.pop("handlungsfelder")).entry == "handlungsfelder"


def test_a_duplicate_residential_area_number_in_the_file_is_refused(tmp_path: Path) -> None:
    text = HAMM.read_text(encoding="utf-8").replace(
        "  42: [Daberg & Lohausenholz, pelkum]\n",
        "  42: [Daberg & Lohausenholz, pelkum]\n  42: [Noch einmal 42, pelkum]\n",
    )
    path = tmp_path / "doppelt.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TerritoryFileError) as err:
        read_territory_file(path)
    assert str(path) in str(err.value)
    assert "Schlüssel 42 ist doppelt" in str(err.value)


def test_bad_yaml_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "kaputt.yaml"
    path.write_text("city: Hamm\nstadtbezirke:\n  - {key: mitte, name: [unclosed\n", encoding="utf-8")
    with pytest.raises(TerritoryFileError) as err:
        read_territory_file(path)
    assert "ungültiges YAML" in str(err.value)
    assert "Zeile" in err.value.entry


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TerritoryFileError, match="kann nicht gelesen werden"):
        read_territory_file(tmp_path / "fehlt.yaml")


def test_renaming_a_community_centre(hamm: domain.Territory) -> None:
    event = domain.rename_community_centre(hamm, "pelkum", "  Casino   Pelkum ")
    assert event == CommunityCentreRenamed(
        city="Hamm", social_area_key="pelkum", old_name="Casino", new_name="Casino Pelkum"
    )
    with pytest.raises(TerritoryError, match="heißt bereits"):
        domain.rename_community_centre(hamm, "pelkum", "Casino")
    with pytest.raises(UnknownEntry):
        domain.rename_community_centre(hamm, "atlantis", "X")


def test_moving_a_residential_area(hamm: domain.Territory) -> None:
    assert domain.move_residential_area(hamm, 42, "pelkum") == ResidentialAreaMoved(
        city="Hamm", number=42, from_social_area_key="westen", to_social_area_key="pelkum"
    )
    with pytest.raises(TerritoryError, match="gehört bereits"):
        domain.move_residential_area(hamm, 42, "westen")
    with pytest.raises(UnknownEntry):
        domain.move_residential_area(hamm, 99, "westen")


def test_the_last_residential_area_of_a_social_area_cannot_move() -> None:
    town = read_territory_file(MUSTERSTADT).territory
    with pytest.raises(TerritoryError, match="letzte Wohnbereich"):
        domain.move_residential_area(town, 3, "altstadt")
