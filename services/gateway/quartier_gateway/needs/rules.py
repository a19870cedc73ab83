"""Pure rules of the Bedarfe pages: who may read, raise and answer a need, German names, the form check and
the trace need → measure → mid-year review → evaluation as a German sequence.

No I/O here. Who may:
- read: administrators and the steering committee every Sozialraum; an area coordinator (and any other
  role scoped to one Sozialraum) their own Sozialraum; a council member the Sozialräume touching their Stadtbezirk;
- raise a need: the area coordinator for their Sozialraum (any source); a council member for the
  Sozialräume of their Stadtbezirk, always with the source "Bezirksvertretung"; administrators anywhere;
- answer (take into a plan, forward, decline) and reopen: only the area coordinator of the need's Sozialraum.
Anything else is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from quartier_gateway.auth.domain import Principal, Role
from quartier_gateway.web.format import german_date

STATUS_NAMES: dict[str, str] = {
    "open": "offen",
    "taken_into_plan": "in einen Plan aufgenommen",
    "forwarded": "weitergeleitet",
    "declined": "abgelehnt",
}
SOURCE_NAMES: dict[str, str] = {
    "neighbourhood_conference": "Stadtteilkonferenz",
    "district_council": "Bezirksvertretung",
    "service": "Fachdienst",
    "resident": "Bewohner:in",
}
COUNCIL_SOURCE = "district_council"
RESIDENT = "Bewohner:in"

REVIEW_NAMES: dict[str, str] = {
    "continued": "fortgeführt",
    "changed": "geändert",
    "dropped": "gestrichen",
    "added": "neu aufgenommen",
}
OUTCOME_NAMES: dict[str, str] = {
    "done": "umgesetzt",
    "partly": "teilweise umgesetzt",
    "not_done": "nicht umgesetzt",
}
EVENT_NAMES: dict[str, str] = {
    "NeedRaised": "Bedarf erfasst",
    "NeedTakenIntoPlan": "In einen Plan aufgenommen",
    "NeedForwarded": "Weitergeleitet",
    "NeedDeclined": "Abgelehnt",
    "NeedReopened": "Wieder geöffnet",
}

# What the coordinator may do with a need, per status (planning refuses anything else with a 409).
ACTIONS: dict[str, tuple[str, ...]] = {
    "open": ("take-into-plan", "forward", "decline"),
    "taken_into_plan": ("reopen",),
    "forwarded": ("reopen",),
    "declined": ("reopen",),
}

FIELD_LABELS: dict[str, str] = {
    "social_area_key": "Sozialraum",
    "residential_area_number": "Wohnbereich",
    "field_of_action": "Handlungsfeld",
    "source": "Herkunft",
    "raised_by": "Eingebracht von",
    "raised_on": "Eingebracht am",
    "title": "Bedarf",
    "description": "Beschreibung",
    "measure": "Maßnahme",
    "forwarded_to": "Weitergeleitet an",
    "reason": "Begründung",
}


def status_name(status: str) -> str:
    return STATUS_NAMES.get(status, status)


def source_name(source: str) -> str:
    return SOURCE_NAMES.get(source, source)


# --- who may ---------------------------------------------------------------------------------------------


def may_read_area(principal: Principal | None, social_area_key: str, district_keys: Iterable[str]) -> bool:
    if principal is None:
        return False
    if principal.role in (Role.ADMIN, Role.STEERING_COMMITTEE):
        return True
    if principal.role is Role.COUNCIL_MEMBER:
        return principal.district_key in set(district_keys)
    # area coordinators (and the other roles scoped to one Sozialraum): their own Sozialraum
    return principal.social_area_key is not None and principal.social_area_key == social_area_key


def may_raise_in(principal: Principal | None, social_area_key: str, district_keys: Iterable[str]) -> bool:
    if principal is None:
        return False
    if principal.role is Role.ADMIN:
        return True
    if principal.role is Role.AREA_COORDINATOR:
        return principal.social_area_key == social_area_key
    if principal.role is Role.COUNCIL_MEMBER:
        return principal.district_key in set(district_keys)
    return False


def readable_area_keys(principal: Principal, areas: Mapping[str, Iterable[str]]) -> list[str]:
    """The Sozialräume whose needs the principal sees (``areas``: key → its district keys)."""
    return [key for key, districts in areas.items() if may_read_area(principal, key, districts)]


def raisable_area_keys(principal: Principal, areas: Mapping[str, Iterable[str]]) -> list[str]:
    return [key for key, districts in areas.items() if may_raise_in(principal, key, districts)]


def allowed_sources(principal: Principal | None) -> list[str]:
    """The sources the principal may choose; a council member's need always comes from the council."""
    if principal is None:
        return []
    if principal.role is Role.COUNCIL_MEMBER:
        return [COUNCIL_SOURCE]
    return list(SOURCE_NAMES)


