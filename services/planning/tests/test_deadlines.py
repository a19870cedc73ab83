"""Deadlines of the Jahresplan cycle as pure rules: defaults, configuration, leap years, steps done."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

import pytest

from quartier_planning.domain import deadlines as dl
from quartier_planning.domain.deadlines import DEFAULT_RULES, Rule, Step
from quartier_planning.domain.plans import AnnualPlan, Hearing, InvalidInput, PlanState
from quartier_shared.events.planning import DeadlineApproaching, DeadlineMissed

D = dt.date


def plan(state: PlanState = PlanState.DRAFT, year: int = 2027, **changes: object) -> AnnualPlan:
    return replace(AnnualPlan(uuid.UUID(int=7), "westen", year, state), **changes)  # type: ignore[arg-type]


def test_default_deadlines_of_a_plan_year_are_prepared_in_the_year_before() -> None:
    due = {d.step: d.due_on for d in dl.deadlines(plan(), D(2026, 1, 1))}
    assert due == {
        Step.DRAFT: D(2026, 9, 30),
        Step.HEARINGS: D(2026, 11, 30),
        Step.FINAL: D(2026, 12, 15),
        Step.MID_YEAR_REVIEW: D(2027, 7, 31),
        Step.EVALUATION: D(2028, 3, 31),
    }


def test_next_deadline_and_overdue_steps() -> None:
    draft = plan()
    upcoming = dl.next_deadline(draft, D(2026, 9, 20))
    assert upcoming is not None
    assert (upcoming.step, upcoming.days_left) == (Step.DRAFT, 10)
    assert dl.overdue_steps(draft, D(2026, 9, 20)) == []
    # due on the day itself, overdue from the day after
    due_day = dl.next_deadline(draft, D(2026, 9, 30))
    assert due_day is not None
    assert (due_day.step, due_day.days_left) == (Step.DRAFT, 0)
    later = D(2026, 10, 1)
    assert [d.step for d in dl.overdue_steps(draft, later)] == [Step.DRAFT]
    assert dl.overdue_steps(draft, later)[0].days_left == -1
    upcoming = dl.next_deadline(draft, later)
    assert upcoming is not None and upcoming.step == Step.HEARINGS


def test_a_plan_past_a_step_has_no_deadline_for_it() -> None:
    presented = plan(PlanState.PRESENTED, hearings=(Hearing("mitte", "Hamm-Mitte"),))
    upcoming = dl.next_deadline(presented, D(2026, 10, 1))
    assert upcoming is not None and upcoming.step == Step.HEARINGS
    assert dl.overdue_steps(presented, D(2026, 10, 1)) == []
    closed = replace(presented, hearings=(Hearing("mitte", "Hamm-Mitte", closed=True),))
    assert [d.step for d in dl.overdue_steps(closed, D(2026, 12, 20))] == [Step.FINAL]
    in_progress = plan(PlanState.IN_PROGRESS)
    upcoming = dl.next_deadline(in_progress, D(2027, 3, 1))
    assert upcoming is not None and upcoming.step == Step.MID_YEAR_REVIEW
    reviewed = plan(PlanState.MID_YEAR_REVIEWED)
    upcoming = dl.next_deadline(reviewed, D(2027, 9, 1))
    assert upcoming is not None and upcoming.step == Step.EVALUATION
    evaluated = plan(PlanState.EVALUATED)
    assert dl.next_deadline(evaluated, D(2028, 6, 1)) is None
    assert dl.overdue_steps(evaluated, D(2028, 6, 1)) == []
    assert all(d.done for d in dl.deadlines(evaluated, D(2028, 6, 1)))


def test_configured_rules_replace_single_steps() -> None:
    rules = dl.parse_rules({"draft": "Y-1-10-15", "evaluation": "Y+1-02-28", "mid_year_review": "Y-08-31"})
    assert rules[Step.DRAFT] == Rule(-1, 10, 15)
    assert rules[Step.HEARINGS] == DEFAULT_RULES[Step.HEARINGS]
    due = {d.step: d.due_on for d in dl.deadlines(plan(), D(2026, 1, 1), rules)}
    assert due[Step.DRAFT] == D(2026, 10, 15)
    assert due[Step.MID_YEAR_REVIEW] == D(2027, 8, 31)
    assert due[Step.EVALUATION] == D(2028, 2, 28)
    assert str(rules[Step.EVALUATION]) == "Y+1-02-28"
    assert str(rules[Step.DRAFT]) == "Y-1-10-15"


def test_29_february_falls_on_the_28th_in_a_common_year() -> None:
    rules = dl.parse_rules({"evaluation": "Y+1-02-29"})
    assert rules[Step.EVALUATION].due_on(2027) == D(2028, 2, 29)  # 2028 is a leap year
    assert rules[Step.EVALUATION].due_on(2028) == D(2029, 2, 28)
    assert rules[Step.EVALUATION].due_on(2099) == D(2100, 2, 28)  # 2100 is not
    # days left count the leap day
    upcoming = dl.next_deadline(plan(PlanState.MID_YEAR_REVIEWED), D(2028, 2, 1), rules)
    assert upcoming is not None and upcoming.days_left == 28


@pytest.mark.parametrize(
    "overrides",
    [{"drafting": "Y-1-09-30"}, {"draft": "09-30"}, {"draft": "Y-1-13-01"}, {"draft": "Y-1-02-30"}, {"draft": ""}],
)
def test_bad_configuration_is_refused_in_german(overrides: dict[str, str]) -> None:
    with pytest.raises(InvalidInput) as exc:
        dl.parse_rules(overrides)
    assert exc.value.field == "deadlines"


def test_settings_refuse_a_bad_deadline_and_read_json(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from quartier_planning.service.deadlines import config_of
    from quartier_planning.settings import PlanningSettings

    monkeypatch.setenv("QUARTIER_DEADLINES", '{"final": "Y-1-12-20"}')
    monkeypatch.setenv("QUARTIER_DEADLINE_WARNING_DAYS", "7")
    config = config_of(PlanningSettings())
    assert config.rules[Step.FINAL] == Rule(-1, 12, 20)
    assert config.warning_days == 7
    monkeypatch.setenv("QUARTIER_DEADLINES", '{"final": "Mitte Dezember"}')
    with pytest.raises(ValidationError):
        PlanningSettings()


def test_announcements_warn_within_the_lead_time_and_report_missed_steps() -> None:
    draft = plan()
    assert dl.announcements(draft, D(2026, 9, 15)) == []  # 15 days before: not yet
    (warning,) = dl.announcements(draft, D(2026, 9, 16))
    assert isinstance(warning, DeadlineApproaching)
    assert (warning.step, warning.due_on, warning.days_left) == ("draft", D(2026, 9, 30), 14)
    assert warning.partition_key() == "plan/westen/2027"
    assert dl.announcements(draft, D(2026, 9, 16), warning_days=7) == []
    late = dl.announcements(draft, D(2026, 11, 20))
    assert [(type(e).__name__, e.step) for e in late] == [
        ("DeadlineMissed", "draft"),
        ("DeadlineApproaching", "hearings"),
    ]
    missed = late[0]
    assert isinstance(missed, DeadlineMissed) and missed.days_overdue == 51
    assert dl.kind_of(missed) == "missed" and dl.kind_of(late[1]) == "approaching"
    assert dl.announcements(plan(PlanState.EVALUATED), D(2030, 1, 1)) == []


def test_today_is_the_calendar_day_in_hamm() -> None:
    # 23:30 UTC on 31 July is already 1 August in Hamm (summer time, UTC+2)
    assert dl.today_in_hamm(dt.datetime(2027, 7, 31, 23, 30, tzinfo=dt.UTC)) == D(2027, 8, 1)
    assert dl.today_in_hamm(dt.datetime(2027, 1, 31, 22, 30, tzinfo=dt.UTC)) == D(2027, 1, 31)
