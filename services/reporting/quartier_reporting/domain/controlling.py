"""Controlling in the Gesamtbericht: the providers' target agreements (Zielvereinbarungen) with target and
reached values and the measures serving them, and the social data of each Sozialraum over the years.

Pure rules, no I/O; ``domain.reports.compute_report`` calls ``agreement_figures`` and ``social_series``.

- agreements of year ``Y``: every agreement with ``year == Y``; per Sozialraum those naming the area. Each
  target shows its target value and the values reached in the mid-year and the year-end report (the latest
  report of a period counts); the measures serving it are the measures of year ``Y``'s plans pointing to it
  (``agreement_id``, removed measures left out). A report is overdue when it was not delivered and its due
  date lies before ``today`` (the day the report is computed).
- social data: the figures of each Sozialraum (not of its Wohnbereiche) of every year up to ``Y``, one
  series per indicator, in the order of the registry's catalogue.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PERIODS: dict[str, str] = {"mid_year": "Halbjahresbericht", "year_end": "Jahresbericht"}

# The registry's catalogue of indicators (services/registry/docs/sozialdaten-csv.md), in its order.
INDICATOR_NAMES: dict[str, str] = {
    "einwohner": "Einwohner:innen (Hauptwohnsitz)",
    "einwohner_unter_18": "Einwohner:innen unter 18 Jahren",
    "einwohner_ab_65": "Einwohner:innen ab 65 Jahren",
    "sgb2_quote": "Anteil der Einwohner:innen unter 65 Jahren im SGB-II-Bezug",
    "kinderarmut": "Kinderarmut: Anteil der Kinder unter 15 Jahren im SGB-II-Bezug",
    "alleinerziehende": "Alleinerziehende in % aller Haushalte mit Kindern",
    "ohne_deutsche_staatsangehoerigkeit": "Einwohner:innen ohne deutsche Staatsangehörigkeit",
}


# ---------------------------------------------------------------- input


@dataclass(frozen=True)
class TargetInfo:
    target_id: uuid.UUID
    indicator: str
    target_value: float
    unit: str = ""


@dataclass(frozen=True)
class ActivityReportInfo:
    """The latest activity report of a period (``mid_year`` / ``year_end``): reached value per target."""

    period: str
    delivered_on: dt.date
    due_on: dt.date
    late: bool = False
    values: tuple[tuple[uuid.UUID, float], ...] = ()


@dataclass(frozen=True)
class AgreementInfo:
    """A target agreement as planning's events tell it (AgreementConcluded / -Changed, ActivityReportSubmitted)."""

    agreement_id: uuid.UUID
    year: int
    social_area_keys: tuple[str, ...]
    provider_actor_id: uuid.UUID
    field_of_action: str
    title: str = ""
    responsible_department: str = ""
    targets: tuple[TargetInfo, ...] = ()
    mid_year_report_due: dt.date | None = None
    year_end_report_due: dt.date | None = None
    reports: tuple[ActivityReportInfo, ...] = ()


@dataclass(frozen=True)
class SocialDataInfo:
    """One figure of a Sozialraum in a year (registry's SocialDataImported)."""

    social_area_key: str
    year: int
    indicator: str
    value: float
    unit: str = ""
    source: str = ""
    as_of: dt.date | None = None


@dataclass(frozen=True)
class MeasureLink:
    """A measure of the year's plans pointing to an agreement (kind ``measure`` refs of the report)."""

    measure_id: str
    agreement_id: uuid.UUID
    social_area_key: str
    title: str
    plan_id: str


# ---------------------------------------------------------------- output


@dataclass(frozen=True)
class TargetFigure:
    target_id: str
    indicator: str
    unit: str
    target_value: float
    mid_year: float | None = None
    year_end: float | None = None


@dataclass(frozen=True)
class ReportStatus:
    """``status``: delivered / late (delivered after its due date) / overdue (not delivered, past due) / open."""

    period: str
    due_on: str  # ISO date
    status: str
    delivered_on: str | None = None


@dataclass(frozen=True)
class MeasureRef:
    """A measure serving the agreement (the same fields as the report's ``Ref`` of kind ``measure``)."""

    id: str
    social_area_key: str
    label: str
    plan_id: str
    kind: str = "measure"


