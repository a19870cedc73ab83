"""Target agreements (Zielvereinbarungen) between the city and a commissioned provider, and the provider's
activity reports (Sachberichte) against them (concept paper, chapters 3.3, 4.3.1, 4.3.3).

Pure rules, no I/O. An agreement names the provider (a registry actor), the year, one or more Sozialräume,
the commissioned field of action, its targets (indicator, target value, unit), the strategic goals served
(Leitziele and/or steering goal ids) and the responsible department. The provider reports twice a year:
``mid_year`` (due by default on 31.08. of the year) and ``year_end`` (31.03. of the next year); a report not
delivered by its due date is overdue (``overdue_reports``). A report given again for a period replaces the
earlier one. Every command returns the agreement with the events that announce it; a refused command
raises and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from quartier_planning.domain.plans import AgreementRef, GoalRef, InvalidInput, OutOfOrder
from quartier_shared.events.agreements import (
    ActivityReportSubmitted,
    AgreementChanged,
    AgreementConcluded,
    AgreementTargetV1,
    ReachedValueV1,
)
from quartier_shared.events.envelope import EventPayload

FIRST_YEAR, LAST_YEAR = 2000, 2100
PERIODS = ("mid_year", "year_end")
PERIOD_NAMES = {"mid_year": "Halbjahresbericht", "year_end": "Jahresbericht"}
MAX_TARGETS = 30
MAX_VALUE = 1e12


class AgreementState(StrEnum):
    CONCLUDED = "concluded"
    CHANGED = "changed"


def default_due(year: int, period: str) -> dt.date:
    """Mid-year report by 31.08. of the year, year-end report by 31.03. of the next year."""
    return dt.date(year, 8, 31) if period == "mid_year" else dt.date(year + 1, 3, 31)


@dataclass(frozen=True)
class TargetInput:
    indicator: str
    target_value: float
    unit: str = ""
    id: uuid.UUID | None = None  # keeps a target's identity when an agreement is changed


@dataclass(frozen=True)
class Target:
    id: uuid.UUID
    indicator: str
    target_value: float
    unit: str = ""


@dataclass(frozen=True)
class AgreementInput:
    provider_actor_id: uuid.UUID
    year: int
    social_area_keys: tuple[str, ...]
    field_of_action: str
    targets: tuple[TargetInput, ...]
    responsible_department: str
    title: str = ""
    strategic_goals: tuple[str, ...] = ()
    steering_goal_ids: tuple[uuid.UUID, ...] = ()
    mid_year_report_due: dt.date | None = None
    year_end_report_due: dt.date | None = None


@dataclass(frozen=True)
class AgreementCatalogue:
    """What the rules need from planning's registry copy and steering goals."""

    social_area_keys: frozenset[str]
    fields_of_action: frozenset[str]
    goals: frozenset[str]  # strategic_goals ∪ steering_goals vocabularies (as text)
    provider_known: bool
    steering_goals: Mapping[uuid.UUID, GoalRef] = field(default_factory=dict)


@dataclass(frozen=True)
class ReachedValue:
    target_id: uuid.UUID
    value: float


@dataclass(frozen=True)
class ReportInput:
    period: str
    values: tuple[ReachedValue, ...]
    narrative: str
    delivered_on: dt.date


@dataclass(frozen=True)
class ActivityReport:
    period: str
    values: tuple[ReachedValue, ...]
    narrative: str
    delivered_on: dt.date
    due_on: dt.date

    @property
    def late(self) -> bool:
        return self.delivered_on > self.due_on

    def value_of(self, target_id: uuid.UUID) -> float | None:
        for v in self.values:
            if v.target_id == target_id:
                return v.value
        return None


@dataclass(frozen=True)
class Agreement:
    id: uuid.UUID
    provider_actor_id: uuid.UUID
    year: int
    social_area_keys: tuple[str, ...]
    field_of_action: str
    targets: tuple[Target, ...]
    responsible_department: str
    mid_year_report_due: dt.date
    year_end_report_due: dt.date
    title: str = ""
    strategic_goals: tuple[str, ...] = ()
    steering_goal_ids: tuple[uuid.UUID, ...] = ()
    state: AgreementState = AgreementState.CONCLUDED
    reports: tuple[ActivityReport, ...] = ()

    def due_on(self, period: str) -> dt.date:
        return self.mid_year_report_due if period == "mid_year" else self.year_end_report_due

    def report(self, period: str) -> ActivityReport | None:
        for r in self.reports:
            if r.period == period:
                return r
        return None

    def covers(self, social_area_key: str, year: int) -> bool:
        return year == self.year and social_area_key in self.social_area_keys


@dataclass(frozen=True)
class OverdueReport:
    period: str
    due_on: dt.date
    days_overdue: int


