"""The social data of each Sozialraum and Wohnbereich: indicators per year from the statistics office.

Pure rules, no I/O. ``parse_csv`` validates an import file completely, row by row, before anything is
stored: every broken row is reported with its line number and a German reason, and a file with any
broken row is refused whole (the caller then stores nothing). ``decide_import`` compares the valid rows
with the values stored so far (new, replaced, unchanged), and ``imported_event`` builds the event that
announces the values of one Sozialraum and year after an import. Only aggregated figures, never data
about a person. The file format is described in ``services/registry/docs/sozialdaten-csv.md``.
"""

from __future__ import annotations

import csv
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from quartier_registry.domain.territory import Territory
from quartier_shared.errors import InvalidInput
from quartier_shared.events.social_data import IndicatorValue, ResidentialAreaValues, SocialDataImported

COLUMNS = ("jahr", "ebene", "schluessel", "indikator", "wert", "quelle", "stand")
LEVEL_SOCIAL_AREA = "sozialraum"
LEVEL_RESIDENTIAL_AREA = "wohnbereich"
LEVELS = (LEVEL_SOCIAL_AREA, LEVEL_RESIDENTIAL_AREA)
FIRST_YEAR = 1990
LAST_YEAR = 2100
MAX_SOURCE_LENGTH = 200
MAX_ROWS = 50_000
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    unit: str
    # "count": a whole number of people; "percent": a share between 0 and 100.
    kind: str
    description: str


INDICATORS: tuple[Indicator, ...] = (
    Indicator("einwohner", "Einwohner:innen", "Personen", "count", "Alle Einwohner:innen mit Hauptwohnsitz."),
    Indicator(
        "einwohner_unter_18",
        "Einwohner:innen unter 18 Jahren",
        "Personen",
        "count",
        "Kinder und Jugendliche mit Hauptwohnsitz.",
    ),
    Indicator(
        "einwohner_ab_65", "Einwohner:innen ab 65 Jahren", "Personen", "count", "Ältere Menschen mit Hauptwohnsitz."
    ),
    Indicator(
        "sgb2_quote",
        "Anteil im SGB-II-Bezug",
        "%",
        "percent",
        "Anteil der Einwohner:innen unter 65 Jahren, die Leistungen nach dem SGB II erhalten.",
    ),
    Indicator(
        "kinderarmut",
        "Kinderarmut (SGB II unter 15 Jahren)",
        "%",
        "percent",
        "Anteil der Kinder unter 15 Jahren, die Leistungen nach dem SGB II erhalten.",
    ),
    Indicator(
        "alleinerziehende",
        "Alleinerziehende Haushalte",
        "%",
        "percent",
        "Anteil der Alleinerziehenden an allen Haushalten mit Kindern.",
    ),
    Indicator(
        "ohne_deutsche_staatsangehoerigkeit",
        "Einwohner:innen ohne deutsche Staatsangehörigkeit",
        "%",
        "percent",
        "Anteil der Einwohner:innen ohne deutsche Staatsangehörigkeit.",
    ),
)
INDICATORS_BY_KEY: dict[str, Indicator] = {i.key: i for i in INDICATORS}


@dataclass(frozen=True)
class LineError:
    """One broken line of an import file (``line`` 1-based, as an editor counts) and why (German)."""

    line: int
    message: str


class SocialDataRejected(InvalidInput):
    """The import file is refused; nothing of it is stored. ``lines`` names every broken line (in the problem
    answer too, as ``lines: [{line, message}]``)."""

    def __init__(self, lines: Sequence[LineError]) -> None:
        self.lines = list(lines)
        super().__init__(
            "",
            "; ".join(f"Zeile {e.line}: {e.message}" for e in self.lines),
            extensions={"lines": [{"line": e.line, "message": e.message} for e in self.lines]},
        )


@dataclass(frozen=True)
class SocialDataRow:
    """One valid figure: indicator of an area (Sozialraum key or Wohnbereich number as text) in a year."""

    line: int
    year: int
    level: str
    area_key: str
    social_area_key: str
    indicator: str
    value: Decimal
    source: str
    as_of: date

    @property
    def slot(self) -> tuple[int, str, str, str]:
        return (self.year, self.level, self.area_key, self.indicator)


@dataclass(frozen=True)
class StoredValue:
    year: int
    level: str
    area_key: str
    indicator: str
    value: Decimal
    source: str
    as_of: date

    @property
    def slot(self) -> tuple[int, str, str, str]:
        return (self.year, self.level, self.area_key, self.indicator)


@dataclass(frozen=True)
class ImportDecision:
    created: list[SocialDataRow]
    replaced: list[SocialDataRow]
    unchanged: list[SocialDataRow]

    @property
    def changed(self) -> list[SocialDataRow]:
        return self.created + self.replaced

    def touched(self) -> list[tuple[str, int]]:
        """(Sozialraum, year) pairs whose figures changed, sorted."""
        return sorted({(r.social_area_key, r.year) for r in self.changed})


