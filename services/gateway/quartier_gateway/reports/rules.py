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
Every figure of the report links to the entries it counts (``ref_url``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from quartier_gateway.auth.domain import Principal, Role
from quartier_gateway.web.format import BERLIN, german_date, german_datetime

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


def current_year(now: dt.datetime) -> int:
    return now.astimezone(BERLIN).year


def parse_year(raw: str | None, default: int) -> int:
    """A plausible year from the URL, or the default."""
    text = (raw or "").strip()
    if text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    return default


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