def may_answer(principal: Principal | None, social_area_key: str) -> bool:
    """Take into a plan, forward, decline, reopen: the area coordinator of the need's Sozialraum."""
    return (
        principal is not None
        and principal.role is Role.AREA_COORDINATOR
        and principal.social_area_key == social_area_key
    )


def actions_for(principal: Principal | None, need: Mapping[str, Any]) -> tuple[str, ...]:
    if not may_answer(principal, str(need.get("social_area_key", ""))):
        return ()
    return ACTIONS.get(str(need.get("status", "")), ())


# --- the form of a new need ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedForm:
    values: dict[str, str]
    errors: dict[str, str]
    payload: dict[str, Any]


def parse_date(text: str) -> dt.date | None:
    """``2027-02-01`` (as a date input sends it) or ``01.02.2027``; anything else None."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def check_need_form(
    values: Mapping[str, str],
    principal: Principal,
    areas: Mapping[str, Iterable[str]],
    residential_areas: Mapping[str, Iterable[int]],
    fields_of_action: Iterable[str],
    actor_ids: Iterable[str],
    today: dt.date,
) -> NeedForm:
    """Checks the form of a new need; ``areas``: key → district keys, ``residential_areas``: key → numbers.

    The errors are German and keyed by the form's field names; ``payload`` is planning's ``NeedIn``.
    """
    v = {k: str(values.get(k, "")).strip() for k in FIELD_LABELS}
    errors: dict[str, str] = {}
    key = v["social_area_key"]
    if not key:
        errors["social_area_key"] = "Bitte wählen Sie den Sozialraum."
    elif key not in areas or not may_raise_in(principal, key, areas[key]):
        errors["social_area_key"] = "Für diesen Sozialraum können Sie keinen Bedarf erfassen."
    number: int | None = None
    if v["residential_area_number"]:
        if not v["residential_area_number"].isdigit():
            errors["residential_area_number"] = "Bitte wählen Sie einen Wohnbereich aus der Liste."
        else:
            number = int(v["residential_area_number"])
            if key and "social_area_key" not in errors and number not in set(residential_areas.get(key, ())):
                errors["residential_area_number"] = f"Wohnbereich {number} gehört nicht zu diesem Sozialraum."
    if not v["field_of_action"]:
        errors["field_of_action"] = "Bitte wählen Sie ein Handlungsfeld."
    elif v["field_of_action"] not in set(fields_of_action):
        errors["field_of_action"] = "Bitte wählen Sie ein Handlungsfeld aus der Liste."
    sources = allowed_sources(principal)
    if principal.role is Role.COUNCIL_MEMBER:
        v["source"] = COUNCIL_SOURCE
    if not v["source"]:
        errors["source"] = "Bitte wählen Sie, woher der Bedarf kommt."
    elif v["source"] not in sources:
        errors["source"] = "Bitte wählen Sie eine Herkunft aus der Liste."
    if not v["raised_by"]:
        v["raised_by"] = RESIDENT
    if v["raised_by"] != RESIDENT and v["raised_by"] not in set(actor_ids):
        errors["raised_by"] = "Bitte wählen Sie „Bewohner:in“ oder einen Akteur aus der Liste."
    if not v["title"]:
        errors["title"] = "Bitte beschreiben Sie den Bedarf in einem Satz."
    elif len(v["title"]) > 200:
        errors["title"] = "Der Bedarf ist zu lang (höchstens 200 Zeichen); Einzelheiten gehören in die Beschreibung."
    if len(v["description"]) > 5000:
        errors["description"] = "Die Beschreibung ist zu lang (höchstens 5000 Zeichen)."
    raised_on: dt.date | None = None
    if v["raised_on"]:
        raised_on = parse_date(v["raised_on"])
        if raised_on is None:
            errors["raised_on"] = "Bitte geben Sie das Datum als TT.MM.JJJJ an."
        elif raised_on > today:
            errors["raised_on"] = "Das Datum darf nicht in der Zukunft liegen."
    payload: dict[str, Any] = {
        "source": v["source"],
        "social_area_key": key,
        "residential_area_number": number,
        "field_of_action": v["field_of_action"],
        "title": v["title"],
        "description": v["description"],
        "raised_by": v["raised_by"],
        "raised_on": raised_on.isoformat() if raised_on else None,
    }
    return NeedForm(v, errors, payload)


def split_refusal(field: str | None, message: str, known: Iterable[str] = FIELD_LABELS) -> tuple[str | None, str]:
    """A refusal's field error → (field, message) when the field is one of ``known``, else (None, message)."""
    if field is not None and field in set(known):
        return field, message
    return None, message


