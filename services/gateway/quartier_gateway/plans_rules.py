"""Pure rules of the Jahresplan pages: who may do what, German names of states and answers.

No I/O here. Who may:
- the area coordinator of a Sozialraum runs the cycle of its plan (create, add measures, present, answer
  needs, close hearings, finalise);
- a council member records needs in the hearing of their own Stadtbezirk while it is open;
- the steering committee and administrators read every plan; council members read the plans of the
  Sozialräume touching their Stadtbezirk; area coordinators the plans of their own Sozialraum.
Anything else is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from quartier_gateway.domain import Principal, Role

STATE_NAMES: dict[str, str] = {
    "draft": "Entwurf",
    "presented": "vorgelegt",
    "final": "final",
    "in_progress": "in Umsetzung",
    "mid_year_reviewed": "Halbjahresbilanz gezogen",
    "evaluated": "ausgewertet",
}

ANSWER_NAMES: dict[str, str] = {
    "taken_into_plan": "In den Plan übernommen",
    "forwarded": "Weitergeleitet",
    "not_possible": "Nicht möglich",
}


def state_name(state: str) -> str:
    return STATE_NAMES.get(state, state)


def may_read_plan(principal: Principal | None, social_area_key: str, district_keys: Iterable[str]) -> bool:
    if principal is None:
        return False
    if principal.role in (Role.ADMIN, Role.STEERING_COMMITTEE):
        return True
    if principal.role is Role.AREA_COORDINATOR:
        return principal.social_area_key == social_area_key
    return principal.district_key in set(district_keys)


def runs_cycle(principal: Principal | None, social_area_key: str) -> bool:
    """Only the area coordinator of the plan's Sozialraum moves the plan on."""
    return (
        principal is not None
        and principal.role is Role.AREA_COORDINATOR
        and principal.social_area_key == social_area_key
    )


def may_edit_measures(principal: Principal | None, social_area_key: str, state: str) -> bool:
    return runs_cycle(principal, social_area_key) and state == "draft"


def may_record_needs(principal: Principal | None, hearing: Mapping[str, Any], state: str) -> bool:
    """A council member, in the open hearing of their own Stadtbezirk, while the plan is presented."""
    return (
        principal is not None
        and principal.role is Role.COUNCIL_MEMBER
        and principal.district_key == hearing.get("district_key")
        and not hearing.get("closed")
        and state == "presented"
    )


def visible_area_keys(principal: Principal, areas: Mapping[str, Iterable[str]]) -> list[str]:
    """The Sozialräume whose plans the principal sees (``areas``: key → its district keys)."""
    return [key for key, districts in areas.items() if may_read_plan(principal, key, districts)]


def answer_text(answer: Mapping[str, Any] | None, measure_titles: Mapping[str, str]) -> str:
    """What became of a council need, in German ("Soweit möglich berücksichtigt")."""
    if not answer:
        return "Noch nicht beantwortet"
    kind = answer.get("kind", "")
    name = ANSWER_NAMES.get(kind, kind)
    if kind == "taken_into_plan":
        title = measure_titles.get(str(answer.get("measure_id")), "Maßnahme")
        return f"{name}: Maßnahme „{title}“"
    if kind == "forwarded":
        return f"{name} an {answer.get('forwarded_to') or 'unbekannt'}"
    return f"{name}: {answer.get('reason') or 'ohne Begründung'}"


def open_counts(plan: Mapping[str, Any]) -> tuple[int, int]:
    """(open hearings, unanswered needs) of a plan."""
    hearings = sum(1 for h in plan.get("hearings") or [] if not h.get("closed"))
    needs = sum(1 for n in plan.get("needs") or [] if not n.get("answer"))
    return hearings, needs


# The step the area coordinator may take next, per state (the API refuses anything else with a 409).
NEXT_STEPS: dict[str, dict[str, str]] = {
    "draft": {"present": "Plan vorlegen"},
    "presented": {"finalize": "Plan final machen"},
    "final": {"start": "Umsetzung beginnen"},
}

EVENT_NAMES: dict[str, str] = {
    "PlanDrafted": "Entwurf angelegt",
    "MeasureAdded": "Maßnahme hinzugefügt",
    "MeasureChanged": "Maßnahme geändert",
    "MeasureRemoved": "Maßnahme entfernt",
    "PlanSubmitted": "Plan vorgelegt, Anhörungen geöffnet",
    "CouncilNeedsRecorded": "Bedarfe einer Bezirksvertretung erfasst",
    "NeedAnswered": "Bedarf beantwortet",
    "HearingClosed": "Anhörung geschlossen",
    "PlanFinalized": "Plan final",
    "PlanStarted": "Umsetzung begonnen",
    "MidYearReviewCompleted": "Halbjahresbilanz gezogen",
    "PlanEvaluated": "Plan ausgewertet",
}


def event_name(event_type: str) -> str:
    """``quartier.planning.PlanDrafted.v1`` → "Entwurf angelegt" (unknown types keep their short name)."""
    parts = event_type.split(".")
    short = parts[-2] if len(parts) >= 2 and parts[-1].startswith("v") else parts[-1]
    return EVENT_NAMES.get(short, short)


def german_date(value: str | None) -> str:
    """``2027-02-01`` (or an ISO timestamp) → ``01.02.2027``; anything else unchanged."""
    text = str(value or "")
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        return f"{text[8:10]}.{text[5:7]}.{text[0:4]}"
    return text
