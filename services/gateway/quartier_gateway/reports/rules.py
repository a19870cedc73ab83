"""Pure rules of the reporting pages: the status board (Lagebild), the Gesamtbericht, the evaluations sent to
the councils (Auswertungen) and the public transparency page of a Sozialraum.

No I/O here. Who sees what:
- the status board: the steering committee and administrators every Sozialraum; a council member the
  Sozialräume touching their Stadtbezirk; an area coordinator and a member of a Koordinierungsrunde their own
  Sozialraum;
- the Gesamtbericht: a published version is public; the draft (computed now) is for every member of staff;
  only the steering committee publishes;
- the evaluations (Halbjahresbilanz and Auswertung of a plan): sent to the steering committee and to the
  councils of the Sozialraum's Stadtbezirke; a council member sees those of their Stadtbezirk, an area
  coordinator or a member of a Koordinierungsrunde those of their own Sozialraum, the steering committee and
  administrators all.
Every figure of the report links to the entries it counts (``ref_url``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from quartier_gateway.auth.domain import Principal, Role
from quartier_gateway.web.format import german_date, german_datetime

BERLIN = ZoneInfo("Europe/Berlin")

STATE_NAMES: dict[str, str] = {
    "draft": "Entwurf",
    "presented": "vorgelegt",
    "final": "final",
    "in_progress": "in Umsetzung",
    "mid_year_reviewed": "Halbjahresbilanz gezogen",
    "evaluated": "ausgewertet",
}
STEP_NAMES: dict[str, str] = {
    "draft": "Entwurf vorlegen",
    "hearings": "Anhörungen abschließen",
    "final": "Plan final machen",
    "mid_year_review": "Halbjahresbilanz",
    "evaluation": "Auswertung",
}
KIND_NAMES: dict[str, str] = {"mid_year_review": "Halbjahresbilanz", "evaluation": "Auswertung"}
DECISION_NAMES: dict[str, str] = {
    "continued": "fortgeführt",
    "changed": "geändert",
    "dropped": "gestrichen",
    "added": "neu aufgenommen",
}
OUTCOME_NAMES: dict[str, str] = {"done": "umgesetzt", "partly": "teilweise umgesetzt", "not_done": "nicht umgesetzt"}
CITY_WIDE = "Gesamte Stadt"


# --- who may ------------------------------------------------------------------------------------------


def sees_area(principal: Principal | None, social_area_key: str, district_keys: Iterable[str]) -> bool:
    """Whether the principal sees this Sozialraum on the status board."""
    if principal is None:
        return False
    if principal.role in (Role.ADMIN, Role.STEERING_COMMITTEE):
        return True
    if principal.role in (Role.AREA_COORDINATOR, Role.COORDINATION_MEMBER):
        return principal.social_area_key == social_area_key
    if principal.role is Role.COUNCIL_MEMBER:
        return principal.district_key is not None and principal.district_key in set(district_keys)
    return False


def visible_board_areas(principal: Principal | None, areas: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The rows of reporting's board (``areas``) the principal sees, in the board's order."""
    return [
        a
        for a in areas
        if sees_area(principal, str(a.get("social_area_key") or ""), [str(k) for k in a.get("district_keys") or []])
    ]


def may_view_draft(principal: Principal | None) -> bool:
    """The draft of the Gesamtbericht is for every member of staff."""
    return principal is not None


def may_publish(principal: Principal | None) -> bool:
    """Only the steering committee (Lenkungskreis) publishes the Gesamtbericht."""
    return principal is not None and principal.role is Role.STEERING_COMMITTEE


def distribution_filter(principal: Principal | None) -> str | None:
    """The district the evaluations are asked for (a council member's); None for everybody else."""
    if principal is not None and principal.role is Role.COUNCIL_MEMBER:
        return principal.district_key
    return None


