"""The Gesamtbericht (annual report): every figure of one year, per Sozialraum and for the whole city.

Pure rules, no I/O. The read models (built only from events) are loaded into a ``ReportInput`` by
``service.reports.report_input(conn, year)``; ``compute_report`` turns it into a ``Report``. Every figure
carries the entries it counts (``Ref``), so that each number can be traced to the plan entries it came from:
``value == sum(ref.amount)``, and ``amount`` is 1 except for participant counts (one ref per meeting,
``amount`` = how many took part). The city-wide figures are the sums of the Sozialräume's figures.

What counts for year ``Y`` (the same rules the big test recomputes from the events):

- plans: every plan with ``year == Y`` (any state); measures: every measure of those plans that was not
  removed; "measures by …" figures count the measures not dropped at the mid-year review;
- evaluation outcomes: measures with an outcome (done / partly / not_done);
- council needs: the needs recorded in the hearings of those plans (source ``district_council``);
- standalone needs: a need taken into a plan belongs to that plan's year; any other need to the year it was
  raised (``raised_on``). Funnel: raised → taken into a plan (status ``taken_into_plan``, for council needs
  the answer ``taken_into_plan``) → done (its measure evaluated ``done``);
- Stadtteilkonferenzen: meetings starting in ``Y`` (Europe/Berlin) that were not cancelled; held = attendance
  recorded; participants = the recorded attendance (persons + guests);
- offers: every offer of the directory that is not withdrawn, by its place's Sozialraum.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from quartier_reporting.domain.controlling import (
    AgreementFigure,
    AgreementInfo,
    MeasureLink,
    SocialDataInfo,
    SocialSeries,
    agreement_csv_rows,
    agreement_figures,
    agreement_from_dict,
    agreement_to_dict,
    series_csv_rows,
    series_from_dict,
    series_to_dict,
    social_series,
)

# ---------------------------------------------------------------- input (filled by R1's loader)


@dataclass(frozen=True)
class AreaInfo:
    """A Sozialraum as the territory read model knows it (``ReportInput.areas`` in registry order)."""

    key: str
    name: str
    district_keys: tuple[str, ...] = ()  # the districts of its residential areas, in registry order


@dataclass(frozen=True)
class Vocabulary:
    """The registry's vocabularies (VocabularyPublished), for order and zero rows; empty tuples are fine."""

    fields_of_action: tuple[str, ...] = ()  # handlungsfelder
    cross_cutting_themes: tuple[str, ...] = ()  # querschnittsthemen
    strategic_goals: tuple[str, ...] = ()  # leitziele_2016 (Leitziele)
    steering_goals: tuple[str, ...] = ()  # steuerungsziele (Steuerungsziele of the concept, as text)


@dataclass(frozen=True)
class GoalInfo:
    """A steering committee goal (GoalDefined / GoalChanged / GoalRetired); measures link it by id."""

    goal_id: uuid.UUID
    title: str
    valid_from_year: int
    valid_until_year: int | None = None
    retired: bool = False


@dataclass(frozen=True)
class MeasureFacts:
    """A measure of a plan as the events tell it (removed measures are not in the input)."""

    measure_id: uuid.UUID
    title: str
    field_of_action: str
    cross_cutting_themes: tuple[str, ...] = ()
    strategic_goals: tuple[str, ...] = ()  # texts: Leitziele and/or Steuerungsziele of the vocabulary
    steering_goal_ids: tuple[uuid.UUID, ...] = ()  # goals of the steering committee (GoalInfo)
    target_groups: tuple[str, ...] = ()
    residential_area_number: int | None = None
    at_community_centre: bool = False
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    offer_ids: tuple[uuid.UUID, ...] = ()
    review_decision: str | None = None  # continued / changed / dropped / added (mid-year review)
    outcome: str | None = None  # done / partly / not_done (evaluation)
    carried_from: uuid.UUID | None = None  # the measure of last year's plan it was carried over from
    agreement_id: uuid.UUID | None = None  # the target agreement (Zielvereinbarung) the measure fulfils