AgreementResult = tuple[Agreement, list[EventPayload]]


def overdue_reports(agreement: Agreement, today: dt.date) -> list[OverdueReport]:
    """The reports not delivered although their due date has passed (a late report, once delivered, is no
    longer overdue; it shows as ``late``)."""
    out = []
    for period in PERIODS:
        due = agreement.due_on(period)
        if agreement.report(period) is None and today > due:
            out.append(OverdueReport(period, due, (today - due).days))
    return out


def _text(value: str, name: str, what: str, max_len: int, *, required: bool = True) -> str:
    text = " ".join(value.split())
    if required and not text:
        raise InvalidInput(name, f"{what} fehlt.")
    if len(text) > max_len:
        raise InvalidInput(name, f"{what} ist zu lang (höchstens {max_len} Zeichen).")
    return text


def _number(value: float, name: str, what: str) -> float:
    if not math.isfinite(value) or value < 0 or value > MAX_VALUE:
        raise InvalidInput(name, f"{what} muss eine Zahl ab 0 sein.")
    return float(value)


def _valid(
    spec: AgreementInput, catalogue: AgreementCatalogue, new_id: Callable[[], uuid.UUID]
) -> tuple[AgreementInput, tuple[Target, ...]]:
    if not FIRST_YEAR <= spec.year <= LAST_YEAR:
        raise InvalidInput("year", f"{spec.year} ist kein gültiges Jahr.")
    if not catalogue.provider_known:
        raise InvalidInput("provider_actor_id", f"Träger {spec.provider_actor_id} ist nicht bekannt.")
    areas = _social_areas(spec, catalogue)
    if spec.field_of_action not in catalogue.fields_of_action:
        raise InvalidInput("field_of_action", f"Handlungsfeld „{spec.field_of_action}“ ist nicht bekannt.")
    title = _text(spec.title, "title", "Der Titel", 200, required=False)
    department = _text(spec.responsible_department, "responsible_department", "Das zuständige Amt", 200)
    goals, steering = _goals(spec, catalogue)
    targets = _targets(spec, new_id)
    mid, end = _report_dues(spec)
    spec = replace(
        spec,
        title=title,
        responsible_department=department,
        social_area_keys=areas,
        strategic_goals=goals,
        steering_goal_ids=steering,
        mid_year_report_due=mid,
        year_end_report_due=end,
    )
    return spec, targets


def _social_areas(spec: AgreementInput, catalogue: AgreementCatalogue) -> tuple[str, ...]:
    areas = tuple(dict.fromkeys(k.strip() for k in spec.social_area_keys if k.strip()))
    if not areas:
        raise InvalidInput("social_area_keys", "Bitte nennen Sie mindestens einen Sozialraum.")
    for key in areas:
        if key not in catalogue.social_area_keys:
            raise InvalidInput("social_area_keys", f"Sozialraum „{key}“ ist nicht bekannt.")
    return areas


def _goals(spec: AgreementInput, catalogue: AgreementCatalogue) -> tuple[tuple[str, ...], tuple[uuid.UUID, ...]]:
    """The Leit-/Steuerungsziele (vocabulary) and the goals of the Lenkungskreis valid in the year."""
    goals = tuple(dict.fromkeys(spec.strategic_goals))
    for goal in goals:
        if goal not in catalogue.goals:
            raise InvalidInput("strategic_goals", f"Ziel „{goal}“ ist weder Leitziel noch Steuerungsziel.")
    steering = tuple(dict.fromkeys(spec.steering_goal_ids))
    for goal_id in steering:
        ref = catalogue.steering_goals.get(goal_id)
        if ref is None:
            raise InvalidInput("steering_goal_ids", f"Steuerungsziel {goal_id} ist nicht bekannt.")
        if not ref.valid_in(spec.year):
            raise InvalidInput("steering_goal_ids", f"Steuerungsziel „{ref.title}“ gilt nicht im Jahr {spec.year}.")
    return goals, steering


def _targets(spec: AgreementInput, new_id: Callable[[], uuid.UUID]) -> tuple[Target, ...]:
    """One to ``MAX_TARGETS`` targets, each indicator and id once; a new target gets a new id."""
    if not spec.targets:
        raise InvalidInput("targets", "Bitte vereinbaren Sie mindestens ein Ziel mit Indikator und Zielwert.")
    if len(spec.targets) > MAX_TARGETS:
        raise InvalidInput("targets", f"Höchstens {MAX_TARGETS} Ziele je Vereinbarung.")
    targets: list[Target] = []
    seen_ids: set[uuid.UUID] = set()
    seen_indicators: set[str] = set()
    for i, t in enumerate(spec.targets):
        where = f"targets[{i}]"
        indicator = _text(t.indicator, f"{where}.indicator", "Der Indikator", 500)
        if indicator.casefold() in seen_indicators:
            raise InvalidInput(f"{where}.indicator", f"Der Indikator „{indicator}“ steht doppelt in der Vereinbarung.")
        seen_indicators.add(indicator.casefold())
        value = _number(t.target_value, f"{where}.target_value", "Der Zielwert")
        unit = _text(t.unit, f"{where}.unit", "Die Einheit", 100, required=False)
        target_id = t.id or new_id()
        if target_id in seen_ids:
            raise InvalidInput(f"{where}.id", f"Ziel {target_id} steht doppelt in der Vereinbarung.")
        seen_ids.add(target_id)
        targets.append(Target(target_id, indicator, value, unit))
    return tuple(targets)