def sees_distribution(principal: Principal | None, distribution: Mapping[str, Any]) -> bool:
    """Whether a distributed mid-year review or evaluation is meant for the principal."""
    if principal is None:
        return False
    if principal.role in (Role.ADMIN, Role.STEERING_COMMITTEE):
        return True
    if principal.role in (Role.AREA_COORDINATOR, Role.COORDINATION_MEMBER):
        return principal.social_area_key == distribution.get("social_area_key")
    return principal.district_key is not None and principal.district_key in set(
        str(k) for k in distribution.get("district_keys") or []
    )


# --- dates ----------------------------------------------------------------------------------------------


def current_year(now: dt.datetime) -> int:
    return now.astimezone(BERLIN).year


def parse_year(raw: str | None, default: int) -> int:
    """A plausible year from the URL, or the default."""
    text = (raw or "").strip()
    if text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    return default


# --- the status board ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    """One Sozialraum on the status board, ready for the page (German names and dates)."""

    key: str
    name: str
    plan_id: str | None
    state: str | None
    version: int | None
    next_deadline: str | None
    overdue: list[str]
    hearings_open: int
    needs_open: int
    needs_answered: int
    conference_id: str | None
    conference_title: str | None
    conference_when: str | None
    # activity reports of target agreements past their due date: (link, German text)
    overdue_reports: list[tuple[str, str]] = field(default_factory=list)


REPORT_PERIOD_NAMES = {"mid_year": "Halbjahresbericht", "year_end": "Jahresbericht"}