@dataclass(frozen=True)
class HearingInfo:
    """A council hearing of a presented plan (one per district of the Sozialraum)."""

    district_key: str
    closed: bool = False


@dataclass(frozen=True)
class CouncilNeedInfo:
    """A need a district council recorded in a plan's hearing, with its answer (None = not answered yet)."""

    need_id: uuid.UUID
    district_key: str
    text: str = ""
    answer: str | None = None  # taken_into_plan / forwarded / not_possible
    measure_id: uuid.UUID | None = None  # for taken_into_plan: the measure of the same plan


@dataclass(frozen=True)
class PlanInfo:
    plan_id: uuid.UUID
    social_area_key: str
    year: int
    state: str  # draft / presented / final / in_progress / mid_year_reviewed / evaluated
    measures: tuple[MeasureFacts, ...] = ()
    hearings: tuple[HearingInfo, ...] = ()
    council_needs: tuple[CouncilNeedInfo, ...] = ()
    carried_from_plan_id: uuid.UUID | None = None


@dataclass(frozen=True)
class NeedInfo:
    """A standalone need (planning's NeedRaised …): where it came from and where it went, as it is now.

    ``raised_on``: the date the need was raised (the event's ``raised_on`` where it has one, otherwise the
    event time's date in Europe/Berlin). ``plan_id``/``measure_id`` are set while ``status`` is
    ``taken_into_plan`` (a reopened need is open again and has neither).
    """

    need_id: uuid.UUID
    social_area_key: str
    source: str  # neighbourhood_conference / district_council / service / resident
    field_of_action: str
    status: str  # open / taken_into_plan / forwarded / declined
    raised_on: dt.date
    title: str = ""
    plan_id: uuid.UUID | None = None
    measure_id: uuid.UUID | None = None


@dataclass(frozen=True)
class MeetingInfo:
    """A Stadtteilkonferenz (ConferenceScheduled / MeetingScheduled kind neighbourhood_conference)."""

    meeting_id: uuid.UUID
    social_area_key: str
    title: str
    starts_at: dt.datetime  # timezone-aware
    cancelled: bool = False
    attendance: int | None = None  # AttendanceRecorded: len(person_ids) + guests; None = not recorded


@dataclass(frozen=True)
class OfferInfo:
    """An offer of the registry's directory (REGISTRY_OFFERS), by its place's Sozialraum."""

    offer_id: uuid.UUID
    title: str
    field_of_action: str
    social_area_key: str
    withdrawn: bool = False


@dataclass(frozen=True)
class ReportInput:
    """Everything the read models know; ``compute_report`` selects what belongs to ``year``.

    The loader may pass plans, needs and meetings of every year (the selection rules are in this module) or
    only the year's; offers and goals are passed as they are now.
    """

    year: int
    areas: tuple[AreaInfo, ...]
    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    district_names: tuple[tuple[str, str], ...] = ()  # (district key, name), registry order
    plans: tuple[PlanInfo, ...] = ()
    needs: tuple[NeedInfo, ...] = ()
    goals: tuple[GoalInfo, ...] = ()
    meetings: tuple[MeetingInfo, ...] = ()
    offers: tuple[OfferInfo, ...] = ()
    # controlling (domain.controlling): agreements of every year, social data of every year, and the day the
    # report is computed (for overdue activity reports; None = nothing counts as overdue)
    agreements: tuple[AgreementInfo, ...] = ()
    social_data: tuple[SocialDataInfo, ...] = ()
    today: dt.date | None = None


# ---------------------------------------------------------------- output


REF_KINDS = ("plan", "hearing", "measure", "need", "council_need", "meeting", "offer")


@dataclass(frozen=True)
class Ref:
    """One entry a figure counts. ``kind``: plan / hearing / measure / need / council_need / meeting / offer.

    ``id`` is the entry's id (for a hearing: the district key; ``plan_id`` names the plan), ``amount`` how
    much it adds to the figure (1, or the number of participants of a meeting).
    """

    kind: str
    id: str
    social_area_key: str
    label: str
    plan_id: str | None = None
    amount: int = 1


@dataclass(frozen=True)
class Figure:
    dimension: str
    key: str
    label: str
    value: int
    refs: tuple[Ref, ...] = ()


