"""Pure rules of the Steuerungsziele pages: who may read and manage the steering committee's city-wide goals,
the check of the goal form, German texts of validity and history.

No I/O here. Every member of staff reads the goals; the steering committee (Lenkungskreis) and
administrators define, change and withdraw them. Anything else is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from quartier_gateway.auth.domain import Principal, Role, can_view_staff_pages
from quartier_gateway.needs.rules import parse_date, short_event

FIRST_YEAR, LAST_YEAR = 2000, 2100

FIELD_LABELS: dict[str, str] = {
    "title": "Titel",
    "description": "Beschreibung",
    "council_decision": "Ratsbeschluss",
    "decided_on": "Beschlossen am",
    "valid_from_year": "Gültig ab Jahr",
    "valid_until_year": "Gültig bis Jahr",
    "reason": "Begründung",
    "version": "Fassung",
}
EVENT_NAMES: dict[str, str] = {
    "GoalDefined": "Steuerungsziel festgelegt",
    "GoalChanged": "Steuerungsziel geändert",
    "GoalRetired": "Steuerungsziel zurückgezogen",
}


def may_read_goals(principal: Principal | None) -> bool:
    return can_view_staff_pages(principal)


def may_manage_goals(principal: Principal | None) -> bool:
    """Define, change and withdraw goals: the steering committee and administrators."""
    return principal is not None and principal.role in (Role.STEERING_COMMITTEE, Role.ADMIN)


def validity_text(goal: Mapping[str, Any]) -> str:
    """``2026–2028``, ``ab 2026`` or ``2026`` (one year)."""
    start = goal.get("valid_from_year")
    end = goal.get("valid_until_year")
    if end is None:
        return f"ab {start}"
    if end == start:
        return str(start)
    return f"{start}–{end}"


def goal_event_name(event_type: str) -> str:
    short = short_event(event_type)
    return EVENT_NAMES.get(short, short)


@dataclass(frozen=True)
class GoalForm:
    values: dict[str, str]
    errors: dict[str, str]
    payload: dict[str, Any]


def _year(text: str, label: str) -> tuple[int | None, str | None]:
    if not text.isdigit():
        return None, f"Bitte geben Sie {label} als vierstellige Zahl an, zum Beispiel 2027."
    year = int(text)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None, f"{year} ist kein gültiges Jahr (zwischen {FIRST_YEAR} und {LAST_YEAR})."
    return year, None


def check_goal_form(values: Mapping[str, str], today: dt.date) -> GoalForm:
    """Checks the form of a goal (new or changed); German errors keyed by field; ``payload`` is planning's body."""
    v = {k: str(values.get(k, "")).strip() for k in FIELD_LABELS}
    errors: dict[str, str] = {}
    if not v["title"]:
        errors["title"] = "Bitte geben Sie einen Titel an."
    elif len(v["title"]) > 200:
        errors["title"] = "Der Titel ist zu lang (höchstens 200 Zeichen)."
    if len(v["description"]) > 5000:
        errors["description"] = "Die Beschreibung ist zu lang (höchstens 5000 Zeichen)."
    if not v["council_decision"]:
        errors["council_decision"] = "Bitte nennen Sie den Ratsbeschluss, zum Beispiel „Vorlage 0123/24“."
    elif len(v["council_decision"]) > 500:
        errors["council_decision"] = "Der Ratsbeschluss ist zu lang (höchstens 500 Zeichen)."
    decided_on = parse_date(v["decided_on"]) if v["decided_on"] else None
    if not v["decided_on"]:
        errors["decided_on"] = "Bitte geben Sie an, wann der Rat beschlossen hat (TT.MM.JJJJ)."
    elif decided_on is None:
        errors["decided_on"] = "Bitte geben Sie das Datum als TT.MM.JJJJ an."
    elif decided_on > today:
        errors["decided_on"] = "Das Datum darf nicht in der Zukunft liegen."
    start, problem = _year(v["valid_from_year"], "das erste Jahr")
    if problem:
        errors["valid_from_year"] = problem
    end: int | None = None
    if v["valid_until_year"]:
        end, problem = _year(v["valid_until_year"], "das letzte Jahr")
        if problem:
            errors["valid_until_year"] = problem
        elif start is not None and end is not None and end < start:
            errors["valid_until_year"] = "Das letzte Jahr darf nicht vor dem ersten liegen."
    payload: dict[str, Any] = {
        "title": v["title"],
        "description": v["description"],
        "council_decision": v["council_decision"],
        "decided_on": decided_on.isoformat() if decided_on else None,
        "valid_from_year": start,
        "valid_until_year": end,
    }
    return GoalForm(v, errors, payload)


def form_values(goal: Mapping[str, Any]) -> dict[str, str]:
    """A goal as the values of its edit form."""
    return {
        "title": str(goal.get("title") or ""),
        "description": str(goal.get("description") or ""),
        "council_decision": str(goal.get("council_decision") or ""),
        "decided_on": str(goal.get("decided_on") or ""),
        "valid_from_year": str(goal.get("valid_from_year") or ""),
        "valid_until_year": "" if goal.get("valid_until_year") is None else str(goal["valid_until_year"]),
        "version": str(goal.get("version") or ""),
    }