@dataclass(frozen=True)
class AgreementFigure:
    agreement_id: str
    title: str
    provider_actor_id: str
    social_area_keys: tuple[str, ...]
    field_of_action: str
    responsible_department: str
    targets: tuple[TargetFigure, ...]
    reports: tuple[ReportStatus, ...]
    measures: tuple[MeasureRef, ...]

    @property
    def overdue(self) -> tuple[ReportStatus, ...]:
        return tuple(r for r in self.reports if r.status == "overdue")


@dataclass(frozen=True)
class SeriesPoint:
    year: int
    value: float
    source: str = ""
    as_of: str | None = None  # ISO date


@dataclass(frozen=True)
class SocialSeries:
    """One indicator of one Sozialraum over the years."""

    social_area_key: str
    indicator: str
    label: str
    unit: str
    points: tuple[SeriesPoint, ...]


# ---------------------------------------------------------------- computation


def report_status(agreement: AgreementInfo, period: str, today: dt.date | None) -> ReportStatus | None:
    due = agreement.mid_year_report_due if period == "mid_year" else agreement.year_end_report_due
    report = next((r for r in agreement.reports if r.period == period), None)
    if report is not None:
        status = "late" if report.late or report.delivered_on > report.due_on else "delivered"
        return ReportStatus(period, report.due_on.isoformat(), status, report.delivered_on.isoformat())
    if due is None:
        return None
    overdue = today is not None and today > due
    return ReportStatus(period, due.isoformat(), "overdue" if overdue else "open")


def agreement_figures(
    agreements: Iterable[AgreementInfo],
    year: int,
    area_keys: Sequence[str],
    measures: Iterable[MeasureLink],
    today: dt.date | None,
) -> tuple[AgreementFigure, ...]:
    """The agreements of ``year`` touching one of ``area_keys`` (sorted by title, id)."""
    serving: dict[uuid.UUID, list[MeasureRef]] = {}
    for m in measures:
        serving.setdefault(m.agreement_id, []).append(MeasureRef(m.measure_id, m.social_area_key, m.title, m.plan_id))
    out = []
    chosen = (a for a in agreements if a.year == year and any(k in area_keys for k in a.social_area_keys))
    for a in sorted(chosen, key=lambda a: (a.title, str(a.agreement_id))):
        reached: dict[str, dict[uuid.UUID, float]] = {r.period: {t: float(v) for t, v in r.values} for r in a.reports}
        targets = tuple(
            TargetFigure(
                str(t.target_id),
                t.indicator,
                t.unit,
                float(t.target_value),
                reached.get("mid_year", {}).get(t.target_id),
                reached.get("year_end", {}).get(t.target_id),
            )
            for t in a.targets
        )
        statuses = tuple(s for s in (report_status(a, p, today) for p in PERIODS) if s is not None)
        refs = tuple(sorted(serving.get(a.agreement_id, ()), key=lambda r: (r.social_area_key, r.label, r.id)))
        out.append(
            AgreementFigure(
                str(a.agreement_id),
                a.title,
                str(a.provider_actor_id),
                a.social_area_keys,
                a.field_of_action,
                a.responsible_department,
                targets,
                statuses,
                refs,
            )
        )
    return tuple(out)


def social_series(data: Iterable[SocialDataInfo], year: int, area_keys: Sequence[str]) -> tuple[SocialSeries, ...]:
    """Per Sozialraum (in ``area_keys`` order) and indicator (catalogue order): the values of every year ≤ ``year``."""
    by: dict[tuple[str, str], dict[int, SocialDataInfo]] = {}
    for d in data:
        if d.year <= year and d.social_area_key in area_keys:
            by.setdefault((d.social_area_key, d.indicator), {})[d.year] = d
    order = {k: i for i, k in enumerate(INDICATOR_NAMES)}
    keys = sorted(by, key=lambda k: (list(area_keys).index(k[0]), order.get(k[1], len(order)), k[1]))
    out = []
    for area, indicator in keys:
        years = by[(area, indicator)]
        points = tuple(
            SeriesPoint(y, float(d.value), d.source, d.as_of.isoformat() if d.as_of else None)
            for y, d in sorted(years.items())
        )
        unit = years[max(years)].unit
        out.append(SocialSeries(area, indicator, INDICATOR_NAMES.get(indicator, indicator), unit, points))
    return tuple(out)


# ---------------------------------------------------------------- JSON