@dataclass(frozen=True)
class Section:
    dimension: str
    title: str
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class PlanSummary:
    plan_id: str
    social_area_key: str
    state: str
    state_name: str
    measures: int


@dataclass(frozen=True)
class ScopeReport:
    """The figures of one Sozialraum (``scope`` social_area) or of the whole city (``scope`` city)."""

    scope: str
    social_area_key: str | None
    name: str
    plans: tuple[PlanSummary, ...]
    sections: tuple[Section, ...]
    agreements: tuple[AgreementFigure, ...] = ()  # the target agreements of the year touching the scope
    social_data: tuple[SocialSeries, ...] = ()  # the indicators of the scope's Sozialräume over the years

    def section(self, dimension: str) -> Section:
        for s in self.sections:
            if s.dimension == dimension:
                return s
        raise KeyError(dimension)

    def figure(self, dimension: str, key: str) -> Figure:
        for f in self.section(dimension).figures:
            if f.key == key:
                return f
        raise KeyError(f"{dimension}/{key}")

    def value(self, dimension: str, key: str) -> int:
        return self.figure(dimension, key).value


@dataclass(frozen=True)
class Report:
    year: int
    city: ScopeReport
    areas: tuple[ScopeReport, ...]

    def scopes(self) -> tuple[ScopeReport, ...]:
        return (self.city, *self.areas)


# ---------------------------------------------------------------- German names

CITY_NAME = "Gesamtstadt"
STATE_NAMES: dict[str, str] = {
    "draft": "Entwurf",
    "presented": "vorgelegt",
    "final": "final",
    "in_progress": "in Umsetzung",
    "mid_year_reviewed": "halbjährlich überprüft",
    "evaluated": "ausgewertet",
}
REVIEW_NAMES: dict[str, str] = {
    "continued": "fortgeführt",
    "changed": "geändert",
    "dropped": "gestrichen",
    "added": "neu aufgenommen",
    "not_reviewed": "noch nicht überprüft",
}
OUTCOME_NAMES: dict[str, str] = {
    "done": "umgesetzt",
    "partly": "teilweise umgesetzt",
    "not_done": "nicht umgesetzt",
    "not_evaluated": "noch nicht ausgewertet",
}
SOURCES = ("neighbourhood_conference", "district_council", "service", "resident")
SOURCE_NAMES: dict[str, str] = {
    "neighbourhood_conference": "Stadtteilkonferenz",
    "district_council": "Bezirksvertretung",
    "service": "Fachdienst",
    "resident": "Bewohner:innen",
}
FUNNEL_STAGES: dict[str, str] = {
    "raised": "erfasst",
    "taken": "in einen Plan aufgenommen",
    "done": "umgesetzt",
}
ANSWER_NAMES: dict[str, str] = {
    "taken_into_plan": "in den Plan aufgenommen",
    "forwarded": "weitergeleitet",
    "not_possible": "nicht möglich",
    "unanswered": "noch nicht beantwortet",
}
HEARING_KEYS: dict[str, str] = {"hearings": "Anhörungen", "closed": "abgeschlossen", "open": "offen"}
CONFERENCE_KEYS: dict[str, str] = {
    "scheduled": "angesetzt",
    "held": "durchgeführt",
    "participants": "Teilnehmende",
}

# Every dimension of the report, in order, with its German title.
DIMENSIONS: dict[str, str] = {
    "plans_by_state": "Jahrespläne nach Stand",
    "measures_by_field_of_action": "Maßnahmen nach Handlungsfeld",
    "measures_by_cross_cutting_theme": "Maßnahmen nach Querschnittsthema",
    "measures_by_strategic_goal": "Maßnahmen nach Leitziel",
    "measures_by_steering_goal": "Maßnahmen nach Steuerungsziel",
    "measures_by_committee_goal": "Maßnahmen nach Ziel des Lenkungskreises",
    "mid_year_review": "Halbjahresüberprüfung der Maßnahmen",
    "evaluation_outcomes": "Evaluation der Maßnahmen",
    "needs_funnel": "Bedarfe: erfasst → in einen Plan aufgenommen → umgesetzt",
    **{
        f"needs_funnel.{source}": f"Bedarfe aus der Herkunft „{name}“: erfasst → in einen Plan aufgenommen → umgesetzt"
        for source, name in SOURCE_NAMES.items()
    },
    "council_hearings": "Anhörungen der Bezirksvertretungen",
    "council_needs_by_district": "Bedarfe der Bezirksvertretungen nach Stadtbezirk",
    "council_need_answers": "Antworten auf die Bedarfe der Bezirksvertretungen",
    "neighbourhood_conferences": "Stadtteilkonferenzen",
    "offers_by_field_of_action": "Angebote nach Handlungsfeld",
}
BERLIN = ZoneInfo("Europe/Berlin")


