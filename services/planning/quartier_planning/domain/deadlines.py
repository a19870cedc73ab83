"""Deadlines of the Jahresplan cycle: when each step of a plan is due, which is next, which are overdue.

Pure rules, no I/O. A plan for year ``Y`` is *prepared in Y-1* and *looked back on in Y+1*: its draft is
presented to the councils by the end of September of Y-1, the hearings are closed by the end of November,
the plan is final by mid-December (so that it can start on 1 January of Y), the mid-year review is done by
the end of July of Y and the evaluation by the end of March of Y+1.

A rule is written ``Y-1-09-30`` (year offset, month, day; ``Y-07-31`` for the plan year itself,
``Y+1-03-31`` for the year after). Deployments override single steps with ``QUARTIER_DEADLINES`` as JSON,
e.g. ``{"draft": "Y-1-10-15"}``. 29 February in a year that has none falls on 28 February.
Dates are calendar days in Hamm (Europe/Berlin); a step is due *on* its date and overdue from the day after.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from quartier_planning.domain.plans import AnnualPlan, InvalidInput, PlanState
from quartier_shared.events.envelope import EventPayload
from quartier_shared.events.planning import DeadlineApproaching, DeadlineMissed

BERLIN = ZoneInfo("Europe/Berlin")
DEFAULT_WARNING_DAYS = 14


class Step(StrEnum):
    DRAFT = "draft"  # the draft is presented to the councils
    HEARINGS = "hearings"  # every council hearing is closed
    FINAL = "final"  # the plan is final
    MID_YEAR_REVIEW = "mid_year_review"
    EVALUATION = "evaluation"


STEP_NAMES: dict[Step, str] = {
    Step.DRAFT: "Entwurf vorlegen",
    Step.HEARINGS: "Anhörungen abschließen",
    Step.FINAL: "Plan final machen",
    Step.MID_YEAR_REVIEW: "Halbjahresbilanz",
    Step.EVALUATION: "Auswertung",
}


@dataclass(frozen=True)
class Rule:
    """The due date of a step relative to the plan year: ``year_offset`` (-1, 0, +1), month and day."""

    year_offset: int
    month: int
    day: int

    def due_on(self, plan_year: int) -> dt.date:
        year = plan_year + self.year_offset
        return dt.date(year, self.month, min(self.day, calendar.monthrange(year, self.month)[1]))

    def __str__(self) -> str:
        offset = f"{self.year_offset:+d}" if self.year_offset else ""
        return f"Y{offset}-{self.month:02d}-{self.day:02d}"


DEFAULT_RULES: dict[Step, Rule] = {
    Step.DRAFT: Rule(-1, 9, 30),
    Step.HEARINGS: Rule(-1, 11, 30),
    Step.FINAL: Rule(-1, 12, 15),
    Step.MID_YEAR_REVIEW: Rule(0, 7, 31),
    Step.EVALUATION: Rule(1, 3, 31),
}
Rules = Mapping[Step, Rule]
_RULE = re.compile(r"^Y([+-][0-9])?-([0-9]{2})-([0-9]{2})$")


def parse_rule(text: str) -> Rule:
    match = _RULE.match(text.strip())
    if match is None:
        raise InvalidInput("deadlines", f"„{text}“ ist keine Frist der Form Y-1-09-30, Y-07-31 oder Y+1-03-31.")
    offset, month, day = int(match.group(1) or 0), int(match.group(2)), int(match.group(3))
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2024, month)[1]:  # 2024: a leap year
        raise InvalidInput("deadlines", f"„{text}“ ist kein Kalendertag.")
    return Rule(offset, month, day)


def parse_rules(overrides: Mapping[str, str]) -> dict[Step, Rule]:
    """The default rules with the configured steps replaced; unknown steps and bad dates are refused."""
    rules = dict(DEFAULT_RULES)
    for name, text in overrides.items():
        try:
            step = Step(name)
        except ValueError:
            known = ", ".join(s.value for s in Step)
            raise InvalidInput("deadlines", f"Schritt „{name}“ ist nicht bekannt (bekannt: {known}).") from None
        rules[step] = parse_rule(text)
    return rules


def today_in_hamm(now: dt.datetime | None = None) -> dt.date:
    return (now or dt.datetime.now(dt.UTC)).astimezone(BERLIN).date()


_ORDER = list(PlanState)


def _reached(plan: AnnualPlan, state: PlanState) -> bool:
    return _ORDER.index(plan.state) >= _ORDER.index(state)


def is_done(plan: AnnualPlan, step: Step) -> bool:
    if step == Step.DRAFT:
        return _reached(plan, PlanState.PRESENTED)
    if step == Step.HEARINGS:
        return _reached(plan, PlanState.FINAL) or (
            plan.state == PlanState.PRESENTED and bool(plan.hearings) and all(h.closed for h in plan.hearings)
        )
    if step == Step.FINAL:
        return _reached(plan, PlanState.FINAL)
    if step == Step.MID_YEAR_REVIEW:
        return _reached(plan, PlanState.MID_YEAR_REVIEWED)
    return plan.state == PlanState.EVALUATED


@dataclass(frozen=True)
class Deadline:
    step: Step
    due_on: dt.date
    done: bool
    days_left: int  # negative: days overdue

    @property
    def overdue(self) -> bool:
        return not self.done and self.days_left < 0

    @property
    def name(self) -> str:
        return STEP_NAMES[self.step]


def deadlines(plan: AnnualPlan, today: dt.date, rules: Rules = DEFAULT_RULES) -> list[Deadline]:
    """Every step of the plan with its due date, in the order of the cycle."""
    return [
        Deadline(step, rules[step].due_on(plan.year), is_done(plan, step), (rules[step].due_on(plan.year) - today).days)
        for step in Step
    ]


def next_deadline(plan: AnnualPlan, today: dt.date, rules: Rules = DEFAULT_RULES) -> Deadline | None:
    """The earliest step not yet done that is due today or later (overdue steps: ``overdue_steps``)."""
    upcoming = [d for d in deadlines(plan, today, rules) if not d.done and d.days_left >= 0]
    return min(upcoming, key=lambda d: d.due_on, default=None)


def overdue_steps(plan: AnnualPlan, today: dt.date, rules: Rules = DEFAULT_RULES) -> list[Deadline]:
    return [d for d in deadlines(plan, today, rules) if d.overdue]


def announcements(
    plan: AnnualPlan, today: dt.date, rules: Rules = DEFAULT_RULES, warning_days: int = DEFAULT_WARNING_DAYS
) -> list[DeadlineApproaching | DeadlineMissed]:
    """What to announce today: steps due within ``warning_days`` and overdue steps. The service announces
    each (plan, step, due date, kind) once; this function only decides what is due."""
    ids = {"plan_id": plan.id, "social_area_key": plan.social_area_key, "year": plan.year}
    out: list[DeadlineApproaching | DeadlineMissed] = []
    for d in deadlines(plan, today, rules):
        if d.done:
            continue
        if d.days_left < 0:
            out.append(DeadlineMissed(**ids, step=d.step.value, due_on=d.due_on, days_overdue=-d.days_left))
        elif d.days_left <= warning_days:
            out.append(DeadlineApproaching(**ids, step=d.step.value, due_on=d.due_on, days_left=d.days_left))
    return out


def kind_of(event: EventPayload) -> str:
    return "missed" if isinstance(event, DeadlineMissed) else "approaching"
