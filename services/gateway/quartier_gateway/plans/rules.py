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
Anything else is refused.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from quartier_gateway.auth.domain import Principal, Role
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


# --- measures: field names, the form, review and evaluation -------------------------------------------

MEASURE_LABELS: dict[str, str] = {
    "title": "Titel",
    "description": "Beschreibung",
    "field_of_action": "Handlungsfeld",
    "cross_cutting_themes": "Querschnittsthemen",
    "target_groups": "Zielgruppen",
    "strategic_goals": "Leitziele",
    "steering_goal_ids": "Steuerungsziele",
    "responsible_actor_id": "Verantwortlich",
    "partner_actor_ids": "Partner:innen",
    "place": "Ort",
    "starts_on": "Beginn",
    "ends_on": "Ende",
    "planned_indicators": "Geplante Indikatoren",
    "offer_ids": "Angebote",
}
# German names of every field planning may name in a refusal or a comparison.
FIELD_NAMES: dict[str, str] = {
    **MEASURE_LABELS,
    "residential_area_number": "Wohnbereich",
    "at_community_centre": "Im Stadtteilzentrum",
    "review": "Entscheidung der Halbjahresbilanz",
    "review_reason": "Begründung der Halbjahresbilanz",
    "outcome": "Ergebnis der Auswertung",
    "indicators_reached": "Erreichte Indikatoren",
    "lessons": "Erkenntnisse",
    "carried_from": "Übertragen aus",
}
MULTI_FIELDS = ("cross_cutting_themes", "strategic_goals", "steering_goal_ids", "partner_actor_ids", "offer_ids")
LINE_FIELDS = ("target_groups", "planned_indicators")
ID_FIELDS = ("steering_goal_ids", "partner_actor_ids", "offer_ids")

REVIEW_DECISIONS: dict[str, str] = {"continued": "fortgeführt", "changed": "geändert", "dropped": "gestrichen"}
REVIEW_NAMES: dict[str, str] = {**REVIEW_DECISIONS, "added": "neu aufgenommen"}
OUTCOMES: dict[str, str] = {"done": "umgesetzt", "partly": "teilweise umgesetzt", "not_done": "nicht umgesetzt"}


def lines(text: str) -> list[str]:
    """The non-empty lines of a textarea, stripped ("one per line")."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _first(data: Mapping[str, Sequence[str]], name: str) -> str:
    values = data.get(name) or []
    return values[0].strip() if values else ""


def _all(data: Mapping[str, Sequence[str]], name: str) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in data.get(name) or [] if v.strip()))


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@dataclass
class MeasureForm:
    """A parsed measure form: what was entered (to show it again), German errors by field id, and the body
    for planning (only meaningful without errors)."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    payload: dict[str, Any] = field(default_factory=dict)


