"""The Gesamtbericht as the pages show it: every figure per Sozialraum and for the city with links to the
entries it counts, the charts with their values, the target agreements; the report files; the public page's
plan in brief. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from quartier_gateway.reports.rules import (
    STATE_NAMES,
)
from quartier_gateway.web.format import german_date


def ref_url(ref: Mapping[str, Any], *, staff: bool, year: int | None = None) -> str | None:
    """Where an entry counted by a figure is shown.

    Staff: the measure in its plan, the need, the council need's trace, the meeting, the offer. The public:
    the Sozialraum's public page (its published plan of ``year``) for a measure, the area's public offers;
    needs and meetings have no public page (None: shown as text).
    """
    kind = str(ref.get("kind") or "")
    ident = quote(str(ref.get("id") or ""), safe="")
    plan_id = quote(str(ref.get("plan_id") or ""), safe="")
    area = str(ref.get("social_area_key") or "")
    if not ident:
        return None
    if staff:
        if kind == "plan":
            return f"/jahresplaene/{ident}"
        if kind == "hearing" and plan_id:
            return f"/jahresplaene/{plan_id}#anhoerung-{ident}"
        if kind == "measure" and plan_id:
            return f"/jahresplaene/{plan_id}#massnahme-{ident}"
        if kind == "need":
            return f"/bedarfe/{ident}"
        if kind == "council_need" and plan_id:
            return f"/jahresplaene/{plan_id}/bedarfe/{ident}/spur"
        if kind == "meeting":
            return f"/sitzungen/{ident}"
        if kind == "offer":
            return f"/angebote/{ident}"
        return None
    if kind in ("plan", "measure") and area:
        query = f"?jahr={int(year)}" if year is not None else ""
        return f"/oeffentlich/sozialraeume/{quote(area, safe='')}{query}#jahresplan"
    if kind == "offer" and area:
        return "/oeffentlich/angebote?" + urlencode({"sozialraum": area})
    return None


REF_KIND_NAMES: dict[str, str] = {
    "plan": "Jahresplan",
    "hearing": "Anhörung",
    "measure": "Maßnahme",
    "need": "Bedarf",
    "council_need": "Bedarf einer Bezirksvertretung",
    "meeting": "Stadtteilkonferenz",
    "offer": "Angebot",
}


def ref_kind_name(kind: Any) -> str:
    return REF_KIND_NAMES.get(str(kind), str(kind))


def figure_query(year: int, scope: str, dimension: str, key: str, version: int | None) -> str:
    """The address of the page listing the entries a figure counts."""
    params: dict[str, str] = {"bereich": scope, "dimension": dimension, "schluessel": key}
    if version is not None:
        params["version"] = str(version)
    return f"/berichte/{int(year)}/eintraege?" + urlencode(params)


FILE_KINDS = ("pdf", "csv", "json")


def split_report_name(name: str) -> tuple[int, str | None] | None:
    """``2030`` → (2030, None); ``2030.pdf`` → (2030, "pdf"); anything else None."""
    stem, dot, ext = name.partition(".")
    if not stem.isdigit() or not 2000 <= int(stem) <= 2100:
        return None
    if not dot:
        return int(stem), None
    return (int(stem), ext) if ext in FILE_KINDS else None


CITY_SCOPE = "stadt"


@dataclass(frozen=True)
class FigureView:
    """One figure: in which part of the report, for which scope, its value and the entries it counts."""

    section: str
    dimension: str
    key: str
    key_label: str
    scope: str  # "stadt" or a Sozialraum's key
    scope_label: str
    value: int
    refs: list[Mapping[str, Any]]
    url: str | None  # the page listing the entries (None for 0)


@dataclass(frozen=True)
class SectionRow:
    key: str
    label: str
    cells: list[FigureView]


@dataclass(frozen=True)
class SectionView:
    dimension: str
    title: str
    rows: list[SectionRow]


@dataclass(frozen=True)
class ChartView:
    """A chart reporting rendered (SVG with title and description) and its data as a table."""

    id: str
    title: str
    svg: str
    columns: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class TargetRow:
    indicator: str
    target: str
    mid_year: str
    year_end: str


@dataclass(frozen=True)
class AgreementView:
    """A target agreement of the report's year: targets with target and reached values, report states and the
    measures serving it (links like every other counted entry)."""

    title: str
    areas: str
    field_of_action: str
    department: str
    targets: list[TargetRow]
    reports: list[str]
    measures: list[Mapping[str, Any]]


REPORT_STATUS_NAMES = {
    "delivered": "geliefert",
    "late": "verspätet geliefert",
    "overdue": "überfällig",
    "open": "noch nicht fällig",
}


PERIOD_NAMES = {"mid_year": "Halbjahresbericht", "year_end": "Jahresbericht"}


def _number(value: Any, unit: str = "") -> str:
    """``12.5`` → ``12,5``; ``None`` → ``–`` (German decimal comma, the unit after a space)."""
    if value is None or value == "":
        return "–"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    text = f"{number:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    return f"{text} {unit}".strip()


def agreement_views(scope: Mapping[str, Any], area_names: Mapping[str, str]) -> list[AgreementView]:
    views = []
    for a in scope.get("agreements") or []:
        if not isinstance(a, Mapping):
            continue
        targets = [
            TargetRow(
                indicator=str(t.get("indicator") or ""),
                target=_number(t.get("target_value"), str(t.get("unit") or "")),
                mid_year=_number(t.get("mid_year"), str(t.get("unit") or "")),
                year_end=_number(t.get("year_end"), str(t.get("unit") or "")),
            )
            for t in a.get("targets") or []
            if isinstance(t, Mapping)
        ]
        reports = [
            f"{PERIOD_NAMES.get(str(r.get('period')), str(r.get('period')))}: "
            f"{REPORT_STATUS_NAMES.get(str(r.get('status')), str(r.get('status')))}"
            f" (fällig {german_date(r.get('due_on'))}"
            + (f", geliefert {german_date(r.get('delivered_on'))})" if r.get("delivered_on") else ")")
            for r in a.get("reports") or []
            if isinstance(r, Mapping)
        ]
        views.append(
            AgreementView(
                title=str(a.get("title") or ""),
                areas=", ".join(area_names.get(str(k), str(k)) for k in a.get("social_area_keys") or []),
                field_of_action=str(a.get("field_of_action") or ""),
                department=str(a.get("responsible_department") or ""),
                targets=targets,
                reports=reports,
                measures=[m for m in a.get("measures") or [] if isinstance(m, Mapping)],
            )
        )
    return views


@dataclass(frozen=True)
class ReportView:
    """The Gesamtbericht ready for the page: scopes (city first), one table per dimension, the charts."""

    year: int
    scopes: list[tuple[str, str]]  # (scope, name)
    sections: list[SectionView]
    plans: list[Mapping[str, Any]]
    area_names: dict[str, str]
    charts: list[ChartView]
    figures: dict[tuple[str, str, str], FigureView] = field(default_factory=dict)
    agreements: list[AgreementView] = field(default_factory=list)

    def find(self, scope: str, dimension: str, key: str) -> FigureView | None:
        return self.figures.get((scope, dimension, key))

    def total(self, dimension: str, scope: str = CITY_SCOPE) -> int:
        return sum(f.value for (s, d, _), f in self.figures.items() if s == scope and d == dimension)


def _scopes_of(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    city = report.get("city")
    areas = [a for a in report.get("areas") or [] if isinstance(a, Mapping)]
    return ([city] if isinstance(city, Mapping) else []) + areas


def _scope_id(scope: Mapping[str, Any]) -> str:
    return str(scope.get("social_area_key") or "") if scope.get("scope") == "social_area" else CITY_SCOPE


def report_view(report: Mapping[str, Any], *, year: int, version: int | None) -> ReportView:
    """Reporting's Report JSON (``{year, city, areas}``, each scope with ``sections`` of ``figures`` carrying
    their ``refs``) as tables: per dimension one row per key, one column per scope (city first)."""
    scopes = _scopes_of(report)
    names = [(_scope_id(s), str(s.get("name") or _scope_id(s))) for s in scopes]
    area_names = {k: n for k, n in names if k != CITY_SCOPE}
    figures: dict[tuple[str, str, str], FigureView] = {}
    titles: dict[str, str] = {}
    keys: dict[str, dict[str, str]] = {}
    for scope in scopes:
        sid = _scope_id(scope)
        label = dict(names)[sid]
        for section in scope.get("sections") or []:
            dimension = str(section.get("dimension") or "")
            titles.setdefault(dimension, str(section.get("title") or dimension))
            for fig in section.get("figures") or []:
                key = str(fig.get("key") or "")
                keys.setdefault(dimension, {}).setdefault(key, str(fig.get("label") or key))
                value = int(fig.get("value") or 0)
                refs = [r for r in fig.get("refs") or [] if isinstance(r, Mapping)]
                figures[(sid, dimension, key)] = FigureView(
                    section=titles[dimension],
                    dimension=dimension,
                    key=key,
                    key_label=keys[dimension][key],
                    scope=sid,
                    scope_label=label,
                    value=value,
                    refs=refs,
                    url=figure_query(year, sid, dimension, key, version) if value and refs else None,
                )
    sections = []
    for dimension, title in titles.items():
        rows = []
        for key, label in keys.get(dimension, {}).items():
            cells = [figures[(sid, dimension, key)] for sid, _ in names if (sid, dimension, key) in figures]
            rows.append(SectionRow(key, label, cells))
        sections.append(SectionView(dimension, title, rows))
    charts = [
        ChartView(
            id=str(c.get("id") or ""),
            title=str(c.get("title") or ""),
            svg=str(c.get("svg") or ""),
            columns=[str(x) for x in c.get("columns") or []],
            rows=[[str(x) for x in row] for row in c.get("rows") or [] if isinstance(row, list)],
        )
        for c in report.get("charts") or []
        if isinstance(c, Mapping) and str(c.get("svg") or "").lstrip().startswith("<svg")
    ]
    city = scopes[0] if scopes and _scope_id(scopes[0]) == CITY_SCOPE else {}
    plans = [p for p in city.get("plans") or [] if isinstance(p, Mapping)]
    return ReportView(year, names, sections, plans, area_names, charts, figures, agreement_views(city, area_names))


@dataclass(frozen=True)
class PublicMeasure:
    title: str
    period: str


@dataclass(frozen=True)
class PublishedReport:
    year: int
    version: int
    published_on: str


@dataclass(frozen=True)
class PublicPlanView:
    year: int | None
    state: str | None
    fields: list[tuple[str, list[PublicMeasure]]]
    reports: list[PublishedReport]  # the latest version of each year, newest year first


def _period(value: Any) -> str:
    if isinstance(value, Mapping):
        start, end = german_date(value.get("starts_on")), german_date(value.get("ends_on"))
        return f"{start} bis {end}" if start and end else start or end
    text = str(value or "")
    if "/" in text:
        start, _, end = text.partition("/")
        return f"{german_date(start)} bis {german_date(end)}"
    return german_date(text)


def public_plan_view(data: Mapping[str, Any]) -> PublicPlanView:
    """Reporting's public read model of a Sozialraum: the published plan in brief (measures by field of
    action, only titles and periods) and the published reports. Nothing personal is in it."""
    plan = data.get("plan") or None
    fields: list[tuple[str, list[PublicMeasure]]] = []
    if isinstance(plan, Mapping):
        for group in plan.get("measures_by_field") or []:
            measures = [
                PublicMeasure(str(m.get("title") or ""), _period(m.get("period")))
                for m in group.get("measures") or []
                if isinstance(m, Mapping)
            ]
            fields.append((str(group.get("field_of_action") or ""), measures))
    latest: dict[int, PublishedReport] = {}
    for r in data.get("published_reports") or []:
        if not isinstance(r, Mapping):
            continue
        entry = PublishedReport(int(r.get("year") or 0), int(r.get("version") or 0), german_date(r.get("published_at")))
        if entry.year not in latest or latest[entry.year].version < entry.version:
            latest[entry.year] = entry
    reports = sorted(latest.values(), key=lambda r: r.year, reverse=True)
    state = str(plan.get("state") or "") if isinstance(plan, Mapping) else None
    return PublicPlanView(
        int(plan["year"]) if isinstance(plan, Mapping) and plan.get("year") else None,
        STATE_NAMES.get(state or "", state) if state else None,
        fields,
        reports,
    )