def _report_dues(spec: AgreementInput) -> tuple[dt.date, dt.date]:
    """When the mid-year and the year-end activity reports are due (defaults from the year)."""
    mid = spec.mid_year_report_due or default_due(spec.year, "mid_year")
    end = spec.year_end_report_due or default_due(spec.year, "year_end")
    if mid.year not in (spec.year, spec.year + 1):
        raise InvalidInput(
            "mid_year_report_due", f"Der Halbjahresbericht muss {spec.year} oder kurz danach fällig sein."
        )
    if end < mid:
        raise InvalidInput("year_end_report_due", "Der Jahresbericht kann nicht vor dem Halbjahresbericht fällig sein.")
    if end.year > spec.year + 1:
        raise InvalidInput("year_end_report_due", f"Der Jahresbericht muss spätestens {spec.year + 1} fällig sein.")
    return mid, end


def _terms(agreement: Agreement, version: int) -> dict[str, object]:
    return {
        "agreement_id": agreement.id,
        "year": agreement.year,
        "social_area_keys": list(agreement.social_area_keys),
        "provider_actor_id": agreement.provider_actor_id,
        "field_of_action": agreement.field_of_action,
        "title": agreement.title,
        "targets": [
            AgreementTargetV1(target_id=t.id, indicator=t.indicator, target_value=t.target_value, unit=t.unit)
            for t in agreement.targets
        ],
        "strategic_goals": list(agreement.strategic_goals),
        "steering_goal_ids": list(agreement.steering_goal_ids),
        "responsible_department": agreement.responsible_department,
        "mid_year_report_due": agreement.mid_year_report_due,
        "year_end_report_due": agreement.year_end_report_due,
        "version": version,
    }