def agreement_to_dict(a: AgreementFigure) -> dict[str, Any]:
    return {
        "agreement_id": a.agreement_id,
        "title": a.title,
        "provider_actor_id": a.provider_actor_id,
        "social_area_keys": list(a.social_area_keys),
        "field_of_action": a.field_of_action,
        "responsible_department": a.responsible_department,
        "targets": [
            {
                "target_id": t.target_id,
                "indicator": t.indicator,
                "unit": t.unit,
                "target_value": t.target_value,
                "mid_year": t.mid_year,
                "year_end": t.year_end,
            }
            for t in a.targets
        ],
        "reports": [
            {"period": r.period, "due_on": r.due_on, "status": r.status, "delivered_on": r.delivered_on}
            for r in a.reports
        ],
        "overdue_reports": [{"period": r.period, "due_on": r.due_on} for r in a.overdue],
        "measures": [
            {"kind": m.kind, "id": m.id, "social_area_key": m.social_area_key, "label": m.label, "plan_id": m.plan_id}
            for m in a.measures
        ],
    }


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def agreement_from_dict(d: Mapping[str, Any]) -> AgreementFigure:
    return AgreementFigure(
        agreement_id=str(d["agreement_id"]),
        title=str(d["title"]),
        provider_actor_id=str(d["provider_actor_id"]),
        social_area_keys=tuple(str(k) for k in d["social_area_keys"]),
        field_of_action=str(d["field_of_action"]),
        responsible_department=str(d["responsible_department"]),
        targets=tuple(
            TargetFigure(
                str(t["target_id"]),
                str(t["indicator"]),
                str(t["unit"]),
                float(t["target_value"]),
                _opt_float(t.get("mid_year")),
                _opt_float(t.get("year_end")),
            )
            for t in d["targets"]
        ),
        reports=tuple(
            ReportStatus(
                str(r["period"]),
                str(r["due_on"]),
                str(r["status"]),
                None if r.get("delivered_on") is None else str(r["delivered_on"]),
            )
            for r in d["reports"]
        ),
        measures=tuple(
            MeasureRef(str(m["id"]), str(m["social_area_key"]), str(m["label"]), str(m["plan_id"]))
            for m in d["measures"]
        ),
    )


def series_to_dict(s: SocialSeries) -> dict[str, Any]:
    return {
        "social_area_key": s.social_area_key,
        "indicator": s.indicator,
        "label": s.label,
        "unit": s.unit,
        "points": [{"year": p.year, "value": p.value, "source": p.source, "as_of": p.as_of} for p in s.points],
    }


def series_from_dict(d: Mapping[str, Any]) -> SocialSeries:
    return SocialSeries(
        social_area_key=str(d["social_area_key"]),
        indicator=str(d["indicator"]),
        label=str(d["label"]),
        unit=str(d["unit"]),
        points=tuple(
            SeriesPoint(
                int(p["year"]), float(p["value"]), str(p["source"]), None if p.get("as_of") is None else str(p["as_of"])
            )
            for p in d["points"]
        ),
    )


# ---------------------------------------------------------------- CSV rows (cells are made safe by the caller)


def number_text(value: float | None) -> str:
    """A figure as text: integers without a decimal point (4.0 → "4"), others as they are (312.5)."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def agreement_csv_rows(a: AgreementFigure) -> list[tuple[str, str, str]]:
    """(key, label, value) rows of one agreement: per target its target and reached values, the measures
    serving it and its overdue reports."""
    rows: list[tuple[str, str, str]] = []
    for t in a.targets:
        base = f"{a.agreement_id}/{t.target_id}"
        rows.append((f"{base}/target_value", f"{a.title}: {t.indicator} – Zielwert", number_text(t.target_value)))
        rows.append((f"{base}/mid_year", f"{a.title}: {t.indicator} – erreicht (Halbjahr)", number_text(t.mid_year)))
        rows.append((f"{base}/year_end", f"{a.title}: {t.indicator} – erreicht (Jahresende)", number_text(t.year_end)))
    rows.append((f"{a.agreement_id}/measures", f"{a.title}: Maßnahmen", str(len(a.measures))))
    rows.append((f"{a.agreement_id}/overdue_reports", f"{a.title}: überfällige Berichte", str(len(a.overdue))))
    return rows


def series_csv_rows(s: SocialSeries) -> list[tuple[str, str, str]]:
    return [(f"{s.indicator}/{p.year}", f"{s.label} {p.year}", number_text(p.value)) for p in s.points]