def overdue_report_items(area: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The overdue activity reports of the area's target agreements, each linked to its agreement."""
    items = []
    for r in area.get("overdue_agreement_reports") or []:
        if not isinstance(r, Mapping) or not r.get("agreement_id"):
            continue
        period = str(r.get("period_name") or REPORT_PERIOD_NAMES.get(str(r.get("period")), str(r.get("period"))))
        title = str(r.get("title") or "Zielvereinbarung")
        items.append(
            (
                f"/zielvereinbarungen/{r['agreement_id']}",
                f"{period} zur Zielvereinbarung „{title}“ (fällig am {german_date(r.get('due_on'))})",
            )
        )
    return items


def step_name(step: Any) -> str:
    return STEP_NAMES.get(str(step), str(step))


def board_row(area: Mapping[str, Any]) -> BoardRow:
    plan = area.get("plan") or None
    deadline = area.get("next_deadline") or None
    conference = area.get("next_conference") or None
    state = str(plan.get("state")) if plan else None
    return BoardRow(
        key=str(area.get("social_area_key") or ""),
        name=str(area.get("name") or area.get("social_area_key") or ""),
        plan_id=str(plan["plan_id"]) if plan and plan.get("plan_id") else None,
        state=(str(plan.get("state_name") or "") or STATE_NAMES.get(state or "", state)) if plan else None,
        version=int(plan["version"]) if plan and plan.get("version") is not None else None,
        next_deadline=f"{step_name(deadline.get('step'))} bis {german_date(deadline.get('due_on'))}"
        if deadline
        else None,
        overdue=[
            f"{step_name(d.get('step'))} (fällig am {german_date(d.get('due_on'))})" for d in area.get("overdue") or []
        ],
        hearings_open=int(area.get("hearings_open") or 0),
        needs_open=int(area.get("needs_open") or 0),
        needs_answered=int(area.get("needs_answered") or 0),
        conference_id=str(conference["meeting_id"]) if conference and conference.get("meeting_id") else None,
        conference_title=str(conference.get("title") or "Stadtteilkonferenz") if conference else None,
        conference_when=german_datetime(conference.get("starts_at")) if conference else None,
        overdue_reports=overdue_report_items(area),
    )


def board_rows(principal: Principal | None, board: Mapping[str, Any]) -> list[BoardRow]:
    return [board_row(a) for a in visible_board_areas(principal, list(board.get("areas") or []))]


# --- evaluations sent to the councils ---------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryGroup:
    """A group of measures in an evaluation's summary: ``umgesetzt`` with the measures' titles."""

    name: str
    titles: list[str]
    count: int


@dataclass(frozen=True)
class DistributionView:
    plan_id: str
    social_area_key: str
    area_name: str
    year: int
    kind: str
    distributed_on: str
    district_names: list[str]
    groups: list[SummaryGroup] = field(default_factory=list)


def _titles(value: Any) -> list[str]:
    if isinstance(value, list):
        out = []
        for item in value:
            if isinstance(item, Mapping):
                title = str(item.get("title") or item.get("label") or "Maßnahme ohne Titel")
                reason = str(item.get("reason") or "")
                out.append(f"{title} (Begründung: {reason})" if reason else title)
            else:
                out.append(str(item))
        return [t for t in out if t]
    return []


def _group_name(key: str) -> str:
    return DECISION_NAMES.get(key, OUTCOME_NAMES.get(key, key))


def summary_groups(summary: Any) -> list[SummaryGroup]:
    """Reporting's summary of a distribution (measures by decision or outcome, with titles) as groups.

    Reads ``{"kind", "counts": {group: n}, "measures": {group: [{measure_id, title, reason?}]}}``; also
    ``{group: [titles or {title}]}``, ``{group: count}`` and one level of nesting. Group names in German.
    """
    groups: list[SummaryGroup] = []
    if not isinstance(summary, Mapping):
        return groups
    measures = summary.get("measures")
    if isinstance(measures, Mapping):  # reporting's {"kind", "counts": {group: n}, "measures": {group: [...]}}
        raw_counts = summary.get("counts")
        counts: Mapping[str, Any] = raw_counts if isinstance(raw_counts, Mapping) else {}
        for key, entries in measures.items():
            titles = _titles(entries)
            given = counts.get(key)
            count = given if isinstance(given, int) else len(titles)
            groups.append(SummaryGroup(_group_name(str(key)), titles, count))
        return groups
    for key, value in summary.items():
        if isinstance(value, Mapping):
            if "count" in value or "titles" in value or "measures" in value:
                titles = _titles(value.get("titles") or value.get("measures") or [])
                groups.append(SummaryGroup(_group_name(str(key)), titles, int(value.get("count") or len(titles))))
            else:
                groups.extend(summary_groups(value))
        elif isinstance(value, list):
            titles = _titles(value)
            groups.append(SummaryGroup(_group_name(str(key)), titles, len(titles)))
        elif isinstance(value, int) and not isinstance(value, bool):
            groups.append(SummaryGroup(_group_name(str(key)), [], value))
    return groups


def distribution_views(
    principal: Principal | None, distributions: Sequence[Mapping[str, Any]], names: Mapping[str, str]
) -> list[DistributionView]:
    """The distributions meant for the principal, in reporting's order; ``names`` maps area and district keys to
    their names."""
    views = [
        DistributionView(
            plan_id=str(d.get("plan_id") or ""),
            social_area_key=str(d.get("social_area_key") or ""),
            area_name=names.get(str(d.get("social_area_key")), str(d.get("social_area_key") or "")),
            year=int(d.get("year") or 0),
            kind=KIND_NAMES.get(str(d.get("kind")), str(d.get("kind") or "")),
            distributed_on=german_date(d.get("distributed_at")),
            district_names=[names.get(str(k), str(k)) for k in d.get("district_keys") or []],
            groups=summary_groups(d.get("summary")),
        )
        for d in distributions
        if sees_distribution(principal, d)
    ]
    return views


# --- the Gesamtbericht: links of the figures ----------------------------------------------------------


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


# --- report files -------------------------------------------------------------------------------------

FILE_KINDS = ("pdf", "csv", "json")


def split_report_name(name: str) -> tuple[int, str | None] | None:
    """``2030`` → (2030, None); ``2030.pdf`` → (2030, "pdf"); anything else None."""
    stem, dot, ext = name.partition(".")
    if not stem.isdigit() or not 2000 <= int(stem) <= 2100:
        return None
    if not dot:
        return int(stem), None
    return (int(stem), ext) if ext in FILE_KINDS else None


# --- the Gesamtbericht: the page ----------------------------------------------------------------------

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


# --- the public page of a Sozialraum ------------------------------------------------------------------


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