def parse_measure_form(
    data: Mapping[str, Sequence[str]], year: int, *, prefix: str = "", actor_id: str | None = None
) -> MeasureForm:
    """Reads the measure fields (names ``prefix + field``) of a submitted form.

    ``actor_id`` (a member of the Koordinierungsrunde): the responsible actor is fixed to it, whatever the form
    says. Errors are keyed by the field's id (``prefix + field``); nothing is sent to planning with errors.
    """
    values: dict[str, Any] = {}
    for name in MEASURE_LABELS:
        key = prefix + name
        values[name] = _all(data, key) if name in MULTI_FIELDS else _first(data, key)
        if name in LINE_FIELDS:
            values[name] = "\n".join(lines("\n".join(data.get(key) or [])))
    if actor_id is not None:
        values["responsible_actor_id"] = actor_id
    errors: dict[str, str] = {}

    def error(name: str, message: str) -> None:
        errors.setdefault(prefix + name, message)

    if not values["title"]:
        error("title", "Bitte geben Sie einen Titel an.")
    elif len(values["title"]) > 200:
        error("title", "Der Titel ist zu lang (höchstens 200 Zeichen).")
    if not values["field_of_action"]:
        error("field_of_action", "Bitte wählen Sie ein Handlungsfeld.")
    if not values["responsible_actor_id"]:
        error("responsible_actor_id", "Bitte wählen Sie, wer verantwortlich ist.")
    elif not _is_uuid(values["responsible_actor_id"]):
        error("responsible_actor_id", "Bitte wählen Sie eine Akteur:in aus der Liste.")
    for name in ID_FIELDS:
        if any(not _is_uuid(v) for v in values[name]):
            error(name, "Bitte wählen Sie nur Einträge aus der Liste.")
    place = values["place"]
    if not place:
        error("place", "Bitte wählen Sie als Ort einen Wohnbereich oder das Stadtteilzentrum.")
    elif place != "zentrum" and not place.isdigit():
        error("place", "Bitte wählen Sie einen Ort aus der Liste.")
    dates: dict[str, dt.date] = {}
    for name in ("starts_on", "ends_on"):
        try:
            dates[name] = dt.date.fromisoformat(values[name])
        except ValueError:
            error(name, f"Bitte geben Sie das Datum als TT.MM.JJJJ im Jahr {year} an.")
    if len(dates) == 2 and dates["ends_on"] < dates["starts_on"]:
        error("ends_on", "Das Ende darf nicht vor dem Beginn liegen.")
    payload: dict[str, Any] = {
        "title": values["title"],
        "description": values["description"],
        "field_of_action": values["field_of_action"],
        "responsible_actor_id": values["responsible_actor_id"],
        "starts_on": values["starts_on"],
        "ends_on": values["ends_on"],
        "cross_cutting_themes": values["cross_cutting_themes"],
        "target_groups": lines(values["target_groups"]),
        "strategic_goals": values["strategic_goals"],
        "steering_goal_ids": values["steering_goal_ids"],
        "partner_actor_ids": values["partner_actor_ids"],
        "at_community_centre": place == "zentrum",
        "residential_area_number": int(place) if place.isdigit() else None,
        "planned_indicators": lines(values["planned_indicators"]),
        "offer_ids": values["offer_ids"],
    }
    return MeasureForm(values, errors, payload)


def measure_values(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The form values of a stored measure (``measures[].spec`` of the plan document)."""
    place = "zentrum" if spec.get("at_community_centre") else str(spec.get("residential_area_number") or "")
    return {
        "title": spec.get("title") or "",
        "description": spec.get("description") or "",
        "field_of_action": spec.get("field_of_action") or "",
        "cross_cutting_themes": [str(v) for v in spec.get("cross_cutting_themes") or []],
        "target_groups": "\n".join(spec.get("target_groups") or []),
        "strategic_goals": [str(v) for v in spec.get("strategic_goals") or []],
        "steering_goal_ids": [str(v) for v in spec.get("steering_goal_ids") or []],
        "responsible_actor_id": str(spec.get("responsible_actor_id") or ""),
        "partner_actor_ids": [str(v) for v in spec.get("partner_actor_ids") or []],
        "place": place,
        "starts_on": str(spec.get("starts_on") or ""),
        "ends_on": str(spec.get("ends_on") or ""),
        "planned_indicators": "\n".join(spec.get("planned_indicators") or []),
        "offer_ids": [str(v) for v in spec.get("offer_ids") or []],
    }


def refusal_field(field: str | None, message: str, prefix: str = "") -> tuple[str | None, str]:
    """Planning's field error → (the form field's id, the message); (None, message) if the field is not one of
    the form's."""
    if field is None:
        return None, message
    name = field
    if name in ("residential_area_number", "at_community_centre"):
        name = "place"
    if name == "period":
        name = "starts_on"
    if name in MEASURE_LABELS:
        return prefix + name, message
    return None, message


def field_label(field_id: str, prefix_labels: Mapping[str, str] | None = None) -> str:
    """German label of a form field id (``title``, ``m2-title`` with ``prefix_labels={"m2-": "Maßnahme 2"}``)."""
    for prefix, label in (prefix_labels or {}).items():
        if prefix and field_id.startswith(prefix):
            rest = field_id[len(prefix) :]
            return f"{label}: {FIELD_NAMES.get(rest, REVIEW_FIELD_NAMES.get(rest, rest))}"
    return FIELD_NAMES.get(field_id, REVIEW_FIELD_NAMES.get(field_id, field_id))


