"""The status board (Lagebild) of all Sozialräume: where each plan stands, its deadlines, hearings and needs.

Pure rules, no I/O. Deadlines come from planning's DeadlineApproaching / DeadlineMissed events; whether a
step is done follows from the plan's state as reporting knows it (the same rule as planning's
``domain.deadlines.is_done``): a step done is neither next nor overdue.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

STATES = ("draft", "presented", "final", "in_progress", "mid_year_reviewed", "evaluated")
STATE_NAMES: dict[str, str] = {
    "draft": "Entwurf",
    "presented": "vorgelegt",
    "final": "final",
    "in_progress": "in Umsetzung",
    "mid_year_reviewed": "halbjährlich überprüft",
    "evaluated": "ausgewertet",
}
STEPS = ("draft", "hearings", "final", "mid_year_review", "evaluation")
STEP_NAMES: dict[str, str] = {
    "draft": "Entwurf vorlegen",
    "hearings": "Anhörungen der Bezirksvertretungen",
    "final": "Plan final",
    "mid_year_review": "Halbjahresbilanz",
    "evaluation": "Auswertung",
}
# Plans at least this far are "published" on the public pages.
PUBLIC_FROM = "final"


def reached(state: str, target: str) -> bool:
    """Whether a plan in ``state`` has reached ``target`` (unknown states reach nothing)."""
    if state not in STATES or target not in STATES:
        return False
    return STATES.index(state) >= STATES.index(target)


def step_done(state: str, step: str, all_hearings_closed: bool = False) -> bool:
    if step == "draft":
        return reached(state, "presented")
    if step == "hearings":
        return reached(state, "final") or (state == "presented" and all_hearings_closed)
    if step == "final":
        return reached(state, "final")
    if step == "mid_year_review":
        return reached(state, "mid_year_reviewed")
    return state == "evaluated"


@dataclass(frozen=True)
class Deadline:
    step: str
    due_on: dt.date
    missed: bool = False  # planning announced it as missed


@dataclass(frozen=True)
class DeadlineStatus:
    next: Deadline | None
    overdue: tuple[Deadline, ...]


def deadline_status(
    state: str | None, all_hearings_closed: bool, deadlines: Iterable[Deadline], today: dt.date
) -> DeadlineStatus:
    """The earliest open step due today or later, and the open steps past due (announced missed, or their
    due date passed), each step once with its latest due date."""
    latest: dict[str, Deadline] = {}
    for d in deadlines:
        if state is not None and step_done(state, d.step, all_hearings_closed):
            continue
        known = latest.get(d.step)
        if known is None or (d.due_on, d.missed) > (known.due_on, known.missed):
            latest[d.step] = d
    overdue = [d for d in latest.values() if d.missed or d.due_on < today]
    upcoming = [d for d in latest.values() if d not in overdue]
    order = {s: i for i, s in enumerate(STEPS)}
    overdue.sort(key=lambda d: (d.due_on, order.get(d.step, 99)))
    upcoming.sort(key=lambda d: (d.due_on, order.get(d.step, 99)))
    return DeadlineStatus(upcoming[0] if upcoming else None, tuple(overdue))


@dataclass(frozen=True)
class PlanStatus:
    """A plan's line on the board: its deadlines, open hearings and the council needs of its hearings."""

    deadlines: DeadlineStatus
    hearings_open: int
    council_needs_open: int
    council_needs_answered: int


def plan_status(
    state: str,
    hearings_closed: Sequence[bool],
    council_answered: Sequence[bool],
    deadlines: Iterable[Deadline],
    today: dt.date,
) -> PlanStatus:
    """``hearings_closed``: one entry per hearing of the plan; ``council_answered``: one per council need."""
    hearings_open = sum(1 for closed in hearings_closed if not closed)
    all_closed = bool(hearings_closed) and hearings_open == 0
    answered = sum(1 for a in council_answered if a)
    return PlanStatus(
        deadline_status(state, all_closed, deadlines, today),
        hearings_open,
        len(council_answered) - answered,
        answered,
    )


def year_of_need(
    status: str, plan_id: uuid.UUID | None, raised_on: dt.date | None, plan_years: Mapping[uuid.UUID, int]
) -> int | None:
    """A need taken into a plan belongs to that plan's year, any other to the year it was raised."""
    if status == "taken_into_plan" and plan_id is not None and plan_id in plan_years:
        return plan_years[plan_id]
    return raised_on.year if raised_on else None


def needs_open_and_answered(statuses: Iterable[str]) -> tuple[int, int]:
    """Standalone needs: open ones await an answer, every other status is one."""
    open_ = answered = 0
    for status in statuses:
        if status == "open":
            open_ += 1
        else:
            answered += 1
    return open_, answered