# --- dates and history -------------------------------------------------------------------------------------


def short_event(event_type: str) -> str:
    """``quartier.planning.NeedRaised.v1`` → ``NeedRaised``."""
    parts = event_type.split(".")
    if len(parts) >= 2 and parts[-1].startswith("v") and parts[-1][1:].isdigit():
        return parts[-2]
    return parts[-1]


def event_name(event_type: str) -> str:
    short = short_event(event_type)
    return EVENT_NAMES.get(short, short)


def last_event_date(history: Sequence[Mapping[str, Any]], short_name: str) -> str:
    """The German date of the latest history entry of that event ("" when there is none)."""
    dates = [str(e.get("changed_at") or "") for e in history if short_event(str(e.get("event_type", ""))) == short_name]
    return german_date(dates[-1]) if dates else ""


# --- the trace -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TraceStep:
    """One station of a need's way: when (TT.MM.JJJJ or ""), what (short heading), the German text, and
    an optional link (the plan)."""

    when: str
    what: str
    text: str
    link: str | None = None
    pending: bool = False


def _area_text(need: Mapping[str, Any], area_name: str, residential_names: Mapping[int, str]) -> str:
    text = f"im {area_name}" if area_name.startswith("Sozialraum") else f"im Sozialraum {area_name}"
    number = need.get("residential_area_number")
    if number is not None:
        name = residential_names.get(int(number))
        text += f", Wohnbereich {number}" + (f" – {name}" if name else "")
    return text


