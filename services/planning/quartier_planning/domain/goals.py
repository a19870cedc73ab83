"""Steering goals (Steuerungsziele) of the steering committee (Lenkungskreis), derived from council decisions.

Pure rules, no I/O. A goal names the council decision it comes from, the years it applies to, and whether it
was retired. Measures of the plans link to goals (``MeasureInput.steering_goal_ids``); a retired goal, or one
not valid in the plan's year, takes no new links (``domain.plans.validate_measure``). The title is unique
among the active goals (compared without case and extra spaces). Every command returns the goal with the
events that announce it; a refused command raises and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace

from quartier_planning.domain.plans import GoalRef, InvalidInput, OutOfOrder
from quartier_shared.events.envelope import EventPayload
from quartier_shared.events.planning import GoalChanged, GoalDefined, GoalRetired

FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class GoalInput:
    title: str
    council_decision: str  # e.g. "Ratsbeschluss vom 12.03.2024, Vorlage 0123/24"
    decided_on: dt.date
    valid_from_year: int
    valid_until_year: int | None = None
    description: str = ""


@dataclass(frozen=True)
class SteeringGoal:
    id: uuid.UUID
    title: str
    description: str
    council_decision: str
    decided_on: dt.date
    valid_from_year: int
    valid_until_year: int | None = None
    retired: bool = False
    retired_reason: str | None = None

    def valid_in(self, year: int) -> bool:
        return self.ref().valid_in(year)

    def ref(self) -> GoalRef:
        return GoalRef(self.title, self.retired, self.valid_from_year, self.valid_until_year)


GoalResult = tuple[SteeringGoal, list[EventPayload]]


def title_key(title: str) -> str:
    """The form in which titles are compared for uniqueness."""
    return " ".join(title.split()).casefold()


def _text(value: str, name: str, what: str, max_len: int) -> str:
    text = " ".join(value.split())
    if not text:
        raise InvalidInput(name, f"{what} fehlt.")
    if len(text) > max_len:
        raise InvalidInput(name, f"{what} ist zu lang (höchstens {max_len} Zeichen).")
    return text


def _valid(spec: GoalInput, other_active_titles: Iterable[str], today: dt.date) -> GoalInput:
    title = _text(spec.title, "title", "Der Titel", 200)
    if title_key(title) in {title_key(t) for t in other_active_titles}:
        raise InvalidInput("title", f"Ein Steuerungsziel „{title}“ gibt es bereits.")
    decision = _text(spec.council_decision, "council_decision", "Der Ratsbeschluss", 500)
    description = " ".join(spec.description.split())
    if len(description) > 5000:
        raise InvalidInput("description", "Die Beschreibung ist zu lang (höchstens 5000 Zeichen).")
    if spec.decided_on > today:
        raise InvalidInput("decided_on", f"Das Datum {spec.decided_on.isoformat()} liegt in der Zukunft.")
    for name, year in (("valid_from_year", spec.valid_from_year), ("valid_until_year", spec.valid_until_year)):
        if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
            raise InvalidInput(name, f"{year} ist kein gültiges Jahr.")
    if spec.valid_until_year is not None and spec.valid_until_year < spec.valid_from_year:
        raise InvalidInput(
            "valid_until_year",
            f"Das letzte Jahr ({spec.valid_until_year}) liegt vor dem ersten ({spec.valid_from_year}).",
        )
    return replace(spec, title=title, council_decision=decision, description=description)


def _announce(kind: type[GoalDefined] | type[GoalChanged], goal: SteeringGoal) -> EventPayload:
    return kind(
        goal_id=goal.id,
        title=goal.title,
        council_decision=goal.council_decision,
        valid_from_year=goal.valid_from_year,
        valid_until_year=goal.valid_until_year,
    )


def define(goal_id: uuid.UUID, spec: GoalInput, active_titles: Iterable[str], today: dt.date) -> GoalResult:
    """A new goal; ``active_titles``: the titles of the goals not retired."""
    spec = _valid(spec, active_titles, today)
    goal = SteeringGoal(
        id=goal_id,
        title=spec.title,
        description=spec.description,
        council_decision=spec.council_decision,
        decided_on=spec.decided_on,
        valid_from_year=spec.valid_from_year,
        valid_until_year=spec.valid_until_year,
    )
    return goal, [_announce(GoalDefined, goal)]


def change(goal: SteeringGoal, spec: GoalInput, other_active_titles: Iterable[str], today: dt.date) -> GoalResult:
    """The goal as it is now; ``other_active_titles``: the titles of the other goals not retired."""
    if goal.retired:
        raise OutOfOrder(
            "retired",
            f"Das Steuerungsziel „{goal.title}“ ist zurückgezogen und wird nicht mehr geändert; "
            "legen Sie bei Bedarf ein neues an.",
        )
    spec = _valid(spec, other_active_titles, today)
    goal = replace(
        goal,
        title=spec.title,
        description=spec.description,
        council_decision=spec.council_decision,
        decided_on=spec.decided_on,
        valid_from_year=spec.valid_from_year,
        valid_until_year=spec.valid_until_year,
    )
    return goal, [_announce(GoalChanged, goal)]


def retire(goal: SteeringGoal, reason: str) -> GoalResult:
    if goal.retired:
        raise OutOfOrder("retired", f"Das Steuerungsziel „{goal.title}“ ist bereits zurückgezogen.")
    why = _text(reason, "reason", "Die Begründung", 2000)
    goal = replace(goal, retired=True, retired_reason=why)
    return goal, [
        GoalRetired(
            goal_id=goal.id,
            title=goal.title,
            council_decision=goal.council_decision,
            valid_from_year=goal.valid_from_year,
            valid_until_year=goal.valid_until_year,
            reason=why,
        )
    ]
