"""Pure rules of the Jahresplan pages: who may do what, German names of states and answers, the measure
form, deadlines and the comparison of versions in German.

No I/O here. Who may:
- the area coordinator of a Sozialraum runs the cycle of its plan (create, present, answer needs, close
  hearings, finalise, start, mid-year review, evaluation, carry-over) and edits every measure while the plan
  is a draft or presented;
- a member of the Koordinierungsrunde (``coordination_member``) of a Sozialraum adds measures for the actor
  they represent to a draft of that Sozialraum, and changes or removes only the measures their actor is
  responsible for; nothing else (no step, no answer, no hearing);
- a council member records needs in the hearing of their own Stadtbezirk while it is open;
- the steering committee and administrators read every plan; council members read the plans of the
  Sozialräume touching their Stadtbezirk; area coordinators and members of a Koordinierungsrunde the plans
  of their own Sozialraum.
Anything else is refused."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from quartier_gateway.auth.domain import Principal, Role
from quartier_gateway.plans.measure_rules import FIELD_NAMES, OUTCOMES, REVIEW_NAMES
from quartier_gateway.web.format import german_date

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
    if principal.role in (Role.AREA_COORDINATOR, Role.COORDINATION_MEMBER):
        return principal.social_area_key == social_area_key
    return principal.district_key is not None and principal.district_key in set(district_keys)


def runs_cycle(principal: Principal | None, social_area_key: str) -> bool:
    """Only the area coordinator of the plan's Sozialraum moves the plan on."""
    return (
        principal is not None
        and principal.role is Role.AREA_COORDINATOR
        and principal.social_area_key == social_area_key
    )


COORDINATOR_EDIT_STATES = frozenset({"draft", "presented"})


def is_round_member(principal: Principal | None, social_area_key: str) -> bool:
    """A member of the Koordinierungsrunde of this Sozialraum (with the actor they represent)."""
    return (
        principal is not None
        and principal.role is Role.COORDINATION_MEMBER
        and principal.social_area_key == social_area_key
        and principal.actor_id is not None
    )


def may_edit_measures(principal: Principal | None, social_area_key: str, state: str) -> bool:
    """Whether the principal may add measures to the plan (members: only for their own actor)."""
    if runs_cycle(principal, social_area_key):
        return state in COORDINATOR_EDIT_STATES
    return is_round_member(principal, social_area_key) and state == "draft"


def may_change_measure(
    principal: Principal | None, social_area_key: str, state: str, responsible_actor_id: str | uuid.UUID | None
) -> bool:
    """Change or remove one measure: the coordinator every measure (draft or presented); a member of the
    Koordinierungsrunde only the measures of their own actor, in a draft."""
    if runs_cycle(principal, social_area_key):
        return state in COORDINATOR_EDIT_STATES
    if not is_round_member(principal, social_area_key) or state != "draft" or principal is None:
        return False
    return str(principal.actor_id) == str(responsible_actor_id or "")


def fixed_actor(principal: Principal | None, social_area_key: str) -> str | None:
    """The responsible actor the measure form fixes: a member's own actor; None for the coordinator."""
    if principal is not None and is_round_member(principal, social_area_key):
        return str(principal.actor_id)
    return None


def may_review(principal: Principal | None, social_area_key: str, state: str) -> bool:
    return runs_cycle(principal, social_area_key) and state == "in_progress"


def may_evaluate(principal: Principal | None, social_area_key: str, state: str) -> bool:
    return runs_cycle(principal, social_area_key) and state == "mid_year_reviewed"


def may_carry_over(principal: Principal | None, plan: Mapping[str, Any]) -> bool:
    return (
        runs_cycle(principal, str(plan.get("social_area_key")))
        and plan.get("state") == "evaluated"
        and not plan.get("carried_over_to")
    )


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
    "MeasuresCarriedOver": "Offene Maßnahmen übertragen",
}


def event_name(event_type: str) -> str:
    """``quartier.planning.PlanDrafted.v1`` → "Entwurf angelegt" (unknown types keep their short name)."""
    parts = event_type.split(".")
    short = parts[-2] if len(parts) >= 2 and parts[-1].startswith("v") else parts[-1]
    return EVENT_NAMES.get(short, short)


@dataclass(frozen=True)
class DeadlineView:
    """The next deadline of a plan and its overdue steps, ready for the page (German dates)."""

    next_name: str | None
    next_due: str | None
    next_days_left: int | None
    overdue: list[tuple[str, str]]  # (step name, due date TT.MM.JJJJ)

    @property
    def is_overdue(self) -> bool:
        return bool(self.overdue)


def deadline_view(data: Mapping[str, Any] | None) -> DeadlineView | None:
    """Planning's deadlines of one plan (``/plans/{id}/deadlines`` or a row of ``/deadlines``)."""
    if not data:
        return None
    upcoming = data.get("next_deadline") or None
    overdue = [(str(d.get("name") or d.get("step")), german_date(d.get("due_on"))) for d in data.get("overdue") or []]
    return DeadlineView(
        str(upcoming.get("name") or upcoming.get("step")) if upcoming else None,
        german_date(upcoming.get("due_on")) if upcoming else None,
        int(upcoming["days_left"]) if upcoming and upcoming.get("days_left") is not None else None,
        overdue,
    )


def versions_of(plan: Mapping[str, Any]) -> list[int]:
    """The versions in the plan's history, oldest first, each once."""
    return sorted({int(e["version"]) for e in plan.get("history") or [] if str(e.get("version", "")).isdigit()})


def display_value(name: str, value: Any, names: Mapping[str, str] | None = None) -> str:
    """A measure field's value in German for the comparison: ids as names, lists joined, dates TT.MM.JJJJ."""
    names = names or {}
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, list | tuple):
        return ", ".join(display_value(name, v, names) for v in value)
    text = str(value)
    if name == "review":
        return REVIEW_NAMES.get(text, text)
    if name == "outcome":
        return OUTCOMES.get(text, text)
    if text in names:
        return names[text]
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return german_date(text)
    return text


def comparison_rows(compare: Mapping[str, Any], names: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The changed measures of planning's comparison with German field names and readable values."""
    rows = []
    for measure in (compare.get("measures") or {}).get("changed") or []:
        rows.append(
            {
                "title": measure.get("title"),
                "fields": [
                    {
                        "name": FIELD_NAMES.get(str(f.get("field")), str(f.get("field"))),
                        "before": display_value(str(f.get("field")), f.get("before"), names),
                        "after": display_value(str(f.get("field")), f.get("after"), names),
                    }
                    for f in measure.get("fields") or []
                ],
            }
        )
    return rows


def hearing_state(value: Any) -> str:
    """A hearing's side of the comparison: planning says "offen"/"geschlossen", None when it was not open yet."""
    if value is None:
        return "noch nicht geöffnet"
    if isinstance(value, str):
        return value
    closed = value.get("closed") if isinstance(value, Mapping) else value
    return "geschlossen" if closed else "offen"


NEED_STATUS_NAMES: dict[str, str] = {
    "open": "offen",
    "taken_into_plan": "in den Plan übernommen",
    "forwarded": "weitergeleitet",
    "declined": "nicht möglich",
}