def trace_steps(
    trace: Mapping[str, Any],
    history: Sequence[Mapping[str, Any]],
    plan: Mapping[str, Any] | None,
    *,
    area_name: str,
    residential_names: Mapping[int, str] | None = None,
    actor_names: Mapping[str, str] | None = None,
) -> list[TraceStep]:
    """The trace of planning (``GET /needs/{id}/trace``) as German stations, with the dates from the need's
    history and, when it went into a plan, from the plan (its measure, mid-year review and evaluation)."""
    need = trace.get("need") or {}
    names = actor_names or {}
    raised_by = str(need.get("raised_by") or "")
    who = names.get(raised_by, raised_by)
    steps = [
        TraceStep(
            german_date(need.get("raised_on")),
            "Bedarf eingebracht",
            f"„{need.get('title', '')}“ – von der Herkunft {source_name(str(need.get('source', '')))}"
            + (f" ({who})" if who and who not in (RESIDENT, source_name(str(need.get("source", "")))) else "")
            + f", {_area_text(need, area_name, residential_names or {})}"
            + f", Handlungsfeld {need.get('field_of_action', '')}.",
        )
    ]
    status = str(need.get("status", "open"))
    where = trace.get("where") or {}
    if status == "open":
        text = "Der Bedarf ist offen: die Stadtteilkoordination hat ihn noch nicht beantwortet."
        if need.get("reopened_because"):
            text += f" Wieder geöffnet, weil: {need['reopened_because']}"
        steps.append(TraceStep(last_event_date(history, "NeedReopened"), "Noch offen", text, pending=True))
        return steps
    if status == "forwarded":
        to = str(where.get("forwarded_to") or need.get("forwarded_to") or "unbekannt")
        steps.append(
            TraceStep(
                last_event_date(history, "NeedForwarded"), "Weitergeleitet", f"Weitergeleitet an {names.get(to, to)}."
            )
        )
        return steps
    if status == "declined":
        why = where.get("declined_because") or need.get("declined_because") or "ohne Begründung"
        steps.append(TraceStep(last_event_date(history, "NeedDeclined"), "Abgelehnt", f"Abgelehnt: {why}"))
        return steps
    # taken into a plan: measure → mid-year review → evaluation
    plan_id = str(where.get("plan_id") or need.get("plan_id") or "")
    measure_id = str(where.get("measure_id") or need.get("measure_id") or "")
    year = where.get("year") or (plan or {}).get("year")
    title = where.get("measure_title")
    measure = next((m for m in (plan or {}).get("measures") or [] if str(m.get("id")) == measure_id), None)
    spec = (measure or {}).get("spec") or {}
    text = f"Aufgenommen in den Jahresplan {year or ''} mit der Maßnahme „{title or 'unbekannt'}“".replace("  ", " ")
    if spec.get("starts_on") and spec.get("ends_on"):
        text += f" (Zeitraum {german_date(spec['starts_on'])} bis {german_date(spec['ends_on'])})"
    text += "."
    if trace.get("measure_state_name"):
        text += f" Stand des Plans: {trace['measure_state_name']}."
    steps.append(
        TraceStep(
            last_event_date(history, "NeedTakenIntoPlan"),
            "Maßnahme",
            text,
            link=f"/jahresplaene/{plan_id}" if plan_id else None,
        )
    )
    plan_history = (plan or {}).get("history") or []
    review = trace.get("measure_review") or (measure or {}).get("review")
    if review:
        text = f"Die Maßnahme wurde {REVIEW_NAMES.get(str(review), str(review))}."
        reason = (measure or {}).get("review_reason")
        if reason:
            text += f" Begründung: {reason}"
        steps.append(TraceStep(last_event_date(plan_history, "MidYearReviewCompleted"), "Halbjahresbilanz", text))
    else:
        steps.append(TraceStep("", "Halbjahresbilanz", "Die Halbjahresbilanz steht noch aus.", pending=True))
    evaluation = trace.get("evaluation")
    if evaluation:
        outcome = str(evaluation.get("outcome", ""))
        text = f"Ergebnis: {OUTCOME_NAMES.get(outcome, outcome)}."
        reached = [str(i) for i in evaluation.get("indicators_reached") or []]
        if reached:
            text += " Erreichte Indikatoren: " + "; ".join(reached) + "."
        if evaluation.get("lessons"):
            text += f" Erkenntnisse: {evaluation['lessons']}"
        steps.append(TraceStep(last_event_date(plan_history, "PlanEvaluated"), "Auswertung", text))
    else:
        steps.append(TraceStep("", "Auswertung", "Die Auswertung steht noch aus.", pending=True))
    return steps


def measure_choices(plans: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """The measures a need may go into: of plans not yet evaluated, not dropped in the mid-year review.
    Each as (``<plan id>:<measure id>``, "Jahresplan 2027 – Elterncafé"), newest plan first."""
    out: list[tuple[str, str]] = []
    for plan in sorted(plans, key=lambda p: int(p.get("year") or 0), reverse=True):
        if plan.get("state") == "evaluated":
            continue
        for m in plan.get("measures") or []:
            if m.get("review") == "dropped":
                continue
            title = (m.get("spec") or {}).get("title", "Maßnahme")
            out.append((f"{plan['id']}:{m['id']}", f"Jahresplan {plan.get('year')} – {title}"))
    return out


def split_choice(value: str) -> tuple[str, str] | None:
    plan_id, sep, measure_id = value.strip().partition(":")
    return (plan_id, measure_id) if sep and plan_id and measure_id else None