# ---------------------------------------------------------------- computation


class _Collector:
    """refs per dimension → key → Sozialraum, plus the keys' order and labels."""

    def __init__(self, area_keys: tuple[str, ...]) -> None:
        self.area_keys = area_keys
        self.refs: dict[str, dict[str, dict[str, list[Ref]]]] = {d: {} for d in DIMENSIONS}
        self.labels: dict[str, dict[str, str]] = {d: {} for d in DIMENSIONS}

    def key(self, dimension: str, key: str, label: str) -> None:
        if key not in self.refs[dimension]:
            self.refs[dimension][key] = {a: [] for a in self.area_keys}
            self.labels[dimension][key] = label

    def add(self, dimension: str, key: str, label: str, ref: Ref) -> None:
        self.key(dimension, key, label)
        self.refs[dimension][key][ref.social_area_key].append(ref)

    def sections(self, area_key: str | None) -> tuple[Section, ...]:
        sections = []
        for dimension, title in DIMENSIONS.items():
            figures = []
            for key, per_area in self.refs[dimension].items():
                if area_key is None:
                    refs = tuple(r for a in self.area_keys for r in per_area[a])
                else:
                    refs = tuple(per_area[area_key])
                value = sum(r.amount for r in refs)
                figures.append(Figure(dimension, key, self.labels[dimension][key], value, refs))
            sections.append(Section(dimension, title, tuple(figures)))
        return tuple(sections)