def conclude(
    agreement_id: uuid.UUID,
    spec: AgreementInput,
    catalogue: AgreementCatalogue,
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> AgreementResult:
    """A new agreement (version 1)."""
    if any(t.id is not None for t in spec.targets):
        spec = replace(spec, targets=tuple(replace(t, id=None) for t in spec.targets))
    spec, targets = _valid(spec, catalogue, new_id)
    assert spec.mid_year_report_due is not None and spec.year_end_report_due is not None
    agreement = Agreement(
        id=agreement_id,
        provider_actor_id=spec.provider_actor_id,
        year=spec.year,
        social_area_keys=spec.social_area_keys,
        field_of_action=spec.field_of_action,
        targets=targets,
        responsible_department=spec.responsible_department,
        mid_year_report_due=spec.mid_year_report_due,
        year_end_report_due=spec.year_end_report_due,
        title=spec.title,
        strategic_goals=spec.strategic_goals,
        steering_goal_ids=spec.steering_goal_ids,
    )
    return agreement, [AgreementConcluded.model_validate(_terms(agreement, 1))]


def change(
    agreement: Agreement,
    spec: AgreementInput,
    catalogue: AgreementCatalogue,
    next_version: int,
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> AgreementResult:
    """New terms for the agreement. Targets keep their id when the input names it (an id the agreement does
    not have is refused). Once a report was given, a reported target stays, and provider and year stay."""
    known = {t.id for t in agreement.targets}
    for i, t in enumerate(spec.targets):
        if t.id is not None and t.id not in known:
            raise InvalidInput(f"targets[{i}].id", f"Ziel {t.id} gehört nicht zu dieser Vereinbarung.")
    spec, targets = _valid(spec, catalogue, new_id)
    assert spec.mid_year_report_due is not None and spec.year_end_report_due is not None
    if agreement.reports:
        if spec.provider_actor_id != agreement.provider_actor_id or spec.year != agreement.year:
            raise OutOfOrder(
                "provider_actor_id",
                "Zu dieser Vereinbarung liegt schon ein Sachbericht vor; Träger und Jahr bleiben daher, wie sie "
                "sind. Schließen Sie für einen anderen Träger oder ein anderes Jahr eine neue Vereinbarung.",
            )
        kept = {t.id for t in targets}
        reported = {v.target_id for r in agreement.reports for v in r.values}
        for old in agreement.targets:
            if old.id in reported and old.id not in kept:
                raise OutOfOrder(
                    "targets",
                    f"Zum Ziel „{old.indicator}“ wurde schon berichtet; es bleibt Teil der Vereinbarung "
                    "(Zielwert und Einheit können sich ändern).",
                )
    agreement = replace(
        agreement,
        provider_actor_id=spec.provider_actor_id,
        year=spec.year,
        social_area_keys=spec.social_area_keys,
        field_of_action=spec.field_of_action,
        targets=targets,
        responsible_department=spec.responsible_department,
        mid_year_report_due=spec.mid_year_report_due,
        year_end_report_due=spec.year_end_report_due,
        title=spec.title,
        strategic_goals=spec.strategic_goals,
        steering_goal_ids=spec.steering_goal_ids,
        state=AgreementState.CHANGED,
    )
    return agreement, [AgreementChanged.model_validate(_terms(agreement, next_version))]


def submit_report(agreement: Agreement, report: ReportInput, today: dt.date) -> AgreementResult:
    """The provider's activity report for a period; given again, it replaces the earlier one of the period.
    Every target of the agreement gets a value (numbers from 0); the delivery date is not in the future."""
    if report.period not in PERIODS:
        raise InvalidInput("period", "Zeitraum ist einer von: mid_year, year_end.")
    if report.delivered_on > today:
        raise InvalidInput("delivered_on", "Das Lieferdatum liegt in der Zukunft.")
    if report.delivered_on < dt.date(agreement.year, 1, 1):
        raise InvalidInput("delivered_on", f"Das Lieferdatum liegt vor dem Vereinbarungsjahr {agreement.year}.")
    if report.period == "year_end" and agreement.report("mid_year") is None:
        raise OutOfOrder("period", "Zuerst kommt der Halbjahresbericht; geben Sie ihn vor dem Jahresbericht ab.")
    narrative = _text(report.narrative, "narrative", "Der Sachbericht (kurzer Text)", 5000)
    targets = {t.id: t for t in agreement.targets}
    values: dict[uuid.UUID, float] = {}
    for i, v in enumerate(report.values):
        where = f"values[{i}]"
        if v.target_id not in targets:
            raise InvalidInput(f"{where}.target_id", f"Ziel {v.target_id} gehört nicht zu dieser Vereinbarung.")
        if v.target_id in values:
            raise InvalidInput(f"{where}.target_id", f"Zum Ziel „{targets[v.target_id].indicator}“ stehen zwei Werte.")
        values[v.target_id] = _number(v.value, f"{where}.value", f"Der Wert zu „{targets[v.target_id].indicator}“")
    missing = [t.indicator for t in agreement.targets if t.id not in values]
    if missing:
        raise InvalidInput("values", "Ohne Wert: " + ", ".join(f"„{m}“" for m in missing) + ".")
    due = agreement.due_on(report.period)
    saved = ActivityReport(
        period=report.period,
        values=tuple(ReachedValue(t.id, values[t.id]) for t in agreement.targets),
        narrative=narrative,
        delivered_on=report.delivered_on,
        due_on=due,
    )
    replaces = agreement.report(report.period) is not None
    reports = (*(r for r in agreement.reports if r.period != report.period), saved)
    agreement = replace(agreement, reports=tuple(sorted(reports, key=lambda r: PERIODS.index(r.period))))
    return agreement, [
        ActivityReportSubmitted(
            agreement_id=agreement.id,
            year=agreement.year,
            social_area_keys=list(agreement.social_area_keys),
            provider_actor_id=agreement.provider_actor_id,
            field_of_action=agreement.field_of_action,
            period=saved.period,
            delivered_on=saved.delivered_on,
            due_on=due,
            late=saved.late,
            values=[
                ReachedValueV1(
                    target_id=t.id,
                    indicator=t.indicator,
                    target_value=t.target_value,
                    value=values[t.id],
                    unit=t.unit,
                )
                for t in agreement.targets
            ],
            narrative=narrative,
            replaces_earlier=replaces,
        )
    ]


def reached_against_targets(agreement: Agreement) -> list[dict[str, object]]:
    """Per target: target value and the values reached mid-year and at year end (None when not reported)."""
    mid, end = agreement.report("mid_year"), agreement.report("year_end")
    return [
        {
            "target_id": t.id,
            "indicator": t.indicator,
            "unit": t.unit,
            "target_value": t.target_value,
            "mid_year": mid.value_of(t.id) if mid else None,
            "year_end": end.value_of(t.id) if end else None,
        }
        for t in agreement.targets
    ]


def refs_of(agreements: Sequence[Agreement]) -> dict[uuid.UUID, AgreementRef]:
    return {a.id: AgreementRef(a.year, a.social_area_keys, a.title) for a in agreements}
