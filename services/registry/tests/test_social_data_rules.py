"""The social data import rules on their own: the CSV format, row-by-row validation, replace decisions."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quartier_registry.domain import social_data as domain
from quartier_registry.domain.social_data import SocialDataRejected, StoredValue, parse_csv
from quartier_registry.domain.territory import Territory
from quartier_registry.service.territory import read_territory_file

DATA = Path(__file__).resolve().parents[1] / "data"
HAMM = read_territory_file(DATA / "hamm.yaml").territory
HEADER = "jahr;ebene;schluessel;indikator;wert;quelle;stand"
SOURCE = "Statistikstelle der Stadt Hamm"


def valid_lines() -> list[str]:
    lines = []
    for year in (2024, 2025):
        lines += [
            f"{year};sozialraum;westen;einwohner;38327;{SOURCE};31.12.{year}",
            f"{year};sozialraum;westen;kinderarmut;18,8;{SOURCE};31.12.{year}",
            f"{year};wohnbereich;14;sgb2_quote;10.4;{SOURCE};{year}-12-31",
            f"{year};wohnbereich;52;einwohner_ab_65;2100;{SOURCE};31.12.{year}",
            f"{year};sozialraum;norden;alleinerziehende;23;{SOURCE};31.12.{year}",
        ]
    return lines


def csv_of(lines: list[str], header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def rejected(data: bytes, territory: Territory = HAMM) -> list[tuple[int, str]]:
    with pytest.raises(SocialDataRejected) as info:
        parse_csv(data, territory)
    return [(e.line, e.message) for e in info.value.lines]


def test_a_valid_file_parses_with_decimal_comma_and_both_date_forms() -> None:
    rows = parse_csv(csv_of(valid_lines()), HAMM)
    assert len(rows) == 10
    first = rows[1]
    assert (first.line, first.year, first.level, first.area_key, first.indicator) == (
        3,
        2024,
        "sozialraum",
        "westen",
        "kinderarmut",
    )
    assert first.value == Decimal("18.8")
    assert rows[2].value == Decimal("10.4") and rows[2].as_of == date(2024, 12, 31)
    assert rows[2].social_area_key == "westen"  # Wohnbereich 14 belongs to the Westen
    assert rows[3].social_area_key == "westen"  # and so does 52 (district Herringen)


def test_comments_empty_lines_bom_and_crlf_are_accepted_and_lines_counted_as_in_an_editor() -> None:
    text = "# Kommentar\r\n\r\n" + HEADER + "\r\n" + "\r\n".join(valid_lines()[:2]) + "\r\n"
    rows = parse_csv(b"\xef\xbb\xbf" + text.encode("utf-8"), HAMM)
    assert [r.line for r in rows] == [4, 5]


def test_columns_may_come_in_another_order() -> None:
    data = "stand;quelle;wert;indikator;schluessel;ebene;jahr\n31.12.2025;Amt;12;einwohner;mitte;sozialraum;2025\n"
    (row,) = parse_csv(data.encode(), HAMM)
    assert (row.year, row.area_key, row.value, row.source) == (2025, "mitte", Decimal(12), "Amt")


def test_every_broken_line_is_named_with_a_german_reason() -> None:
    lines = valid_lines()
    lines[0] = f"2024;sozialraum;osten;einwohner;100;{SOURCE};31.12.2024"
    lines[3] = f"2024;wohnbereich;52;einwohner_ab_65;12.345,5;{SOURCE};31.12.2024"
    lines[6] = f"2025;sozialraum;westen;kinderarmut;118;{SOURCE};31.12.2025"
    errors = rejected(csv_of(lines))
    assert [line for line, _ in errors] == [2, 5, 8]
    assert "Sozialraum „osten“ ist nicht bekannt" in errors[0][1]
    assert "keine Zahl" in errors[1][1]
    assert "zwischen 0 und 100" in errors[2][1]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("20x5;sozialraum;westen;einwohner;1;Amt;31.12.2025", "jahr:"),
        ("1889;sozialraum;westen;einwohner;1;Amt;31.12.2025", "jahr: 1889"),
        ("2025;bezirk;westen;einwohner;1;Amt;31.12.2025", "ebene:"),
        ("2025;wohnbereich;99;einwohner;1;Amt;31.12.2025", "Wohnbereich „99“"),
        ("2025;sozialraum;westen;arbeitslose;1;Amt;31.12.2025", "indikator:"),
        ("2025;sozialraum;westen;einwohner;1,5;Amt;31.12.2025", "ganze Zahl"),
        ("2025;sozialraum;westen;einwohner;-1;Amt;31.12.2025", "ganze Zahl"),
        ("2025;sozialraum;westen;einwohner;1;;31.12.2025", "quelle:"),
        ("2025;sozialraum;westen;einwohner;1;Amt;31.02.2025", "stand:"),
        ("2025;sozialraum;westen;einwohner;1;Amt", "6 statt 7 Spalten"),
        ('2025;sozialraum;westen;einwohner;1;"Amt;31.12.2025', "kein gültiges CSV"),
    ],
)
def test_single_field_errors(line: str, expected: str) -> None:
    ((number, message),) = rejected(csv_of([line]))
    assert number == 2
    assert expected in message


def test_a_value_twice_in_one_file_names_the_earlier_line() -> None:
    lines = valid_lines()
    errors = rejected(csv_of([*lines, lines[1]]))
    assert errors == [(12, "Derselbe Wert (Jahr, Ebene, Schlüssel, Indikator) steht schon in Zeile 3.")]


def test_header_empty_file_and_no_data_rows() -> None:
    assert rejected(b"")[0][0] == 1
    assert rejected(b"# nur Kommentar\n")[0][0] == 1
    ((line, message),) = rejected(csv_of(valid_lines(), header="jahr;ebene;schluessel;indikator;wert;quelle"))
    assert line == 1 and "es fehlen die Spalten stand" in message
    ((line, message),) = rejected(csv_of([]))
    assert line == 1 and "keine Datenzeilen" in message


def test_a_line_not_in_utf8_is_named() -> None:
    data = csv_of(valid_lines()[:2]) + "2025;sozialraum;mitte;einwohner;1;Ämt;31.12.2025\n".encode("latin-1")
    assert rejected(data) == [(4, "Die Zeile ist nicht UTF-8-kodiert (bitte als UTF-8 speichern).")]


def test_the_demo_file_is_valid_and_covers_every_area_and_indicator_for_three_years() -> None:
    data = (DATA / "demo-social-data.csv").read_bytes()
    assert "ERFUNDENE DEMODATEN" in data.decode("utf-8").splitlines()[0]
    rows = parse_csv(data, HAMM)
    slots = {(r.year, r.level, r.area_key, r.indicator) for r in rows}
    areas = [("sozialraum", k) for k in HAMM.social_areas] + [("wohnbereich", str(n)) for n in HAMM.residential_areas]
    assert slots == {(y, lvl, a, i.key) for y in (2023, 2024, 2025) for lvl, a in areas for i in domain.INDICATORS}


# ---------------------------------------------------------------- any single broken row rejects the file

BREAKERS = {
    "jahr": lambda f: f.__setitem__(0, "24"),
    "ebene": lambda f: f.__setitem__(1, "stadtbezirk"),
    "schluessel": lambda f: f.__setitem__(2, "atlantis"),
    "indikator": lambda f: f.__setitem__(3, "einkommen"),
    "wert": lambda f: f.__setitem__(4, "viele"),
    "quelle": lambda f: f.__setitem__(5, " "),
    "stand": lambda f: f.__setitem__(6, "gestern"),
    "spalten": lambda f: f.append("zu viel"),
}


@settings(max_examples=150, deadline=None)
@given(
    n_rows=st.integers(min_value=2, max_value=10),
    data=st.data(),
    breaker=st.sampled_from([*BREAKERS, "doppelt"]),
    comments=st.lists(st.integers(min_value=0, max_value=10), max_size=3),
)
def test_any_single_broken_row_rejects_the_whole_file_and_names_exactly_that_line(
    n_rows: int, data: st.DataObject, breaker: str, comments: list[int]
) -> None:
    lines = valid_lines()[:n_rows]
    index = data.draw(st.integers(min_value=0 if breaker != "doppelt" else 1, max_value=n_rows - 1), label="index")
    if breaker == "doppelt":
        earlier = data.draw(st.integers(min_value=0, max_value=index - 1), label="earlier")
        lines[index] = lines[earlier]
    else:
        fields = lines[index].split(";")
        BREAKERS[breaker](fields)
        lines[index] = ";".join(fields)
    # Comment lines sprinkled in shift the line numbers; the error must still name the physical line.
    body: list[str] = []
    broken_line = 0
    for position, line in enumerate(lines):
        body += ["# Anmerkung"] * comments.count(position)
        body.append(line)
        if position == index:
            broken_line = len(body) + 1  # + the header line
    assert parse_csv(csv_of(valid_lines()[:n_rows]), HAMM)  # the unbroken file is valid
    errors = rejected(csv_of(body))
    assert [line for line, _ in errors] == [broken_line]


# ---------------------------------------------------------------- decisions and events


def _stored(row: domain.SocialDataRow, value: str | None = None) -> StoredValue:
    return StoredValue(
        row.year, row.level, row.area_key, row.indicator, Decimal(value) if value else row.value, row.source, row.as_of
    )


def test_a_reimport_replaces_changed_values_and_leaves_equal_ones() -> None:
    rows = parse_csv(csv_of(valid_lines()), HAMM)
    stored = {rows[0].slot: _stored(rows[0]), rows[1].slot: _stored(rows[1], "20.1")}
    decision = domain.decide_import(rows, stored)
    assert decision.unchanged == [rows[0]]
    assert decision.replaced == [rows[1]]
    assert len(decision.created) == 8
    assert decision.touched() == [("norden", 2024), ("norden", 2025), ("westen", 2024), ("westen", 2025)]


def test_the_event_carries_the_area_and_its_residential_areas_for_one_year() -> None:
    rows = parse_csv(csv_of(valid_lines()), HAMM)
    event = domain.imported_event(uuid.uuid4(), HAMM, "westen", 2025, [_stored(r) for r in rows])
    assert event.partition_key() == "social-area/westen"
    assert [(v.indicator, v.value, v.unit) for v in event.values] == [
        ("einwohner", 38327.0, "Personen"),
        ("kinderarmut", 18.8, "%"),
    ]
    assert [(r.number, [v.indicator for v in r.values]) for r in event.residential_areas] == [
        (14, ["sgb2_quote"]),
        (52, ["einwohner_ab_65"]),
    ]
    assert {v.source for v in event.values} == {SOURCE}
    assert event.values[0].as_of == date(2025, 12, 31)