def _date_de(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


def need_year(need: NeedInfo, plan_years: dict[uuid.UUID, int]) -> int:
    """The report year a standalone need belongs to: its plan's year once taken into a plan, else raised."""
    if need.status == "taken_into_plan" and need.plan_id is not None and need.plan_id in plan_years:
        return plan_years[need.plan_id]
    return need.raised_on.year


def meeting_year(meeting: MeetingInfo) -> int:
    return meeting.starts_at.astimezone(BERLIN).year


def compute_report(data: ReportInput) -> Report:
    """Every figure of ``data.year``: per Sozialraum (registry order) and for the whole city."""
    area_keys = tuple(a.key for a in data.areas)
    c = _Collector(area_keys)
    _declare_keys(c, data)
    plans = _plans_of_year(data)
    outcomes = _outcomes(data.plans)
    for plan in plans:
        _count_plan(c, plan, data, outcomes)
    _count_needs(c, data, outcomes)
    _count_conferences(c, data)
    _count_offers(c, data)
    return _scopes(c, data, plans)


def _declare_keys(c: _Collector, data: ReportInput) -> None:
    """The fixed and vocabulary keys first, so that every scope shows the same rows (zeros included)."""
    vocab = data.vocabulary
    for state, name in STATE_NAMES.items():
        c.key("plans_by_state", state, name)
    for term in vocab.fields_of_action:
        c.key("measures_by_field_of_action", term, term)
        c.key("offers_by_field_of_action", term, term)
    for term in vocab.cross_cutting_themes:
        c.key("measures_by_cross_cutting_theme", term, term)
    for term in vocab.strategic_goals:
        c.key("measures_by_strategic_goal", term, term)
    for term in vocab.steering_goals:
        c.key("measures_by_steering_goal", term, term)
    for goal in sorted(data.goals, key=lambda g: g.title):
        if goal.valid_from_year <= data.year and (goal.valid_until_year is None or data.year <= goal.valid_until_year):
            c.key("measures_by_committee_goal", str(goal.goal_id), goal.title)
    for decision in ("continued", "changed", "dropped", "added", "not_reviewed"):
        c.key("mid_year_review", decision, REVIEW_NAMES[decision])
    for outcome in ("done", "partly", "not_done", "not_evaluated"):
        c.key("evaluation_outcomes", outcome, OUTCOME_NAMES[outcome])
    for stage, name in FUNNEL_STAGES.items():
        c.key("needs_funnel", stage, name)
        for source in SOURCES:
            c.key(f"needs_funnel.{source}", stage, name)
    for key, name in HEARING_KEYS.items():
        c.key("council_hearings", key, name)
    for district_key, name in data.district_names:
        if any(district_key in a.district_keys for a in data.areas):
            c.key("council_needs_by_district", district_key, name)
    for answer, name in ANSWER_NAMES.items():
        c.key("council_need_answers", answer, name)
    for key, name in CONFERENCE_KEYS.items():
        c.key("neighbourhood_conferences", key, name)


def _plans_of_year(data: ReportInput) -> list[PlanInfo]:
    """The plans of the year of the known Sozialräume, in registry order."""
    area_keys = [a.key for a in data.areas]
    return sorted(
        (p for p in data.plans if p.year == data.year and p.social_area_key in area_keys),
        key=lambda p: (area_keys.index(p.social_area_key), str(p.plan_id)),
    )


def _outcomes(plans: Iterable[PlanInfo]) -> dict[tuple[uuid.UUID, uuid.UUID], str | None]:
    """The evaluation outcome of every measure of every plan (a need counts as done by its measure's)."""
    return {(p.plan_id, m.measure_id): m.outcome for p in plans for m in p.measures}


def _count_plan(
    c: _Collector, plan: PlanInfo, data: ReportInput, outcomes: Mapping[tuple[uuid.UUID, uuid.UUID], str | None]
) -> None:
    area = plan.social_area_key
    pid = str(plan.plan_id)
    name = next(a.name for a in data.areas if a.key == area)
    c.add(
        "plans_by_state",
        plan.state,
        STATE_NAMES.get(plan.state, plan.state),
        Ref("plan", pid, area, f"Jahresplan {plan.year} – {name}", pid),
    )
    goal_titles = {g.goal_id: g.title for g in data.goals}
    for m in plan.measures:
        _count_measure(c, Ref("measure", str(m.measure_id), area, m.title, pid), m, data.vocabulary, goal_titles)
    districts = dict(data.district_names)
    for h in plan.hearings:
        district = districts.get(h.district_key, h.district_key)
        ref = Ref("hearing", h.district_key, area, f"Anhörung der Bezirksvertretung {district}", pid)
        c.add("council_hearings", "hearings", HEARING_KEYS["hearings"], ref)
        state = "closed" if h.closed else "open"
        c.add("council_hearings", state, HEARING_KEYS[state], ref)
    for n in plan.council_needs:
        district = districts.get(n.district_key, n.district_key)
        label = n.text or f"Bedarf der Bezirksvertretung {district}"
        ref = Ref("council_need", str(n.need_id), area, label, pid)
        c.add("council_needs_by_district", n.district_key, district, ref)
        answer = n.answer or "unanswered"
        c.add("council_need_answers", answer, ANSWER_NAMES.get(answer, answer), ref)
        taken = n.answer == "taken_into_plan"
        done = taken and n.measure_id is not None and outcomes.get((plan.plan_id, n.measure_id)) == "done"
        _funnel(c, "district_council", ref, taken, done)


def _count_measure(
    c: _Collector, ref: Ref, m: MeasureFacts, vocab: Vocabulary, goal_titles: Mapping[uuid.UUID, str]
) -> None:
    """A measure counts in the review and the evaluation always, in the fields and goals unless dropped."""
    decision = m.review_decision or "not_reviewed"
    c.add("mid_year_review", decision, REVIEW_NAMES.get(decision, decision), ref)
    outcome = m.outcome or "not_evaluated"
    c.add("evaluation_outcomes", outcome, OUTCOME_NAMES.get(outcome, outcome), ref)
    if m.review_decision == "dropped":
        return
    c.add("measures_by_field_of_action", m.field_of_action, m.field_of_action, ref)
    for theme in dict.fromkeys(m.cross_cutting_themes):
        c.add("measures_by_cross_cutting_theme", theme, theme, ref)
    for text in dict.fromkeys(m.strategic_goals):
        if text in vocab.steering_goals and text not in vocab.strategic_goals:
            c.add("measures_by_steering_goal", text, text, ref)
        else:
            c.add("measures_by_strategic_goal", text, text, ref)
    for goal_id in dict.fromkeys(m.steering_goal_ids):
        c.add("measures_by_committee_goal", str(goal_id), goal_titles.get(goal_id, str(goal_id)), ref)


def _count_needs(c: _Collector, data: ReportInput, outcomes: Mapping[tuple[uuid.UUID, uuid.UUID], str | None]) -> None:
    """The standalone needs of the year in the funnel (the council needs are counted with their plan)."""
    area_keys = {a.key for a in data.areas}
    plan_years = {p.plan_id: p.year for p in data.plans}
    for need in sorted(data.needs, key=lambda n: (n.raised_on, str(n.need_id))):
        if need.social_area_key not in area_keys or need_year(need, plan_years) != data.year:
            continue
        label = need.title or f"Bedarf im Handlungsfeld {need.field_of_action}"
        taken = need.status == "taken_into_plan"
        ref = Ref(
            "need",
            str(need.need_id),
            need.social_area_key,
            label,
            str(need.plan_id) if taken and need.plan_id is not None else None,
        )
        done = (
            taken
            and need.plan_id is not None
            and need.measure_id is not None
            and outcomes.get((need.plan_id, need.measure_id)) == "done"
        )
        _funnel(c, need.source, ref, taken, done)


def _count_conferences(c: _Collector, data: ReportInput) -> None:
    """The Stadtteilkonferenzen of the year not cancelled; held once attendance is recorded."""
    area_keys = {a.key for a in data.areas}
    for meeting in sorted(data.meetings, key=lambda m: (m.starts_at, str(m.meeting_id))):
        if meeting.social_area_key not in area_keys or meeting.cancelled or meeting_year(meeting) != data.year:
            continue
        label = f"{meeting.title} am {_date_de(meeting.starts_at.astimezone(BERLIN).date())}"
        ref = Ref("meeting", str(meeting.meeting_id), meeting.social_area_key, label)
        c.add("neighbourhood_conferences", "scheduled", CONFERENCE_KEYS["scheduled"], ref)
        if meeting.attendance is not None:
            c.add("neighbourhood_conferences", "held", CONFERENCE_KEYS["held"], ref)
            c.add(
                "neighbourhood_conferences",
                "participants",
                CONFERENCE_KEYS["participants"],
                Ref(ref.kind, ref.id, ref.social_area_key, ref.label, None, meeting.attendance),
            )


def _count_offers(c: _Collector, data: ReportInput) -> None:
    """The offers not withdrawn, as they are now."""
    area_keys = {a.key for a in data.areas}
    for offer in sorted(data.offers, key=lambda o: (o.title, str(o.offer_id))):
        if offer.withdrawn or offer.social_area_key not in area_keys:
            continue
        ref = Ref("offer", str(offer.offer_id), offer.social_area_key, offer.title)
        c.add("offers_by_field_of_action", offer.field_of_action, offer.field_of_action, ref)


def _scopes(c: _Collector, data: ReportInput, plans: list[PlanInfo]) -> Report:
    """One scope per Sozialraum and the city's (the sum of the Sozialräume), with the target agreements and
    the social data of the scope."""
    area_keys = tuple(a.key for a in data.areas)
    summaries: dict[str, list[PlanSummary]] = {a: [] for a in area_keys}
    for plan in plans:
        summaries[plan.social_area_key].append(
            PlanSummary(
                str(plan.plan_id),
                plan.social_area_key,
                plan.state,
                STATE_NAMES.get(plan.state, plan.state),
                len(plan.measures),
            )
        )
    links = tuple(
        MeasureLink(str(m.measure_id), m.agreement_id, plan.social_area_key, m.title, str(plan.plan_id))
        for plan in plans
        for m in plan.measures
        if m.agreement_id is not None
    )

    def scope(kind: str, key: str | None, name: str, keys: tuple[str, ...]) -> ScopeReport:
        return ScopeReport(
            kind,
            key,
            name,
            tuple(s for a in keys for s in summaries[a]),
            c.sections(key),
            agreement_figures(data.agreements, data.year, keys, links, data.today),
            social_series(data.social_data, data.year, keys),
        )

    areas = tuple(scope("social_area", a.key, a.name, (a.key,)) for a in data.areas)
    return Report(data.year, scope("city", None, CITY_NAME, area_keys), areas)


def _funnel(c: _Collector, source: str, ref: Ref, taken: bool, done: bool) -> None:
    stages = ["raised"] + (["taken"] if taken else []) + (["done"] if done else [])
    for stage in stages:
        c.add("needs_funnel", stage, FUNNEL_STAGES[stage], ref)
        if f"needs_funnel.{source}" in DIMENSIONS:
            c.add(f"needs_funnel.{source}", stage, FUNNEL_STAGES[stage], ref)


# ---------------------------------------------------------------- open data: JSON and CSV


def ref_to_dict(ref: Ref) -> dict[str, object]:
    out: dict[str, object] = {
        "kind": ref.kind,
        "id": ref.id,
        "social_area_key": ref.social_area_key,
        "label": ref.label,
    }
    if ref.plan_id is not None:
        out["plan_id"] = ref.plan_id
    if ref.amount != 1:
        out["amount"] = ref.amount
    return out


def scope_to_dict(scope: ScopeReport) -> dict[str, object]:
    return {
        "scope": scope.scope,
        "social_area_key": scope.social_area_key,
        "name": scope.name,
        "plans": [
            {
                "plan_id": p.plan_id,
                "social_area_key": p.social_area_key,
                "state": p.state,
                "state_name": p.state_name,
                "measures": p.measures,
            }
            for p in scope.plans
        ],
        "sections": [
            {
                "dimension": s.dimension,
                "title": s.title,
                "figures": [
                    {"key": f.key, "label": f.label, "value": f.value, "refs": [ref_to_dict(r) for r in f.refs]}
                    for f in s.figures
                ],
            }
            for s in scope.sections
        ],
        "agreements": [agreement_to_dict(a) for a in scope.agreements],
        "social_data": [series_to_dict(s) for s in scope.social_data],
    }


def report_to_dict(report: Report) -> dict[str, object]:
    """The report as JSON-ready data (the open-data JSON and the API's answer, without version metadata)."""
    return {
        "year": report.year,
        "dimensions": [{"dimension": d, "title": t} for d, t in DIMENSIONS.items()],
        "city": scope_to_dict(report.city),
        "areas": [scope_to_dict(a) for a in report.areas],
    }


def figures_hash(report: Report) -> str:
    """sha256 over the canonical JSON of every figure and the entries it counts."""
    canonical = json.dumps(report_to_dict(report), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


CSV_COLUMNS = ("year", "scope", "area", "dimension", "key", "label", "value")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A cell that spreadsheet programs never read as a formula: a leading = + - @ TAB CR gets an apostrophe."""
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def csv_rows(report: Report) -> list[tuple[str, ...]]:
    """One row per figure: the city first, then the Sozialräume in registry order."""
    rows: list[tuple[str, ...]] = []
    for scope in report.scopes():
        for section in scope.sections:
            for f in section.figures:
                rows.append(
                    tuple(
                        csv_cell(v)
                        for v in (
                            report.year,
                            scope.scope,
                            scope.social_area_key or "",
                            f.dimension,
                            f.key,
                            f.label,
                            f.value,
                        )
                    )
                )
        for key, label, value in (r for a in scope.agreements for r in agreement_csv_rows(a)):
            rows.append(
                tuple(
                    csv_cell(v)
                    for v in (report.year, scope.scope, scope.social_area_key or "", "agreements", key, label, value)
                )
            )
    return rows


def social_data_csv(report: Report) -> str:
    """The social data of the report (per Sozialraum, indicator and year up to the report year) as open-data
    CSV in the report's columns (dimension ``social_data``, key ``<indicator>/<year>``); formula-safe cells."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for scope in report.areas:
        for key, label, value in (r for s in scope.social_data for r in series_csv_rows(s)):
            writer.writerow(
                tuple(
                    csv_cell(v)
                    for v in (report.year, scope.scope, scope.social_area_key or "", "social_data", key, label, value)
                )
            )
    return out.getvalue()


def report_csv(report: Report) -> str:
    """The open-data CSV (RFC 4180, comma, CRLF line ends, header row)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(report))
    return out.getvalue()


def _ref_from_dict(data: Mapping[str, Any]) -> Ref:
    plan_id = data.get("plan_id")
    return Ref(
        kind=str(data["kind"]),
        id=str(data["id"]),
        social_area_key=str(data["social_area_key"]),
        label=str(data["label"]),
        plan_id=None if plan_id is None else str(plan_id),
        amount=int(data.get("amount", 1)),
    )


def _scope_from_dict(data: Mapping[str, Any]) -> ScopeReport:
    key = data.get("social_area_key")
    return ScopeReport(
        scope=str(data["scope"]),
        social_area_key=None if key is None else str(key),
        name=str(data["name"]),
        plans=tuple(
            PlanSummary(
                str(p["plan_id"]), str(p["social_area_key"]), str(p["state"]), str(p["state_name"]), int(p["measures"])
            )
            for p in data["plans"]
        ),
        sections=tuple(
            Section(
                str(s["dimension"]),
                str(s["title"]),
                tuple(
                    Figure(
                        str(s["dimension"]),
                        str(f["key"]),
                        str(f["label"]),
                        int(f["value"]),
                        tuple(_ref_from_dict(r) for r in f["refs"]),
                    )
                    for f in s["figures"]
                ),
            )
            for s in data["sections"]
        ),
        agreements=tuple(agreement_from_dict(a) for a in data.get("agreements", ())),
        social_data=tuple(series_from_dict(s) for s in data.get("social_data", ())),
    )


def report_from_dict(data: Mapping[str, Any]) -> Report:
    """The inverse of ``report_to_dict`` (a published version's frozen JSON back into a ``Report``)."""
    return Report(
        year=int(data["year"]),
        city=_scope_from_dict(data["city"]),
        areas=tuple(_scope_from_dict(a) for a in data["areas"]),
    )


def key_figures(scope: ScopeReport) -> list[tuple[str, str, int]]:
    """The totals at the top of the report: (key, German label, value)."""

    def total(dimension: str) -> int:
        return sum(f.value for f in scope.section(dimension).figures)

    return [
        ("plans", "Jahrespläne", total("plans_by_state")),
        ("measures", "Maßnahmen", total("measures_by_field_of_action")),
        ("done", "Maßnahmen umgesetzt", scope.value("evaluation_outcomes", "done")),
        ("partly", "Maßnahmen teilweise umgesetzt", scope.value("evaluation_outcomes", "partly")),
        ("not_done", "Maßnahmen nicht umgesetzt", scope.value("evaluation_outcomes", "not_done")),
        ("needs_raised", "Bedarfe erfasst", scope.value("needs_funnel", "raised")),
        ("needs_taken", "Bedarfe in einen Plan aufgenommen", scope.value("needs_funnel", "taken")),
        ("needs_done", "Bedarfe umgesetzt", scope.value("needs_funnel", "done")),
        ("hearings", "Anhörungen der Bezirksvertretungen", scope.value("council_hearings", "hearings")),
        ("council_needs", "Bedarfe der Bezirksvertretungen", total("council_needs_by_district")),
        ("conferences", "Stadtteilkonferenzen durchgeführt", scope.value("neighbourhood_conferences", "held")),
        (
            "participants",
            "Teilnehmende an Stadtteilkonferenzen",
            scope.value("neighbourhood_conferences", "participants"),
        ),
        ("offers", "Angebote", total("offers_by_field_of_action")),
    ]
