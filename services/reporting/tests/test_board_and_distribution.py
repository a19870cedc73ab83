"""The pure rules of the status board and of the evaluation distribution."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quartier_reporting.domain import board, distribution
from quartier_reporting.domain.board import Deadline, deadline_status

TODAY = dt.date(2027, 6, 15)


def test_a_done_step_is_neither_next_nor_overdue() -> None:
    deadlines = [Deadline("draft", dt.date(2027, 1, 10), missed=True), Deadline("final", dt.date(2027, 7, 1))]
    status = deadline_status("presented", False, deadlines, TODAY)
    assert status.overdue == ()
    assert status.next == Deadline("final", dt.date(2027, 7, 1))


def test_missed_or_past_steps_are_overdue_in_date_order() -> None:
    deadlines = [
        Deadline("final", dt.date(2027, 3, 1)),  # past, not announced missed: still overdue
        Deadline("hearings", dt.date(2027, 2, 1), missed=True),
        Deadline("mid_year_review", dt.date(2027, 7, 31)),
    ]
    status = deadline_status("presented", False, deadlines, TODAY)
    assert [d.step for d in status.overdue] == ["hearings", "final"]
    assert status.next == Deadline("mid_year_review", dt.date(2027, 7, 31))


def test_hearings_are_done_once_every_hearing_is_closed() -> None:
    hearing = [Deadline("hearings", dt.date(2027, 2, 1), missed=True)]
    assert deadline_status("presented", True, hearing, TODAY).overdue == ()
    assert deadline_status("presented", False, hearing, TODAY).overdue == tuple(hearing)


def test_a_step_due_today_is_next_not_overdue() -> None:
    status = deadline_status("in_progress", False, [Deadline("mid_year_review", TODAY)], TODAY)
    assert (status.next, status.overdue) == (Deadline("mid_year_review", TODAY), ())


@given(st.sampled_from(board.STATES), st.sampled_from(board.STEPS))
def test_an_evaluated_plan_has_every_step_done(state: str, step: str) -> None:
    assert board.step_done("evaluated", step, False)
    if board.step_done(state, step):
        later = board.STATES[board.STATES.index(state) :]
        assert all(board.step_done(s, step) for s in later)


def test_the_summary_lists_the_measures_by_decision_with_titles_and_reasons() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    got = distribution.summary(
        "mid_year_review",
        {"continued": [a], "dropped": [b], "added": [c]},
        {a: "Elterncafé", b: "Lauftreff"},
        {str(b): "kein Raum"},
    )
    assert got["counts"] == {"continued": 1, "changed": 0, "dropped": 1, "added": 1}
    assert got["measures"]["dropped"] == [{"measure_id": str(b), "title": "Lauftreff", "reason": "kein Raum"}]
    assert got["measures"]["added"] == [{"measure_id": str(c), "title": ""}]
    assert list(distribution.summary("evaluation", {}, {})["measures"]) == ["done", "partly", "not_done"]
    with pytest.raises(ValueError):
        distribution.summary("gossip", {}, {})