# ---------------------------------------------------------------- parsing


def parse_number(text: str) -> Decimal | None:
    """A decimal with comma or point (``12,5`` or ``12.5``), no thousands separators; None if not one."""
    text = text.strip()
    if not _NUMBER.match(text):
        return None
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None


def parse_date(text: str) -> date | None:
    """``TT.MM.JJJJ`` or ``JJJJ-MM-TT``; None if neither or no real day."""
    text = text.strip()
    try:
        match = _GERMAN_DATE.match(text)
        if match:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
            return date.fromisoformat(text)
    except ValueError:
        return None
    return None


def _split(line: str) -> list[str]:
    return next(csv.reader([line], delimiter=";", quotechar='"', strict=True))


def _is_skipped(line: str) -> bool:
    """Empty lines and comment lines (starting with ``#``) carry no data."""
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _row(
    number: int, fields: list[str], columns: dict[str, int], territory: Territory
) -> tuple[SocialDataRow | None, str | None]:
    if len(fields) != len(COLUMNS):
        return None, f"Die Zeile hat {len(fields)} statt {len(COLUMNS)} Spalten (Trennzeichen ist das Semikolon „;“)."
    value = {name: fields[index].strip() for name, index in columns.items()}
    problems: list[str] = []
    year: int | None = None
    if not re.match(r"^\d{4}$", value["jahr"]):
        problems.append(f"jahr: „{value['jahr']}“ ist keine Jahreszahl (vierstellig, z. B. 2025).")
    else:
        year = int(value["jahr"])
        if not FIRST_YEAR <= year <= LAST_YEAR:
            problems.append(f"jahr: {year} liegt nicht zwischen {FIRST_YEAR} und {LAST_YEAR}.")
            year = None
    level = value["ebene"].lower()
    area_key = value["schluessel"]
    social_area_key = ""
    if level == LEVEL_SOCIAL_AREA:
        if area_key not in territory.social_areas:
            problems.append(f"schluessel: Sozialraum „{area_key}“ ist nicht bekannt.")
        social_area_key = area_key
    elif level == LEVEL_RESIDENTIAL_AREA:
        number_ok = area_key.isdigit() and int(area_key) in territory.residential_areas
        if not number_ok:
            problems.append(f"schluessel: Wohnbereich „{area_key}“ ist nicht bekannt (erwartet: eine Nummer wie 14).")
        else:
            area_key = str(int(area_key))
            social_area_key = territory.residential_areas[int(area_key)].social_area_key
    else:
        problems.append(f"ebene: „{value['ebene']}“ ist unbekannt; erlaubt sind „sozialraum“ und „wohnbereich“.")
    indicator = INDICATORS_BY_KEY.get(value["indikator"])
    if indicator is None:
        problems.append(
            f"indikator: „{value['indikator']}“ ist unbekannt; erlaubt sind {', '.join(i.key for i in INDICATORS)}."
        )
    amount = parse_number(value["wert"])
    if amount is None:
        problems.append(f"wert: „{value['wert']}“ ist keine Zahl (Dezimalkomma erlaubt, keine Tausenderpunkte).")
    elif indicator is not None:
        if indicator.kind == "count" and (amount < 0 or amount != amount.to_integral_value()):
            problems.append(f"wert: „{value['wert']}“ muss eine ganze Zahl ab 0 sein ({indicator.unit}).")
        elif indicator.kind == "percent" and not Decimal(0) <= amount <= Decimal(100):
            problems.append(f"wert: „{value['wert']}“ muss ein Anteil zwischen 0 und 100 (Prozent) sein.")
    source = value["quelle"]
    if not source:
        problems.append("quelle: Die Quelle fehlt (z. B. „Statistikstelle der Stadt Hamm“).")
    elif len(source) > MAX_SOURCE_LENGTH:
        problems.append(f"quelle: Die Quelle ist länger als {MAX_SOURCE_LENGTH} Zeichen.")
    as_of = parse_date(value["stand"])
    if as_of is None:
        problems.append(f"stand: „{value['stand']}“ ist kein gültiges Datum (TT.MM.JJJJ).")
    if problems:
        return None, " ".join(problems)
    assert year is not None and indicator is not None and amount is not None and as_of is not None
    return (
        SocialDataRow(number, year, level, area_key, social_area_key, indicator.key, amount, source, as_of),
        None,
    )