REVIEW_FIELD_NAMES = {"decision": "Entscheidung", "reason": "Begründung", "outcome": "Ergebnis"}


@dataclass
class EntriesForm:
    """A parsed review or evaluation form: entries for planning, what was entered, German errors by field id."""

    entries: list[dict[str, Any]]
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)


def parse_review_form(
    data: Mapping[str, Sequence[str]], measures: Sequence[Mapping[str, Any]], year: int, new_blocks: int
) -> EntriesForm:
    """The mid-year review: per measure (ids ``m{i}-``) a decision and a reason, "changed" with the measure's
    new fields; new measures (ids ``neu{i}-``) with a reason, taken only when their title is filled in."""
    entries: list[dict[str, Any]] = []
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for i, measure in enumerate(measures, start=1):
        prefix = f"m{i}-"
        decision = _first(data, prefix + "decision")
        reason = _first(data, prefix + "reason")
        values[prefix + "decision"], values[prefix + "reason"] = decision, reason
        if decision not in REVIEW_DECISIONS:
            errors[prefix + "decision"] = "Bitte entscheiden Sie: fortgeführt, geändert oder gestrichen."
        if not reason:
            errors[prefix + "reason"] = "Bitte begründen Sie die Entscheidung."
        entry: dict[str, Any] = {"decision": decision, "reason": reason, "measure_id": str(measure["id"])}
        if decision == "changed":
            form = parse_measure_form(data, year, prefix=prefix)
            values[prefix + "measure"] = form.values
            errors.update(form.errors)
            entry["measure"] = form.payload
        else:
            values[prefix + "measure"] = measure_values(measure.get("spec") or {})
        entries.append(entry)
    for i in range(1, new_blocks + 1):
        prefix = f"neu{i}-"
        form = parse_measure_form(data, year, prefix=prefix)
        reason = _first(data, prefix + "reason")
        values[prefix + "measure"], values[prefix + "reason"] = form.values, reason
        if not form.values["title"] and not reason:
            continue  # an empty block: no new measure
        errors.update(form.errors)
        if not reason:
            errors[prefix + "reason"] = "Bitte begründen Sie, warum die Maßnahme hinzukommt."
        entries.append({"decision": "added", "reason": reason, "measure": form.payload})
    return EntriesForm(entries, values, errors)


def parse_evaluation_form(data: Mapping[str, Sequence[str]], measures: Sequence[Mapping[str, Any]]) -> EntriesForm:
    """The evaluation: per active measure (ids ``m{i}-``) the outcome, the indicators reached (one per line)
    and the lessons learned."""
    entries: list[dict[str, Any]] = []
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for i, measure in enumerate(measures, start=1):
        prefix = f"m{i}-"
        outcome = _first(data, prefix + "outcome")
        reached = lines("\n".join(data.get(prefix + "indicators_reached") or []))
        lessons = _first(data, prefix + "lessons")
        values[prefix + "outcome"] = outcome
        values[prefix + "indicators_reached"] = "\n".join(reached)
        values[prefix + "lessons"] = lessons
        if outcome not in OUTCOMES:
            errors[prefix + "outcome"] = "Bitte wählen Sie: umgesetzt, teilweise umgesetzt oder nicht umgesetzt."
        entries.append(
            {"measure_id": str(measure["id"]), "outcome": outcome, "indicators_reached": reached, "lessons": lessons}
        )
    return EntriesForm(entries, values, errors)


def active_measures(plan: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The measures not dropped in the mid-year review (the ones to evaluate)."""
    return [m for m in plan.get("measures") or [] if m.get("review") != "dropped"]


# --- deadlines ----------------------------------------------------------------------------------------


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


# --- history and comparison ---------------------------------------------------------------------------


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


# --- need trace ---------------------------------------------------------------------------------------

NEED_STATUS_NAMES: dict[str, str] = {
    "open": "offen",
    "taken_into_plan": "in den Plan übernommen",
    "forwarded": "weitergeleitet",
    "declined": "nicht möglich",
}