def _header(fields: list[str]) -> tuple[dict[str, int] | None, str | None]:
    names = [f.strip().lower() for f in fields]
    missing = [c for c in COLUMNS if c not in names]
    unknown = [n for n in names if n not in COLUMNS]
    if missing or unknown or len(names) != len(COLUMNS):
        parts = []
        if missing:
            parts.append(f"es fehlen die Spalten {', '.join(missing)}")
        if unknown:
            parts.append(f"unbekannte Spalten: {', '.join(unknown)}")
        if not parts:
            parts.append("eine Spalte ist doppelt")
        return None, f"Kopfzeile ungültig: {'; '.join(parts)}. Erwartet: {';'.join(COLUMNS)}."
    return {c: names.index(c) for c in COLUMNS}, None


def parse_csv(data: bytes, territory: Territory) -> list[SocialDataRow]:
    """The valid rows of an import file, or ``SocialDataRejected`` naming every broken line."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    raw_lines = data.split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    errors: list[LineError] = []
    rows: list[SocialDataRow] = []
    columns: dict[str, int] | None = None
    header_line = 0
    seen: dict[tuple[int, str, str, str], int] = {}
    for number, raw in enumerate(raw_lines, start=1):
        try:
            line = raw.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError:
            errors.append(LineError(number, "Die Zeile ist nicht UTF-8-kodiert (bitte als UTF-8 speichern)."))
            continue
        if _is_skipped(line):
            continue
        try:
            fields = _split(line)
        except csv.Error:
            errors.append(LineError(number, "Die Zeile ist kein gültiges CSV (Anführungszeichen prüfen)."))
            continue
        if not header_line:
            header_line = number
            columns, problem = _header(fields)
            if problem:
                return _reject([LineError(number, problem)])
            continue
        assert columns is not None
        row, problem = _row(number, fields, columns, territory)
        if problem:
            errors.append(LineError(number, problem))
            continue
        assert row is not None
        earlier = seen.get(row.slot)
        if earlier is not None:
            errors.append(
                LineError(number, f"Derselbe Wert (Jahr, Ebene, Schlüssel, Indikator) steht schon in Zeile {earlier}.")
            )
            continue
        seen[row.slot] = number
        rows.append(row)
    if not header_line:
        return _reject([LineError(1, f"Die Datei ist leer; erwartet wird die Kopfzeile {';'.join(COLUMNS)}.")])
    if errors:
        return _reject(errors)
    if not rows:
        return _reject([LineError(header_line, "Die Datei enthält nach der Kopfzeile keine Datenzeilen.")])
    if len(rows) > MAX_ROWS:
        return _reject([LineError(header_line, f"Die Datei hat mehr als {MAX_ROWS} Datenzeilen.")])
    return rows


def _reject(errors: list[LineError]) -> list[SocialDataRow]:
    raise SocialDataRejected(sorted(errors, key=lambda e: e.line))


# ---------------------------------------------------------------- deciding and announcing


def decide_import(
    rows: Iterable[SocialDataRow], stored: Mapping[tuple[int, str, str, str], StoredValue]
) -> ImportDecision:
    """Which rows are new, which replace a stored value (kept as history), which change nothing."""
    created: list[SocialDataRow] = []
    replaced: list[SocialDataRow] = []
    unchanged: list[SocialDataRow] = []
    for row in rows:
        old = stored.get(row.slot)
        if old is None:
            created.append(row)
        elif (old.value, old.source, old.as_of) == (row.value, row.source, row.as_of):
            unchanged.append(row)
        else:
            replaced.append(row)
    return ImportDecision(created, replaced, unchanged)


def _values(values: Iterable[StoredValue]) -> list[IndicatorValue]:
    order = {i.key: n for n, i in enumerate(INDICATORS)}
    return [
        IndicatorValue(
            indicator=v.indicator,
            value=float(v.value),
            unit=INDICATORS_BY_KEY[v.indicator].unit,
            source=v.source,
            as_of=v.as_of,
        )
        for v in sorted(values, key=lambda v: order.get(v.indicator, len(order)))
    ]


def imported_event(
    import_id: uuid.UUID,
    territory: Territory,
    social_area_key: str,
    year: int,
    values: Iterable[StoredValue],
) -> SocialDataImported:
    """The figures of one Sozialraum (and its Wohnbereiche) for one year as they are after an import."""
    numbers = {str(r.number) for r in territory.residential_areas_of(social_area_key)}
    own = [v for v in values if v.year == year]
    area = [v for v in own if v.level == LEVEL_SOCIAL_AREA and v.area_key == social_area_key]
    residential: list[ResidentialAreaValues] = []
    for number in sorted(numbers, key=int):
        of_area = [v for v in own if v.level == LEVEL_RESIDENTIAL_AREA and v.area_key == number]
        if of_area:
            residential.append(ResidentialAreaValues(number=int(number), values=_values(of_area)))
    return SocialDataImported(
        import_id=import_id,
        social_area_key=social_area_key,
        year=year,
        values=_values(area),
        residential_areas=residential,
    )
